/// xxHash32 (seed 0), the checksum of LZ4 frames: one-shot for block checksums and the frame
/// descriptor, streaming for the content checksum. liblz4 does not export its copy.
struct XXH32 {
    private static let p1: UInt32 = 2_654_435_761
    private static let p2: UInt32 = 2_246_822_519
    private static let p3: UInt32 = 3_266_489_917
    private static let p4: UInt32 = 668_265_263
    private static let p5: UInt32 = 374_761_393

    private var v1: UInt32 = XXH32.p1 &+ XXH32.p2
    private var v2: UInt32 = XXH32.p2
    private var v3: UInt32 = 0
    private var v4: UInt32 = 0 &- XXH32.p1
    private var total = 0
    /// Up to 15 bytes not yet consumed by a 16-byte stripe.
    private var pending: (UInt64, UInt64) = (0, 0)
    private var pendingCount = 0

    /// A fresh state.
    init() {}

    /// The hash of `count` bytes at `p`.
    static func hash(_ p: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var h = XXH32()
        h.update(p, count)
        return h.digest()
    }

    @inline(__always)
    private static func round(_ acc: UInt32, _ input: UInt32) -> UInt32 {
        (acc &+ input &* p2).rotatedLeft(13) &* p1
    }

    /// Adds bytes.
    mutating func update(_ p: UnsafeRawPointer, _ count: Int) {
        total += count
        var i = 0
        if pendingCount > 0 {
            let take = min(16 - pendingCount, count)
            let at = pendingCount
            withUnsafeMutableBytes(of: &pending) { buf in
                (buf.baseAddress! + at).copyMemory(from: p, byteCount: take)
            }
            pendingCount += take
            i = take
            guard pendingCount == 16 else { return }
            var full = pending
            withUnsafeBytes(of: &full) { buf in stripe(buf.baseAddress!) }
            pendingCount = 0
        }
        while count - i >= 16 {
            stripe(p + i)
            i += 16
        }
        if i < count {
            withUnsafeMutableBytes(of: &pending) { buf in
                buf.baseAddress!.copyMemory(from: p + i, byteCount: count - i)
            }
            pendingCount = count - i
        }
    }

    @inline(__always)
    private mutating func stripe(_ p: UnsafeRawPointer) {
        v1 = Self.round(v1, UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        v2 = Self.round(v2, UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        v3 = Self.round(v3, UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        v4 = Self.round(v4, UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
    }

    /// The hash of everything added so far (the state is unchanged).
    func digest() -> UInt32 {
        var h: UInt32 =
            total >= 16
            ? v1.rotatedLeft(1) &+ v2.rotatedLeft(7) &+ v3.rotatedLeft(12) &+ v4.rotatedLeft(18)
            : Self.p5
        h = h &+ UInt32(truncatingIfNeeded: total)
        var copy = pending
        let n = pendingCount
        withUnsafeBytes(of: &copy) { buf in
            var i = 0
            while n - i >= 4 {
                h =
                    (h &+ UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: i, as: UInt32.self)) &* Self.p3)
                    .rotatedLeft(17) &* Self.p4
                i += 4
            }
            while i < n {
                h = (h &+ UInt32(buf[i]) &* Self.p5).rotatedLeft(11) &* Self.p1
                i += 1
            }
        }
        h ^= h >> 15
        h = h &* Self.p2
        h ^= h >> 13
        h = h &* Self.p3
        h ^= h >> 16
        return h
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt32) -> UInt32 { (self << n) | (self >> (32 - n)) }
}
