/// Format 2's bit-packed columns (see docs/archive-format.md, "Format 2 records").
///
/// Bits are written most significant first. A column value is one of
/// - `q` zero bits, a one bit and `p` bits `r` (q < 12): the residual `u = q << p | r` – a Rice
///   code whose parameter `p` follows the column's running mean of `u`;
/// - 12 zero bits, a zero bit, 7 bits `n`, `n` bits `u`: a residual too large for the Rice code;
/// - 12 zero bits, a one bit, 7 bits `n`, `n` bits `zigzag(a)`, 12 bits `k`: a new scale code `k`
///   and integer `a` (see ``ScaledColumn``: `a / 10^k`, `a / 2^(k − 1056)` or raw bits).
///
/// A residual `u` is `zigzag(d − (m >> 4))`, `d` the change of `a` and `m` sixteen times the
/// running mean of `d`: a steady tick rate (or drift) costs nothing, jitter around it little.

/// Writes bits, most significant first, into a ``ByteBuffer``; the last partial byte stays here
/// until it fills (``tail`` gives it padded with zero bits).
@usableFromInline
struct BitWriter {
    /// Pending bits in the low `count` bits (higher bits are stale).
    @usableFromInline var acc: UInt64 = 0
    /// Pending bits: 0…7 between calls.
    @usableFromInline var count = 0

    @inlinable init() {}

    /// Appends the low `n` bits of `v` (n ≤ 56; `v` has no bits above them).
    @inlinable @inline(__always)
    mutating func put(_ v: UInt64, _ n: Int, into out: ByteBuffer) {
        acc = n == 0 ? acc : (acc << UInt64(n)) | v
        count += n
        while count >= 8 {
            count -= 8
            out.put(UInt8(truncatingIfNeeded: acc >> UInt64(count)))
        }
    }

    /// Appends the low `n` bits of `v` (n ≤ 64).
    @inlinable
    mutating func putLong(_ v: UInt64, _ n: Int, into out: ByteBuffer) {
        if n > 32 {
            put(v >> 32, n - 32, into: out)
            put(v & 0xFFFF_FFFF, 32, into: out)
        } else {
            put(v, n, into: out)
        }
    }

    /// The partial last byte, padded with zero bits; nil when the bits end on a byte boundary.
    @inlinable var tail: UInt8? {
        count > 0 ? UInt8(truncatingIfNeeded: acc << UInt64(8 - count)) : nil
    }

    /// Appends the partial last byte (zero-padded) and starts byte-aligned.
    @inlinable mutating func finish(into out: ByteBuffer) {
        if let t = tail {
            out.reserve(1)
            out.put(t)
        }
        count = 0
        acc = 0
    }
}

/// Reads bits, most significant first. Bits past the end read as zero; callers check
/// ``remaining`` before consuming.
@usableFromInline
struct BitReader {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let bytes: Int
    /// Total bits and the position, in bits.
    @usableFromInline let total: Int
    @usableFromInline var position: Int

    @inlinable init(_ buffer: UnsafeRawBufferPointer, offset: Int) {
        base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        bytes = buffer.count
        total = buffer.count * 8
        position = offset * 8
    }

    @inlinable var remaining: Int { total - position }

    /// The next 57+ bits, left-aligned (zero-filled past the end).
    @inlinable @inline(__always)
    func window() -> UInt64 {
        let i = position >> 3
        var w: UInt64
        if i + 8 <= bytes {
            w = UInt64(bigEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
        } else {
            w = 0
            var j = i
            var shift: UInt64 = 56
            while j < bytes {
                w |= UInt64(base[j]) << shift
                j += 1
                shift &-= 8
            }
        }
        return w << UInt64(position & 7)
    }

    /// The next `n` bits (n ≤ 56); nil when fewer remain.
    @inlinable @inline(__always)
    mutating func read(_ n: Int) -> UInt64? {
        guard n <= remaining else { return nil }
        if n == 0 { return 0 }
        let v = window() >> UInt64(64 - n)
        position += n
        return v
    }

    /// The next `n` bits (n ≤ 64); nil when fewer remain.
    @inlinable
    mutating func readLong(_ n: Int) -> UInt64? {
        guard n > 32 else { return read(n) }
        guard let hi = read(n - 32), let lo = read(32) else { return nil }
        return hi << 32 | lo
    }
}

/// One column of Doubles in format 2: ``ScaledColumn``'s exact integer-and-scale values, with
/// changes coded as adaptive Rice codes of their distance from the running mean change.
@usableFromInline
struct BitColumn {
    /// The current integer and scale code (as in ``ScaledColumn``).
    @usableFromInline var a: Int64 = 0
    @usableFromInline var k: Int = 0
    /// Sixteen times the running mean of the residual `u` (0: none since the last scale).
    @usableFromInline var s: Int64 = 0
    /// Sixteen times the running mean of the change `d`.
    @usableFromInline var m: Int64 = 0
    /// `10^k` while `k` is a decimal scale, else 0 (saves the table look-up per value).
    @usableFromInline var scale: Double = 1

    /// Zero bits that announce an escape.
    @inlinable static var escape: Int { 12 }

    /// `a` when `v` is exactly `a` at the current scale.
    @inlinable @inline(__always)
    func exact(_ v: Double) -> Int64? {
        guard scale != 0 else { return ScaledColumn.exact(v, k) }
        let q = (v * scale).rounded()
        guard abs(q) < 0x1p53 else { return nil }
        let n = Int64(q)
        return (Double(n) / scale).bitPattern == v.bitPattern ? n : nil
    }

    /// The current value.
    @inlinable @inline(__always)
    var value: Double { scale != 0 ? Double(a) / scale : ScaledColumn.value(a, k) }

    @inlinable
    mutating func setScale(_ nk: Int) {
        k = nk
        scale = nk <= ScaledColumn.maxDecimal ? ScaledColumn.pow10[nk] : 0
    }

    @inlinable init() {}

    /// The Rice parameter for the next residual.
    @inlinable @inline(__always)
    var riceParameter: Int { max(0, 63 - (s >> 4).leadingZeroBitCount) }

    @inlinable @inline(__always)
    mutating func update(u: UInt64, d: Int64) {
        if s == 0 {
            s = Int64(bitPattern: u << 4)
            m = d &<< 4
        } else {
            s = s &+ Int64(bitPattern: u) &- (s >> 4)
            m = m &+ d &- (m >> 4)
        }
    }

    /// Appends `v` (room for 24 bytes must have been reserved).
    @inlinable @inline(__always)
    mutating func encode(_ v: Double, into w: inout BitWriter, _ out: ByteBuffer) {
        if let n = exact(v) {
            let d = n &- a
            let u = zigzag(d &- (m >> 4))
            let p = riceParameter
            let q = u >> UInt64(p)
            if q < UInt64(Self.escape) {
                w.put(1, Int(q) + 1, into: out)
                w.put(u & ((1 << UInt64(p)) &- 1), p, into: out)
            } else {
                w.put(0, Self.escape + 1, into: out)
                let bits = 64 - u.leadingZeroBitCount
                w.put(UInt64(bits), 7, into: out)
                w.putLong(u, bits, into: out)
            }
            a = n
            update(u: u, d: d)
            return
        }
        let (nk, n) = ScaledColumn.rescale(v)
        w.put(0, Self.escape, into: out)
        let z = zigzag(n)
        let bits = 64 - z.leadingZeroBitCount
        w.put(1 << 7 | UInt64(bits), 8, into: out)
        w.putLong(z, bits, into: out)
        w.put(UInt64(nk), 12, into: out)
        setScale(nk)
        a = n
        s = 0
        m = 0
    }

    /// Reads the next value; nil when the bits end inside it.
    @inlinable @inline(__always)
    mutating func decode(_ r: inout BitReader) throws(RecordError) -> Double? {
        let q = min(r.window().leadingZeroBitCount, Self.escape)
        if q < Self.escape {
            guard r.remaining > q else { return nil }
            r.position += q + 1
            let p = min(riceParameter, 56)
            guard let low = r.read(p) else { return nil }
            apply(UInt64(q) << UInt64(p) | low)
        } else {
            guard r.remaining > q else { return nil }
            r.position += q
            guard let flag = r.read(1), let bits = r.read(7) else { return nil }
            guard bits <= 64 else { throw .badVarint }
            guard let x = r.readLong(Int(bits)) else { return nil }
            if flag == 0 {
                apply(x)
            } else {
                guard let nk = r.read(12) else { return nil }
                guard nk <= UInt64(ScaledColumn.maxDecimal) || nk >= 32 else { throw .badScale(nk) }
                setScale(Int(nk))
                a = unzigzag(x)
                s = 0
                m = 0
            }
        }
        return value
    }

    @inlinable @inline(__always)
    mutating func apply(_ u: UInt64) {
        let d = unzigzag(u) &+ (m >> 4)
        a = a &+ d
        update(u: u, d: d)
    }
}
