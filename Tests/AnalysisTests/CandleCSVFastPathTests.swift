import Foundation
import Indicators
import Testing

/// The CSV reader's one-pass line reader (`CandleCSVReader.fastLine`), the 16–19 digit decimals
/// of `DecimalBytes.prefix` and the file buffer (`FileBytesBuffer`): the String reader's candles
/// and errors, `Double(_:)`'s numbers.
@Suite("Candle CSV fast path")
struct CandleCSVFastPathTests {
    /// Test: 300,000 random plain decimals of 1 to 19 digits (with and without a point, signed):
    /// `DecimalBytes.double` gives `Double(_:)`'s bits, and the fast path answers nearly all of them.
    @Test("plain decimals up to 19 digits: Double(_:)'s bits")
    func wideDecimals() {
        var g = CandleGenerator(seed: 19)
        var mismatches: [String] = []
        var answered = 0
        let count = 300_000
        for k in 0..<count {
            let digits = 1 + Int(g.next() % 19)
            var bytes: [UInt8] = k % 3 == 0 ? [UInt8(ascii: "-")] : []
            let point = Int(g.next() % UInt64(digits + 1))
            for d in 0..<digits {
                if d == point && d > 0 { bytes.append(UInt8(ascii: ".")) }
                bytes.append(UInt8(ascii: "0") + UInt8(g.next() % 10))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let fast = bytes.withUnsafeBufferPointer { DecimalBytes.plain($0.baseAddress!, $0.count) }
            let full = bytes.withUnsafeBufferPointer { DecimalBytes.double($0.baseAddress!, $0.count) }
            if fast != nil { answered += 1 }
            if let fast, fast.bitPattern != Double(text)!.bitPattern { mismatches.append("fast \(text)") }
            if full?.bitPattern != Double(text)!.bitPattern { mismatches.append("double \(text)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(answered > count * 99 / 100)
    }

    /// Test: Doubles' shortest texts and the decimals halfway between neighbours (17 digits and
    /// more): the same bits as `Double(_:)`; exact halfway cases (2^53 + 1) are left to it.
    @Test("shortest texts and halfway decimals: Double(_:)'s bits")
    func halfwayDecimals() {
        var g = CandleGenerator(seed: 53)
        var mismatches: [String] = []
        func check(_ text: String) {
            var t = text
            let v = t.withUTF8 { DecimalBytes.double($0.baseAddress!, $0.count) }
            if v?.bitPattern != Double(text)?.bitPattern { mismatches.append(text) }
        }
        for _ in 0..<100_000 {
            let d = 0.5 + g.uniform() * 2000
            check("\(d)")
            check("\(d + d.ulp / 2)")
            check("\(((d * 100_000).rounded() / 100_000) + 0.00001)")
        }
        for text in ["9007199254740993", "9007199254740995", "900719925474099.3", "1.0000000000000001110223"] {
            check(text)
        }
        let halfway = Array("9007199254740993".utf8)
        #expect(halfway.withUnsafeBufferPointer { DecimalBytes.plain($0.baseAddress!, $0.count) } == nil)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// The reader's candles or error with a second thread from `splitAbove` bytes on.
    static func split(_ text: String, above splitAbove: Int = 512) -> Result<[AnalysisCandle], CandleCSVError> {
        var text = text
        return text.withUTF8 { u in
            Result { () throws(CandleCSVError) in
                try CandleCSVReader.read(UnsafeRawBufferPointer(u), splitAbove: splitAbove).rows
            }
        }
    }

    /// The same candles (bit for bit) or the same error, with and without a second thread,
    /// and as the String reader gives for `reference` (default: the text).
    static func expectSame(
        _ text: String, as reference: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        CandleCSVReaderTests.expectSame(text, as: reference, sourceLocation: sourceLocation)
        let one = CandleCSVReaderTests.new(text)
        let two = split(text)
        switch (one, two) {
        case let (.success(x), .success(y)):
            #expect(
                x.map(CandleCSVReaderTests.bits) == y.map(CandleCSVReaderTests.bits), sourceLocation: sourceLocation)
        case let (.failure(x), .failure(y)):
            #expect(x == y, sourceLocation: sourceLocation)
        default:
            Issue.record("one thread \(one) ≠ two threads \(two)", sourceLocation: sourceLocation)
        }
        // The file in windows of whole lines: tiny ones (grown for long lines), with and
        // without a second thread.
        for (window, splitAbove) in [(64, 512), (64, Int.max), (1000, 2048)] {
            CandleCSVFileReadingTests.expectSameFromFile(
                text, window: window, splitAbove: splitAbove, as: one, sourceLocation: sourceLocation)
        }
    }

    /// A document of `rows` candles in assorted forms: epoch seconds and milliseconds, dates with
    /// and without zones, prices of up to 19 digits, volumes present, missing and empty, and now
    /// and then a line the one-pass reader leaves to the general one (quotes, spaces, exponents).
    static func document(rows: Int, seed: UInt64, header: String) -> String {
        var g = CandleGenerator(seed: seed)
        var out = header
        var price = 1.1
        for i in 0..<rows {
            price = max(0.5, price + (g.uniform() - 0.5) * 0.001)
            let t = 1_700_000_000 + i * 60
            let time: String
            switch g.next() % 8 {
            case 0: time = "\(t)000"
            case 1: time = "2024-01-0\(1 + i % 9) 0\(i % 10):1\(i % 6):00"
            case 2: time = "2024-01-02T03:04:05.5Z"
            case 3: time = "\(t).25"
            default: time = "\(t)"
            }
            let open = "\(price)"
            let close = "\((price * 100_000).rounded() / 100_000)"
            let high = g.next() % 4 == 0 ? "\(price + 0.000123456789012345)" : "\(price + 0.001)"
            let low = "\(price - 0.001)"
            var fields = [time, open, close, high, low]
            switch g.next() % 6 {
            case 0: fields.append("")
            case 1: fields.append("\(g.next() % 10_000)")
            case 2: fields.append("12.5")
            default: break
            }
            switch g.next() % 40 {
            case 0: fields[1] = "\"\(fields[1])\""
            case 1: fields[2] = " \(fields[2])"
            case 2: fields[3] = "1.2e0"
            case 3: fields += fields.count == 6 ? ["extra"] : ["1", "extra"]
            default: break
            }
            out += fields.joined(separator: ",") + "\n"
            if g.next() % 50 == 0 { out += "\n" }
        }
        return out
    }

    /// Test: documents of a few thousand lines in every layout the one-pass reader plans for
    /// (the original order with and without a header, other orders), read by one thread and by
    /// two: the String reader's candles, bit for bit; with a bad line, its error and line.
    @Test(
        "documents in every layout: the String reader's candles and errors",
        arguments: [
            "", "timestamp,open,close,high,low\n", "timestamp,open,close,high,low,volume\n",
            "time,open,high,low,close,volume\n", "Date,Close,Open,Low,High\n",
        ])
    func documents(header: String) {
        let text = Self.document(rows: 3_000, seed: UInt64(header.count), header: header)
        Self.expectSame(text)
        // A bad value deep inside: the same error on the same line.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for bad in ["x", "-1", "1e400", ""] {
            var broken = lines
            let k = lines.count / 2
            var fields = broken[k].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if fields.count > 2 { fields[2] = bad }
            broken[k] = fields.joined(separator: ",")[...]
            Self.expectSame(broken.joined(separator: "\n"))
        }
        // CRLF: the candles of the LF form.
        Self.expectSame(text.replacingOccurrences(of: "\n", with: "\r\n"), as: text)
    }

    /// Test: a file read through `FileBytesBuffer` (and `CandleCSV.load`) gives the candles of its
    /// bytes in memory; a missing file is an error naming it.
    @Test("files: the candles of their bytes")
    func files() throws {
        let text = Self.document(rows: 2_000, seed: 9, header: "timestamp,open,close,high,low,volume\n")
        let url = AnalysisTestSupport.temporaryFile(".csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try text.write(to: url, atomically: true, encoding: .utf8)
        let fromFile = try CandleCSVReader.read(path: url.path)
        let buffer = try #require(FileBytesBuffer(path: url.path))
        #expect(buffer.bytes.count == text.utf8.count)
        let fromBytes = try CandleCSVReader.read(buffer.bytes)
        #expect(fromFile == fromBytes && fromFile.count > 1_900)
        #expect(FileBytesBuffer(path: url.path + ".missing") == nil)
        #expect(throws: CandleCSVError.self) { try CandleCSVReader.read(path: url.path + ".missing") }
    }
}
