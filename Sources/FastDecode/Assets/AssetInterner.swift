/// Turns asset name bytes into ``AssetID``s on the decode thread without allocating: an
/// open-addressing table keyed by a hash of the bytes, compared byte for byte. New names are
/// registered in the shared ``AssetDirectory`` (the only time a `String` is made).
///
/// Not thread-safe: one interner per decoding thread.
public struct AssetInterner {
    /// The shared names.
    public let directory: AssetDirectory

    @usableFromInline var slots: [Int32]          // index into `entries`, -1 when empty
    @usableFromInline var entries: [Entry] = []
    @usableFromInline var mask: Int

    @usableFromInline struct Entry {
        @usableFromInline var hash: UInt64
        @usableFromInline var bytes: [UInt8]
        @usableFromInline var id: AssetID
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
            if e.hash == h, e.bytes.count == bytes.count,
               e.bytes.withUnsafeBytes({ $0.elementsEqual(bytes) }) {
                return e.id
            }
            i = (i + 1) & mask
        }
        return insert(bytes, hash: h, slot: i)
    }

    @usableFromInline
    mutating func insert(_ bytes: UnsafeRawBufferPointer, hash h: UInt64, slot: Int) -> AssetID {
        let name = String(decoding: bytes, as: UTF8.self)
        let id = directory.register(name)
        entries.append(Entry(hash: h, bytes: Array(bytes), id: id))
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

    /// FNV-1a, 64-bit, finished with a multiply-xorshift so low bits mix well.
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return h
    }
}
