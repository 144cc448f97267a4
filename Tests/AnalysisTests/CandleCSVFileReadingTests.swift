import Foundation
import Indicators
import Testing

/// The file reader's windows of whole lines (`CandleCSVReader.read(path:window:splitAbove:)`,
/// `LineWindow`, `CandleCSVFileHalf`): the candles and errors of the reader on the same bytes in
/// memory, whatever the window size, with a second thread or without.
@Suite("Candle CSV file reading in windows")
struct CandleCSVFileReadingTests {
    /// The windowed file reading of `text` gives `expected` (the in-memory reader's result): the
    /// same candles bit for bit, or the same error on the same line, worded with the path.
    static func expectSameFromFile(
        _ text: String, window: Int, splitAbove: Int, as expected: Result<[AnalysisCandle], CandleCSVError>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let url = AnalysisTestSupport.temporaryFile(".csv")
        defer { try? FileManager.default.removeItem(at: url) }
        guard (try? Data(text.utf8).write(to: url)) != nil else {
            Issue.record("cannot write \(url.path)", sourceLocation: sourceLocation)
            return
        }
        let read = Result { () throws(CandleCSVError) in
            try CandleCSVReader.read(path: url.path, window: window, splitAbove: splitAbove).rows
        }
        switch (expected, read) {
        case let (.success(x), .success(y)):
            #expect(
                x.map(CandleCSVReaderTests.bits) == y.map(CandleCSVReaderTests.bits),
                "window \(window), split above \(splitAbove)", sourceLocation: sourceLocation)
        case let (.failure(x), .failure(y)):
            let worded = "\(url.path): " + (x.line > 0 ? "line \(x.line): " : "") + x.message
            #expect(
                y.line == x.line && y.message == worded, "window \(window), split above \(splitAbove)",
                sourceLocation: sourceLocation)
        default:
            Issue.record(
                "in memory \(expected) ≠ file in windows of \(window) \(read)", sourceLocation: sourceLocation)
        }
    }

    /// The in-memory reader's result for `text`.
    static func inMemory(_ text: String) -> Result<[AnalysisCandle], CandleCSVError> {
        var text = text
        return text.withUTF8 { u in
            Result { () throws(CandleCSVError) in try CandleCSVReader.read(UnsafeRawBufferPointer(u)).rows }
        }
    }

    /// Test: documents whose lines fall across window ends in every way – CRLF, blank lines, a
    /// header only, no newline at the end, a line far longer than the window, a bad line in the
    /// second half and in the first – read in windows of 16 to 4,096 bytes, split or not: the
    /// in-memory reader's candles and errors.
    @Test(
        "lines across window ends: the in-memory candles and errors",
        arguments: [16, 61, 64, 200, 4096])
    func windowEnds(window: Int) {
        let body = CandleCSVFastPathTests.document(
            rows: 400, seed: UInt64(window), header: "timestamp,open,close,high,low\n")
        var texts = [
            body, body.replacingOccurrences(of: "\n", with: "\r\n"), String(body.dropLast()),
            "timestamp,open,close,high,low\n",
            "timestamp,open,close,high,low", "\n\n\n" + body + "\n\n", "",
            "timestamp,open,close,high,low,note\n1735689600,1,2,3,0.5,\(String(repeating: "x", count: 5000))\n"
                + body
                .split(separator: "\n").dropFirst().joined(separator: "\n"),
        ]
        // A bad line late (in a second half) and early.
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let late = lines.count * 3 / 4
        lines[late] = "1735689600,1,x,3,0.5"
        texts.append(lines.joined(separator: "\n"))
        lines[3] = "yesterday,1,2,3,0.5"
        texts.append(lines.joined(separator: "\n"))
        for text in texts {
            let expected = Self.inMemory(text)
            for splitAbove in [256, Int.max] {
                Self.expectSameFromFile(text, window: window, splitAbove: splitAbove, as: expected)
            }
        }
    }

    /// Test: documents whose first lines are far longer or shorter than the rest, so the final
    /// columns made up front (sized from the first lines) are too small or too large, for the
    /// first half, the second or both: in memory and from files in windows, split or not, the
    /// candles of one thread reading into growing columns.
    @Test("columns sized from misleading first lines: the same candles")
    func misleadingSizes() {
        // Lines in the common form only, so second halves read them all.
        let short: [String] = (0..<2_000).map { i in
            "\(1_700_000_000 + i * 60),1.\(10_000 + i),1.\(10_001 + i),1.\(10_003 + i),1.\(9_990 + i)"
        }
        let padding = ",12," + String(repeating: "9", count: 300)
        let long: [String] = short.prefix(100).map { $0 + padding }
        let header = "timestamp,open,close,high,low,volume,note\n"
        var documents: [[String]] = []
        documents.append(long + short)  // too small for everything
        documents.append(long + Array(short.prefix(1_000)) + long + Array(short.suffix(1_000)))
        documents.append(Array(short.prefix(1_000)) + long + long + long)  // too large
        documents.append(Array(short.prefix(200)) + Array(repeating: long[0], count: 400) + short)
        let texts: [String] = documents.map { header + $0.joined(separator: "\n") }
        for text in texts {
            let expected = Self.inMemory(text)
            guard case .success(let candles) = expected, candles.count > 1_000 else {
                Issue.record("the document should read: \(expected)")
                continue
            }
            var copy = text
            let split = copy.withUTF8 { u in
                Result { () throws(CandleCSVError) in
                    try CandleCSVReader.read(UnsafeRawBufferPointer(u), splitAbove: 512).rows
                }
            }
            #expect((try? split.get())?.map(CandleCSVReaderTests.bits) == candles.map(CandleCSVReaderTests.bits))
            for window in [64, 4096] {
                Self.expectSameFromFile(text, window: window, splitAbove: 512, as: expected)
            }
        }
    }

    /// Test: a file of 60,000 rows (about 3 MB) read with the default window and split: the
    /// in-memory candles; an empty file has none; a missing one is "cannot read PATH".
    @Test("a large file with the defaults; empty and missing files")
    func defaults() throws {
        let text = CandleCSVFastPathTests.document(
            rows: 60_000, seed: 7, header: "timestamp,open,close,high,low,volume\n")
        #expect(text.utf8.count > 2 * CandleCSVReader.windowBytes)
        Self.expectSameFromFile(
            text, window: CandleCSVReader.windowBytes, splitAbove: CandleCSVSecondHalf.minimumBytes,
            as: Self.inMemory(text))
        let url = AnalysisTestSupport.temporaryFile(".csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data().write(to: url)
        #expect(try CandleCSVReader.read(path: url.path).count == 0)
        let missing = url.path + ".missing"
        #expect(throws: CandleCSVError(line: 0, "cannot read \(missing)")) { try CandleCSVReader.read(path: missing) }
    }
}
