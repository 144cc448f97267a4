/// A growable byte buffer that is reused: `removeAll()` keeps the storage, so steady-state
/// appends allocate nothing. Owned by one thread.
///
/// Its properties are `@exclusivity(unchecked)`: a class's stored properties are otherwise
/// checked at run time on every access (`swift_beginAccess`), which was 2–4 % of a replay that
/// archives – per appended value, on the archive thread, which alone ever touches the buffer.
@usableFromInline package final class ByteBuffer {
    /// Start of the bytes.
    @exclusivity(unchecked) @usableFromInline package private(set) var base: UnsafeMutablePointer<UInt8>
    /// Bytes held.
    @exclusivity(unchecked) @usableFromInline package var count: Int = 0
    /// Bytes allocated.
    @exclusivity(unchecked) @usableFromInline package private(set) var capacity: Int

    /// A buffer with room for `capacity` bytes.
    @usableFromInline package init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inlinable
    package func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    @usableFromInline
    func grow(_ needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }

    /// Forgets the bytes, keeps the storage.
    @inlinable package func removeAll() { count = 0 }

    /// The bytes as a raw buffer (valid until the next append).
    @inlinable package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Appends one byte (room must have been reserved).
    @inlinable package func put(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    /// Appends bytes, growing when needed.
    @inlinable package func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if bytes.count > 0 {
            UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Appends an array of bytes.
    @usableFromInline package func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// Appends an unsigned LEB128 varint (room for 10 bytes must have been reserved).
    @inlinable package func putVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count += 1
            v >>= 7
        }
        base[count] = UInt8(truncatingIfNeeded: v)
        count += 1
    }
}

/// Zig-zag mapping of signed to unsigned integers: 0, -1, 1, -2 … → 0, 1, 2, 3 …
@inlinable @inline(__always)
func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

/// The inverse of ``zigzag(_:)``.
@inlinable @inline(__always)
func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

/// Reads varints from decoded chunk bytes. `nil` means the bytes ended (a truncated record).
@usableFromInline
struct ByteCursor {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: Int
    @usableFromInline var offset: Int

    @inlinable init(_ bytes: UnsafeRawBufferPointer, offset: Int) {
        base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        end = bytes.count
        self.offset = offset
    }

    @inlinable var atEnd: Bool { offset >= end }

    /// The next varint; `nil` at the end of the bytes; throws on a varint longer than 10 bytes.
    @inlinable mutating func varint() throws(RecordError) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while i < end {
            let b = base[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                offset = i
                return result
            }
            shift += 7
            if shift > 63 { throw .badVarint }
        }
        return nil
    }
}

/// Why a record could not be decoded.
@usableFromInline package enum RecordError: Error {
    case badVarint
    case badScale(UInt64)
}
