#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for a large buffer that is about to be written for the first time.
package enum HugePages {
    /// The x86-64 huge page: 2 MiB.
    package static let size = 2 << 20

    /// Asks the kernel to back the whole 2 MiB pages inside `bytes` at `base` with huge pages
    /// when they are first written (`madvise(MADV_HUGEPAGE)`): one page fault per 2 MiB instead
    /// of one per 4 KiB. Only a hint, for memory nothing has written yet: the kernel ignores it
    /// where transparent huge pages are off, pages already there stay as they are, and buffers
    /// under 4 MiB are left alone (little to gain for splitting their mapping). What is stored
    /// is the same either way.
    package static func advise(_ base: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        guard bytes >= 2 * size else { return }
        let address = Int(bitPattern: base)
        let start = (address + size - 1) & ~(size - 1)
        let end = (address + bytes) & ~(size - 1)
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, MADV_HUGEPAGE)
        #endif
    }
}
