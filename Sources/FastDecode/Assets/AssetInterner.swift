#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns asset name bytes into ``AssetID``s on the decode thread without allocating: an
/// open-addressing table keyed by a hash of the bytes, compared byte for byte. New names are
/// registered in the shared ``AssetDirectory`` (the only time a `String` is made).
///
/// Per tick it hashes the name a word at a time and compares it with one `memcmp` against a
/// flat pool of the known spellings; the entries hold no references, so a look-up retains and
/// releases nothing.
///
/// Not thread-safe: one interner per decoding thread.
public struct AssetInterner {
    /// The shared names.
    public let directory: AssetDirectory

    @usableFromInline var slots: [Int32]  // index into `entries`, -1 when empty
    @usableFromInline var entries: [Entry] = []
    /// Every interned spelling, back to back (`Entry.offset`, `Entry.count`).
    @usableFromInline var pool: [UInt8] = []
    @usableFromInline var mask: Int

    /// One known spelling: trivial (no references), so reading it copies three words.
    @usableFromInline struct Entry {
        @usableFromInline var hash: UInt64
        @usableFromInline var offset: Int32
        @usableFromInline var count: Int32
        @usableFromInline var id: AssetID

        @inlinable init(hash: UInt64, offset: Int32, count: Int32, id: AssetID) {
            self.hash = hash
            self.offset = offset
            self.count = count
            self.id = id
        }
    }

    /// An interner that registers names in `directory`.
    public init(directory: AssetDirectory) {
        self.directory = directory
        self.slots = Array(repeating: -1, count: 64)
        self.mask = 63
    }

    /// The ID for the asset spelled by `bytes` (UTF-8, the broker's spelling).
    @inlinable
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> AssetID {
        let h = Self.hash(bytes)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot < 0 { break }
            let e = entries[Int(slot)]
            if e.hash == h, Int(e.count) == bytes.count, equalsPool(at: Int(e.offset), bytes) {
                return e.id
            }
            i = (i + 1) & mask
        }
        return insert(bytes, hash: h, slot: i)
    }

    /// True when the pool holds `bytes` at `offset` (the caller checked the length).
    @inlinable
    func equalsPool(at offset: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return pool.withUnsafeBytes { memcmp($0.baseAddress! + offset, base, bytes.count) == 0 }
    }

    @usableFromInline
    mutating func insert(_ bytes: UnsafeRawBufferPointer, hash h: UInt64, slot: Int) -> AssetID {
        let name = String(decoding: bytes, as: UTF8.self)
        let id = directory.register(name)
        let offset = Int32(truncatingIfNeeded: pool.count)
        pool.append(contentsOf: bytes)
        entries.append(Entry(hash: h, offset: offset, count: Int32(truncatingIfNeeded: bytes.count), id: id))
        slots[slot] = Int32(entries.count - 1)
        if entries.count * 2 > slots.count { grow() }
        return id
    }

    @usableFromInline
    mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for (index, e) in entries.enumerated() {
            var i = Int(truncatingIfNeeded: e.hash) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(index)
        }
    }

    /// Eight bytes at a time (a multiply-xorshift per word, the tail as one word), finished
    /// with a multiply-xorshift so the low bits mix well. In-process only (not stable across
    /// byte orders).
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xbf58_476d_1ce4_e5b9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) &<< shift
            shift &+= 8
            i += 1
        }
        h = (h ^ tail) &* 0x94d0_49bb_1331_11eb
        h ^= h >> 32
        return h
    }
}
