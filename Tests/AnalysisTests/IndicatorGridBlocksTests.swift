import Indicators
import Testing

/// `qflux indicators`' text formatted in blocks of rows on several threads
/// (`IndicatorGrid.write(_:rowsPerBlock:threads:to:)`): the one-thread text, byte for byte.
@Suite("Indicator text in blocks on several threads")
struct IndicatorGridBlocksTests {
    /// Test: CSV and JSON lines in blocks of 1, 7, 64 and 4,096 rows on 1, 2, 3 and 8 threads
    /// equal the one-thread text; the pieces come in row order and end at row ends.
    @Test("the one-thread bytes for any block size and thread count")
    func sameBytes() throws {
        var g = CandleGenerator(seed: 5)
        let walk = g.candles(1000, shape: .zigzag)
        let specs = try IndicatorSpecParser.parse(IndicatorOutputBytesTests.allIndicators)
        let grid = IndicatorGrid.compute(CandleColumns(walk), specs: specs)
        #expect(grid.rowCount == 1000)
        for format in [IndicatorGrid.Format.csv, .jsonl] {
            let expected = grid.text(format)
            for rowsPerBlock in [1, 7, 64, 4096] {
                for threads in [1, 2, 3, 8] {
                    var pieces: [[UInt8]] = []
                    grid.write(format, rowsPerBlock: rowsPerBlock, threads: threads) { pieces.append(Array($0)) }
                    #expect(pieces.joined().elementsEqual(expected), "\(format) \(rowsPerBlock) rows × \(threads)")
                    #expect(pieces.allSatisfy { $0.last == 0x0A })
                }
            }
        }
    }

    /// Test: a grid without rows writes its CSV header only, and nothing as JSON lines.
    @Test("no rows: the header only")
    func noRows() throws {
        let specs = try IndicatorSpecParser.parse("rsi(14)")
        let grid = IndicatorGrid.compute(CandleColumns(), specs: specs)
        var csv: [UInt8] = []
        grid.write(.csv, threads: 2) { csv += Array($0) }
        #expect(csv == Array("timestamp,rsi_14\n".utf8))
        var jsonl: [UInt8] = []
        grid.write(.jsonl, threads: 2) { jsonl += Array($0) }
        #expect(jsonl.isEmpty)
    }
}

/// The grid computed in spec groups on several threads (`IndicatorGrid.compute(_:specs:threads:)`):
/// the one-thread grid, bit for bit.
@Suite("Indicator grid in spec groups on several threads")
struct IndicatorGridLanesTests {
    /// Test: 1 to 5 threads over every indicator, three specs and one, with repeated and
    /// out-of-order candles: the same rows, timestamps and values (NaN where NaN).
    @Test("the one-thread grid for any thread count")
    func sameGrid() throws {
        var g = CandleGenerator(seed: 8)
        var walk = g.candles(2000, shape: .walk)
        walk.insert(walk[100], at: 300)  // not newer than its predecessor: skipped by every group
        walk.insert(walk[5], at: 6)
        let candles = CandleColumns(walk)
        for spec in [IndicatorOutputBytesTests.allIndicators, "rsi(14),macd(12,26,9),bbands(20,2)", "rsi(14)"] {
            let specs = try IndicatorSpecParser.parse(spec)
            let one = IndicatorGrid.compute(candles, specs: specs)
            for threads in 1...5 {
                let grid = IndicatorGrid.compute(candles, specs: specs, threads: threads)
                #expect(grid.columns == one.columns)
                #expect(grid.timestamps == one.timestamps)
                #expect(grid.values.map(\.bitPattern) == one.values.map(\.bitPattern), "\(spec) × \(threads)")
            }
        }
    }

    /// Test: groups are contiguous, cover every spec once and start at their first column.
    @Test("spec groups: contiguous, complete, at their columns")
    func groups() throws {
        let specs = try IndicatorSpecParser.parse(IndicatorOutputBytesTests.allIndicators)
        for count in 1...20 {
            let groups = IndicatorGrid.specGroups(specs, count: count)
            #expect(groups.count == min(count, specs.count))
            #expect(groups.flatMap(\.specs).map(\.columns) == specs.map(\.columns))
            var column = 0
            for group in groups {
                #expect(!group.specs.isEmpty)
                #expect(group.firstColumn == column)
                column += group.specs.reduce(0) { $0 + $1.columns.count }
            }
        }
    }
}
