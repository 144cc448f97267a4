import CFloatFormat
import Testing
import TextWriters

/// `qf_format_double` (the C formatter behind ``DecimalWriter``'s long values) against Swift's
/// `description`, and ``DecimalWriter`` as a whole against its rule (integral values below 10^15
/// without `.0`, everything else as `description`): millions of doubles from random bit patterns,
/// random magnitudes, short decimals, and the neighbours of every notation boundary.
@Suite("Shortest round-trip double text")
struct ShortestDoubleTextTests {
    /// 10^e for e in -20…20 (the nearest doubles, by repeated exact-as-possible steps).
    static func power(_ e: Int) -> Double {
        var x = 1.0
        for _ in 0..<abs(e) { x = e > 0 ? x * 10 : x / 10 }
        return x
    }

    /// The values at the notation boundaries (±0, 1e-4, 2^53, 1e15, 1e16, subnormals, the
    /// extremes, NaN, infinities, every power of two) and their neighbours, both signs.
    static var boundaries: [Double] {
        var values: [Double] = [
            0, 1e-4, 1e-5, 9.999999999999999e-5, 9_007_199_254_740_992, 9_007_199_254_740_994, 1e15, 1e16,
            9_999_999_999_999_998, 0.1, 0.2, 0.30000000000000004, 1, 10, 100.5, .leastNonzeroMagnitude,
            .leastNormalMagnitude, .greatestFiniteMagnitude, .nan, .infinity, .pi, .ulpOfOne,
        ]
        for e in -20...20 { values.append(power(e)) }
        // Every power of two: its lower neighbour is half as far as its upper one (the one
        // special case of the formatter's shortest-digit search), subnormal ones included.
        for e in -1074...1023 { values.append(Double(sign: .plus, exponent: e, significand: 1)) }
        var all: [Double] = []
        for v in values {
            for w in [v, v.nextUp, v.nextDown, v.nextUp.nextUp, v.nextDown.nextDown] { all += [w, -w] }
        }
        return all
    }

    /// The C formatter's text of `v`.
    static func formatted(_ v: Double) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(QF_FORMAT_DOUBLE_MAX))
        let count = buffer.withUnsafeMutableBufferPointer { qf_format_double(v, $0.baseAddress!, $0.count) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// The doubles the property tests walk: boundaries, then per round a random bit pattern, a
    /// random magnitude in 1e-8…1e20 and a short decimal (≤ 8 digits over 10^0…10^12).
    static func values(rounds: Int, seed: UInt64) -> [Double] {
        var random = CandleGenerator(seed: seed)  // its SplitMix64 bits
        var values = boundaries
        values.reserveCapacity(values.count + 3 * rounds)
        for _ in 0..<rounds {
            values.append(Double(bitPattern: random.next()))
            let unit = Double(random.next() >> 11) / 9_007_199_254_740_992.0
            let exponent = Int(random.next() % 29) - 8
            values.append((random.next() & 1 == 0 ? 1 : -1) * unit * power(exponent))
            let integer = Double(Int64(random.next() % 200_000_000) - 100_000_000)
            values.append(integer / power(Int(random.next() % 13)))
        }
        return values
    }

    /// Test: qf_format_double writes exactly `description` for 3 million doubles and the boundaries.
    @Test("qf_format_double equals description")
    func equalsDescription() {
        var mismatches: [String] = []
        for v in Self.values(rounds: 1_000_000, seed: 24) {
            let text = Self.formatted(v)
            if text != v.description, mismatches.count < 10 {
                mismatches.append("\(v.bitPattern): \(text) ≠ \(v.description)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// Test: a too-small buffer gets nothing written past it and a 0 length; 32 bytes fit all.
    @Test("qf_format_double respects the capacity")
    func capacity() {
        var buffer = [UInt8](repeating: 0xEE, count: 40)
        let v = -1.2345678901234567e-300  // 23 bytes of text
        let refused = buffer.withUnsafeMutableBufferPointer { qf_format_double(v, $0.baseAddress!, 10) }
        #expect(refused == 0)
        #expect(buffer[10...].allSatisfy { $0 == 0xEE })
        let written = buffer.withUnsafeMutableBufferPointer { qf_format_double(v, $0.baseAddress!, 32) }
        #expect(String(decoding: buffer[0..<written], as: UTF8.self) == v.description)
        #expect(Self.formatted(-.nan) == "nan")
        #expect(Self.formatted(-0.0) == "-0.0")
    }

    /// Test: DecimalWriter writes integral values below 10^15 (not -0) as integers and every
    /// other double as `description`, whichever of its paths (scaled integer or the C formatter)
    /// the value takes, for columns that switch between short and long values.
    @Test("DecimalWriter: integers plain, everything else as description")
    func decimalWriterRule() {
        var writer = DecimalWriter()
        var buffer = [UInt8](repeating: 0, count: DecimalWriter.maxLength)
        var mismatches: [String] = []
        for v in Self.values(rounds: 300_000, seed: 7) {
            let count = buffer.withUnsafeMutableBufferPointer { b in
                var p = b.baseAddress!
                writer.write(v, at: &p)
                return p - b.baseAddress!
            }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            let integral = v.isFinite && v == v.rounded(.towardZero) && abs(v) < 1e15 && !(v == 0 && v.sign == .minus)
            let expected = integral ? String(Int64(v)) : v.description
            if text != expected, mismatches.count < 10 { mismatches.append("\(v.bitPattern): \(text) ≠ \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// Test: DecimalWriter.writeFraction (the indicator grid's writer of every value that is not
    /// a whole number below 10^15) writes the bytes DecimalWriter.write gives those values –
    /// `description` – whatever values came before.
    @Test("DecimalWriter.writeFraction: the same bytes as write for the values it takes")
    func writeFraction() {
        var writer = DecimalWriter()
        var buffer = [UInt8](repeating: 0, count: 2 * DecimalWriter.maxLength)
        var mismatches: [String] = []
        var taken = 0
        for v in Self.values(rounds: 300_000, seed: 9) where v.isFinite {
            if abs(v) < 1e15, v == v.rounded(.towardZero) { continue }
            taken += 1
            let (viaWrite, viaFraction) = buffer.withUnsafeMutableBufferPointer { b in
                var p = b.baseAddress!
                writer.write(v, at: &p)
                let first = Array(UnsafeBufferPointer(start: b.baseAddress!, count: p - b.baseAddress!))
                var q = b.baseAddress! + DecimalWriter.maxLength
                DecimalWriter.writeFraction(v, at: &q)
                let start = b.baseAddress! + DecimalWriter.maxLength
                return (first, Array(UnsafeBufferPointer(start: start, count: q - start)))
            }
            if viaWrite != viaFraction || String(decoding: viaFraction, as: UTF8.self) != v.description,
                mismatches.count < 10
            {
                mismatches.append("\(v.bitPattern): \(String(decoding: viaFraction, as: UTF8.self))")
            }
        }
        #expect(taken > 600_000)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
