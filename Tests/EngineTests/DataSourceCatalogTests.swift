import Backtest
import Candles
import FastDecode
import Foundation
import Indicators
import Testing

@testable import Archive
@testable import Engine
@testable import SocketIOServer

/// The live node's data source over the catalog: what the HTTP routes and the analysis events call.
@Suite("Pipeline data source: CSV API and analysis")
struct DataSourceCatalogTests {
    /// A data source on the catalog fixture's directory (no archiving by the node itself).
    static func source(_ f: ArchiveCatalogTests.Fixture) throws -> (PipelineDataSource, MarketPipeline) {
        var config = PipelineConfiguration()
        config.archive = ArchiveConfiguration(directory: f.data, collect: .none)
        let pipeline = try MarketPipeline(configuration: config, logger: ArchiveTestData.logger)
        return (PipelineDataSource(pipeline: pipeline, archiveDirectory: f.data, source: nil), pipeline)
    }

    static func request(_ json: String) throws -> JSONValue { try JSONValue.parse(Array(json.utf8)) }

    /// The server's reply bound at the default client budget (4 MiB / 2).
    static let replyBound = 2 << 20

    @Test("csvFiles and get_available_data give the same entries; openCSV serves listed names only")
    func csvAPI() throws {
        let f = try ArchiveCatalogTests.Fixture()
        let (ds, pipeline) = try Self.source(f)
        defer { pipeline.start(); _ = try? pipeline.finish() }
        let all = try ds.csvFiles(timeframe: nil)
        #expect(all == (try ds.availableFiles()))
        #expect(all.count == 6 && all.allSatisfy { $0.filename.hasSuffix(".csv") && $0.size != nil })
        #expect(try ds.csvFiles(timeframe: "tick").map(\.timeframe) == ["tick", "tick"])
        let body = try #require(try ds.openCSV(filename: "EURUSD_otc_5m.csv"))
        var bytes: [UInt8] = []
        while let piece = try body.nextPiece() { bytes += piece }
        #expect(ArchiveCatalogTests.rows(bytes).rows.count == f.candles["EURUSD_otc"]![300]!.count)
        for name in ["nope.csv", "../notes.csv", "notes.csv", "EURUSD_otc/ticks", "/etc/passwd", "link"] {
            #expect(try ds.openCSV(filename: name) == nil, "\(name)")
        }
    }

    @Test("run_backtest: a tick series needs a timeframe; a CSV file and a candle series work; bad requests are errors")
    func backtests() throws {
        let f = try ArchiveCatalogTests.Fixture()
        let (ds, pipeline) = try Self.source(f)
        defer { pipeline.start(); _ = try? pipeline.finish() }
        func error(_ json: String) -> String? {
            do { _ = try ds.runBacktest(try Self.request(json)); return nil } catch { return "\(error)" }
        }
        #expect(error(#"{"file_path":"EURUSD_otc/ticks"}"#)?.contains("holds ticks: give a timeframe") == true)
        #expect(error(#"[1,2]"#)?.hasPrefix("malformed run_backtest request") == true)
        #expect(
            error(#"{"file_path":"EURUSD_otc/candles_1m","timeframe":"soon"}"#)?.contains("not a timeframe") == true)
        #expect(error(#"{"file_path":"EURUSD_otc/candles_1m","strategy":7}"#)?.contains("strategy must be") == true)
        #expect(error(#"{"file_path":"link/X/ticks"}"#)?.contains("not a file this server lists") == true)
        #expect(error(#"{"file_path":"\#(f.data)/../outside/X/ticks"}"#)?.contains("'..' is not allowed") == true)

        // Ticks formed into 5s candles: the statistics count the candles' trades.
        let fromTicks = try JSONValue.parse(
            try ds.runBacktest(try Self.request(#"{"file_path":"EURUSD_otc_tick.csv","timeframe":"5s"}"#)))
        #expect(fromTicks["statistics"]?["starting_balance"] == .number(10_000))
        // The original-layout CSV: the same as the backtest of its candles read here.
        let csv = try JSONValue.parse(
            try ds.runBacktest(try Self.request(#"{"file_path":"\#(f.csvRelative)","strategy":"quantum_flux_ta"}"#)))
        let expected = Backtester.run(
            candles: try CandleCSV.parse(f.csvText), strategy: try StrategyCatalog.make(name: "quantum_flux_ta").get())
        #expect(csv["statistics"]?["total_trades"] == .number(Double(expected.statistics.totalTrades)))
        #expect(csv["strategy"]?.stringValue == "quantum_flux_ta")
    }

    @Test("calculate_indicators: archived series when the node has no candles of the asset; errors named")
    func indicators() throws {
        let f = try ArchiveCatalogTests.Fixture()
        let (ds, pipeline) = try Self.source(f)
        defer { pipeline.start(); _ = try? pipeline.finish() }
        let reply = try JSONValue.parse(
            try ds.calculateIndicators(
                try Self.request(
                    #"{"asset":"eurusd otc","timeframe":"5m","limit":10,"instances":{"RSI":{"type":"rsi","params":{"timeperiod":14}},"ST":{"type":"stoch"}}}"#
                ), maxReplyBytes: Self.replyBound))
        #expect(reply["source"]?.stringValue == "EURUSD_otc/candles_5m")
        let candles = f.candles["EURUSD_otc"]![300]!.map {
            AnalysisCandle(timestamp: Double($0.start), open: $0.open, high: $0.high, low: $0.low, close: $0.close)
        }
        let table = try IndicatorTable.compute(candles, spec: "rsi(14),stoch(5,3,3)")
        let last = try #require(table.values.last)
        #expect(reply["indicators"]?["RSI"]?["value"] == last[0].map(JSONValue.number))
        #expect(reply["indicators"]?["RSI"]?["type"] == .string("rsi"))
        #expect(reply["timeframe_minutes"] == .number(5) && reply["data_points"] == .number(Double(candles.count)))
        #expect(reply["indicators"]?["ST"]?["k"] == last[1].map(JSONValue.number))
        #expect(reply["series"]?["RSI"]?.arrayValue?.count == 10)
        #expect(reply["series"]?["ST"]?["k"]?.arrayValue?.count == 10)
        func error(_ json: String) -> String? {
            do {
                _ = try ds.calculateIndicators(try Self.request(json), maxReplyBytes: Self.replyBound); return nil
            } catch { return "\(error)" }
        }
        // The reply bound is the server's (half the client's byte budget), checked before computing.
        let wide =
            #"{"asset":"EURUSD_otc","timeframe":"5m","limit":300,"instances":{"RSI":{"type":"rsi"},"ST":{"type":"stoch"}}}"#
        do {
            _ = try ds.calculateIndicators(try Self.request(wide), maxReplyBytes: 4_096)
            Issue.record("a reply over the server's bound was computed")
        } catch {
            #expect("\(error)".contains("would make a reply of about"), "\(error)")
        }
        let wideReply = try JSONValue.parse(try ds.calculateIndicators(try Self.request(wide), maxReplyBytes: 1 << 20))
        #expect(
            wideReply["series"]?["RSI"]?.arrayValue?.count == candles.count - 14, "every point after RSI(14)'s warm-up")
        let empty = try JSONValue.parse(
            try ds.calculateIndicators(try Self.request(#"{"asset":"EURUSD_otc"}"#), maxReplyBytes: Self.replyBound))
        #expect(
            empty["indicators"] == .object([:]) && empty["series"] == .object([:]) && empty["signals"] == .object([:]))
        #expect(error(#"{"instances":{"A":{"type":"sma"}}}"#) == "No asset specified")
        #expect(
            error(#"{"asset":"EURUSD_otc","instances":{"A":{"type":"sma","params":{"span":3}}}}"#)?.contains(
                "unknown parameter") == true)
        #expect(error(#"{"asset":"EURUSD_otc","instances":{"A":"sma"}}"#) == "A: expected {type, params}")
        #expect(
            error(#"{"asset":"EURUSD_otc","timeframe":"4h","instances":{"A":{"type":"sma"}}}"#)?.hasPrefix(
                "No candle data available for EURUSD_otc") == true)
    }
}
