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
