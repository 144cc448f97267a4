#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole file's bytes with the C library (one read of the file's size when it has one),
/// or nil when it cannot be opened or read.
package func readFileBytes(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var info = stat()
    let size = fstat(fileno(f), &info) == 0 ? Int(info.st_size) : 0
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size + 1)
    var chunk = max(size + 1, 1 << 16)
    while true {
        let before = bytes.count
        var read = 0
        bytes.append(contentsOf: repeatElement(0, count: chunk))
        bytes.withUnsafeMutableBytes { read = fread($0.baseAddress! + before, 1, chunk, f) }
        bytes.removeLast(chunk - read)
        if read < chunk { break }
        chunk = 1 << 20
    }
    if ferror(f) != 0 { return nil }
    return bytes
}
