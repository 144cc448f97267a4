/// Builds JSON text into a reusable byte buffer: the one JSON writer of qflux. `qflux decode`,
/// `qflux replay` and `qflux export --format jsonl` write their JSON lines with it (see
/// `JSONLines.swift` for those formats), and the server builds its payloads with it.
///
/// Strings are escaped (`"`, `\`, `\n`, `\r`, `\t`, other control bytes as `\u00xx`; everything
/// else as is). Doubles are written in their shortest round-trip form, so a price reads back as
/// exactly the Double that was decoded: integral values without a fraction (`3`), others as
/// Swift's `description` (`0.87654`, `1e-05`), written digit by digit without a String when they
/// have ≤ 15 significant digits (``DecimalWriter``); NaN and infinities as `null`.
public struct JSONWriter: Sendable {
    @usableFromInline var storage: [UInt8] = []
    var decimals = DecimalWriter()

    /// The bytes written so far.
    @inlinable public var bytes: [UInt8] { storage }

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) { storage.reserveCapacity(capacity) }

    /// Forgets the bytes written (keeps the capacity).
    @inlinable public mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

    /// Appends raw ASCII/UTF-8 text (must already be valid JSON where it lands).
    @inlinable public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { storage.append(contentsOf: $0) }
    }

    /// Appends bytes verbatim (must already be valid JSON where it lands).
    @inlinable package mutating func raw(_ bytes: [UInt8]) { storage.append(contentsOf: bytes) }

    /// Appends `,`.
    @inlinable package mutating func comma() { storage.append(UInt8(ascii: ",")) }

    /// Appends a newline.
    @inlinable public mutating func newline() { storage.append(0x0A) }

    /// Appends `"key":` (the key is written as is: a literal that needs no escaping).
    @inlinable public mutating func key(_ name: StaticString) {
        storage.append(UInt8(ascii: "\""))
        raw(name)
        storage.append(UInt8(ascii: "\""))
        storage.append(UInt8(ascii: ":"))
    }

    /// Appends a JSON string literal (quoted and escaped).
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { u in
            storage.append(UInt8(ascii: "\""))
            var start = 0
            for i in 0..<u.count {
                let b = u[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if start < i { storage.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
                start = i + 1
                switch b {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    storage.append(Self.hex(b >> 4))
                    storage.append(Self.hex(b & 0xF))
                }
            }
            if start < u.count { storage.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...])) }
            storage.append(UInt8(ascii: "\""))
        }
    }

    private static func hex(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    /// Appends to `storage` what `body` writes at a pointer with room for `maxLength` bytes.
    @inline(__always)
    static func append(
        to storage: inout [UInt8], maxLength: Int, _ body: (inout UnsafeMutablePointer<UInt8>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let start = buffer.baseAddress!
            var p = start
            body(&p)
            storage.append(contentsOf: UnsafeBufferPointer(start: start, count: p - start))
        }
    }

    /// Appends a number in shortest round-trip form (`null` for NaN or infinity).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            var d = decimals
            Self.append(to: &storage, maxLength: DecimalWriter.maxLength) { d.write(value, at: &$0) }
            decimals = d
        }
    }

    /// Appends an integer.
    public mutating func integer(_ value: Int64) {
        Self.append(to: &storage, maxLength: 24) { DecimalWriter.writeScaled(value, 0, at: &$0) }
    }

    /// Appends an integer of any width (`Int`, `UInt64`, …).
    @inlinable package mutating func integer(_ value: some BinaryInteger) {
        if let v = Int64(exactly: value) {
            integer(v)
        } else {
            storage.append(contentsOf: String(value).utf8)
        }
    }

    /// Appends `"2025-10-15T14:32:00Z"` (ISO-8601 UTC, quoted) for whole epoch seconds.
    package mutating func iso8601(seconds epoch: Int64) {
        Self.append(to: &storage, maxLength: UTCTime.maxLength + 2) { p in
            p.pointee = UInt8(ascii: "\""); p += 1
            UTCTime.writeISO8601(seconds: epoch, at: &p)
            p.pointee = UInt8(ascii: "\""); p += 1
        }
    }

    /// Appends `"2025-10-15T14:32:00.123Z"` (ISO-8601 UTC, quoted; milliseconds rounded down).
    package mutating func iso8601(millis epoch: Double) {
        Self.append(to: &storage, maxLength: UTCTime.maxLength + 2) { p in
            p.pointee = UInt8(ascii: "\""); p += 1
            UTCTime.writeISO8601(millis: epoch, at: &p)
            p.pointee = UInt8(ascii: "\""); p += 1
        }
    }
}
