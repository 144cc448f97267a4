/// Builds pipelined commands as RESP bytes (`*N\r\n$len\r\narg\r\n…`) for
/// ``RedisConnection/appendEncoded(_:)``: the publisher encodes thousands of `XADD`s into one
/// buffer without per-argument allocations.
package struct RESPWriter {
    /// The bytes so far.
    package private(set) var bytes: [UInt8] = []

    /// An empty buffer with room for `capacity` bytes.
    package init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Forgets the bytes (keeps the storage).
    package mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// `*count\r\n`: the start of a command of `count` arguments.
    package mutating func arrayHeader(_ count: Int) {
        bytes.append(UInt8(ascii: "*"))
        decimal(count)
        crlf()
    }

    /// One bulk-string argument.
    package mutating func argument(_ text: String) {
        var t = text
        t.withUTF8 { argument($0) }
    }

    /// One bulk-string argument from bytes.
    package mutating func argument(_ raw: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "$"))
        decimal(raw.count)
        crlf()
        bytes.append(contentsOf: raw)
        crlf()
    }

    /// One bulk-string argument from bytes.
    package mutating func argument(_ raw: [UInt8]) { raw.withUnsafeBufferPointer { argument($0) } }

    /// Bytes already encoded as RESP (a cached command prefix).
    package mutating func raw(_ encoded: [UInt8]) { bytes.append(contentsOf: encoded) }

    /// A Double as the shortest decimal text that reads back as the same Double.
    package mutating func argument(_ value: Double) { argument(value.description) }

    /// An integer argument.
    package mutating func argument(_ value: Int64) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let n = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var v = value.magnitude
            var i = 20
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            if value < 0 { i -= 1; buffer[i] = UInt8(ascii: "-") }
            buffer.copyBytes(from: buffer[i..<20])
            return 20 - i
        }
        withUnsafeBytes(of: &digits) { buffer in
            argument(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
        }
    }

    private mutating func decimal(_ n: Int) {
        if n < 10 { bytes.append(UInt8(ascii: "0") + UInt8(n)); return }
        var start = bytes.count
        var v = n
        while v > 0 { bytes.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 }
        var end = bytes.count - 1
        while start < end { bytes.swapAt(start, end); start += 1; end -= 1 }
    }

    private mutating func crlf() {
        bytes.append(13)
        bytes.append(10)
    }
}
