import Indicators
import Testing

/// `qflux indicators`' rows computed and written block by block with no whole grid
/// (`IndicatorGrid.write(_:specs:format:rowsPerBlock:threads:to:)`): the bytes of the whole grid
/// computed on one thread and written on one thread.
@Suite("Indicator text block by block")
struct IndicatorGridStreamTests {
    /// Test: every indicator, three and one, over candles with repeated ones (skipped), as CSV
    /// and JSON lines, in blocks of 1, 7, 64, 999, 1,000 and 4,096 rows on 1, 2, 3 and 8
    /// threads: the one-thread text, byte for byte, the pieces ending at row ends.
    @Test("the whole grid's bytes for any block size and thread count")
    func sameBytes() throws {
        var g = CandleGenerator(seed: 11)
        var walk = g.candles(2000, shape: .walk)
        walk.insert(walk[100], at: 300)  // not newer than its predecessor: skipped
        walk.insert(walk[5], at: 6)
        let candles = CandleColumns(walk)
        for spec in [IndicatorOutputBytesTests.allIndicators, "rsi(14),macd(12,26,9),bbands(20,2)", "rsi(14)"] {
            let specs = try IndicatorSpecParser.parse(spec)
            let grid = IndicatorGrid.compute(candles, specs: specs)
            #expect(grid.rowCount == 2000)
            for format in [IndicatorGrid.Format.csv, .jsonl] {
                let expected = grid.text(format)
                for rowsPerBlock in [1, 7, 64, 999, 1000, 4096] {
                    for threads in [1, 2, 3, 8] {
                        var pieces: [[UInt8]] = []
                        IndicatorGrid.write(
                            candles, specs: specs, format: format, rowsPerBlock: rowsPerBlock, threads: threads
                        ) { pieces.append(Array($0)) }
                        #expect(
                            pieces.joined().elementsEqual(expected), "\(spec) \(format) \(rowsPerBlock) × \(threads)")
                        #expect(pieces.allSatisfy { $0.last == 0x0A })
                    }
                }
                // The command's entry point (default block size and threads).
                var all: [UInt8] = []
                IndicatorGrid.write(candles, specs: specs, format: format) { all += Array($0) }
                #expect(all == expected)
            }
        }
    }

    /// Test: no candles: the CSV header only, nothing as JSON lines.
    @Test("no candles: the header only")
    func noCandles() throws {
        let specs = try IndicatorSpecParser.parse("rsi(14),sma(3)")
        var csv: [UInt8] = []
        IndicatorGrid.write(CandleColumns(), specs: specs, format: .csv, rowsPerBlock: 64, threads: 2) {
            csv += Array($0)
        }
        #expect(csv == Array("timestamp,rsi_14,sma_3\n".utf8))
        var jsonl: [UInt8] = []
        IndicatorGrid.write(CandleColumns(), specs: specs, format: .jsonl, rowsPerBlock: 64, threads: 2) {
            jsonl += Array($0)
        }
        #expect(jsonl.isEmpty)
    }

    struct SinkGone: Error {}

    /// Test: a sink that fails part way (the reader went away) stops the writing: the error
    /// comes out, the helpers stop, nothing more reaches the sink.
    @Test("a failing sink stops the writing")
    func failingSink() throws {
        var g = CandleGenerator(seed: 12)
        let candles = CandleColumns(g.candles(5000, shape: .walk))
        let specs = try IndicatorSpecParser.parse("rsi(14),macd(12,26,9),bbands(20,2)")
        for threads in [1, 2, 4] {
            var calls = 0
            #expect(throws: SinkGone.self) {
                try IndicatorGrid.write(candles, specs: specs, format: .csv, rowsPerBlock: 100, threads: threads) { _ in
                    calls += 1
                    if calls == 4 { throw SinkGone() }
                }
            }
            #expect(calls == 4)
        }
    }
}
