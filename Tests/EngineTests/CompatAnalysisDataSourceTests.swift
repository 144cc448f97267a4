import Backtest
import Foundation
import Indicators
import Testing

@testable import Engine
@testable import SocketIOServer

/// `store_csv_candles`, `calculate_indicators` on a stored series and `generate_signal` through
/// the node's data source (the handler the server calls on its analysis queue): the store's
/// bounds and eviction, bad rows, and the QuantumFlux reading.
@Suite("Pipeline data source: the original GUI's store and signal events")
struct CompatAnalysisDataSourceTests {
    static func source() throws -> (PipelineDataSource, MarketPipeline) {
        let pipeline = try MarketPipeline(configuration: PipelineConfiguration(), logger: ArchiveTestData.logger)
        return (PipelineDataSource(pipeline: pipeline, archiveDirectory: nil, source: nil), pipeline)
    }

    /// `n` candle rows as JSON text, one minute apart, a deterministic zigzag walk.
    static func rows(_ n: Int, start: Int = 1_756_000_000, numeric: Bool = true) -> String {
        var p = 1.1
        return (0..<n).map { i in
            let o = p
            p += Double((i * 7919) % 41 - 20) / 1e5
            let t = start + 60 * i
            let time = numeric ? "\(t)" : "\"\(TimestampParser.format(Double(t)))\""
            return
                #"{"timestamp":\#(time),"open":\#(o),"close":\#(p),"high":\#(max(o, p) + 0.0001),"low":\#(min(o, p) - 0.0001),"volume":0,"symbol":"X"}"#
        }.joined(separator: ",")
    }

    static func request(_ json: String) throws -> JSONValue { try JSONValue.parse(Array(json.utf8)) }

    static func call(_ ds: PipelineDataSource, _ event: CompatAnalysisEvent, _ json: String) throws -> JSONValue {
        try JSONValue.parse(try ds.compatAnalysis(event, try request(json)))
    }

    static func error(_ ds: PipelineDataSource, _ event: CompatAnalysisEvent, _ json: String) -> String? {
        do {
            _ = try ds.compatAnalysis(event, try request(json))
            return nil
        } catch { return "\(error)" }
    }

    @Test("a stored series feeds calculate_indicators; bad rows are counted and named; time text and numbers both read")
    func storeThenCalculate() throws {
        let (ds, pipeline) = try Self.source()
        defer { pipeline.start(); _ = try? pipeline.finish() }
        let bad =
            #"{"timestamp":"later","open":1,"close":1,"high":1,"low":1},7,{"timestamp":1,"open":1,"high":1,"low":1}"#
        let reply = try Self.call(
            ds, .storeCSVCandles, #"{"asset":"EURUSD OTC","candles":[\#(Self.rows(300, numeric: false)),\#(bad)]}"#)
        #expect(reply["asset"] == .string("EURUSD OTC") && reply["candle_count"] == .number(300))
        #expect(reply["skipped_rows"] == .number(3) && reply["timeframe"] == .string("1m"))
        #expect(
            reply["row_errors"]?.arrayValue?.compactMap(\.stringValue) == [
                "row 301: no time (timestamp: epoch seconds or YYYY-mm-dd HH:MM:SS)", "row 302: not an object",
                "row 303: no close",
            ])
        // any spelling of the asset finds it; the values are those of the stored candles
        let ind = try JSONValue.parse(
            try ds.calculateIndicators(
                try Self.request(
                    #"{"asset":"eurusd_otc","instances":{"D":{"type":"demarker"},"S":{"type":"schaff_tc"}}}"#),
                maxReplyBytes: 2 << 20))
        #expect(ind["source"] == .string("stored") && ind["data_points"] == .number(300))
        let rows = try #require(try Self.request("[\(Self.rows(300))]").arrayValue)
        let candles = try StoredCandleParser.parse(rows).candles
        let table = try IndicatorTable.compute(candles, spec: "demarker(10),stc(10,20,3,3)")
        #expect(ind["indicators"]?["D"]?["value"] == table.values.last?[0].map(JSONValue.number))
        #expect(ind["indicators"]?["S"]?["value"] == table.values.last?[1].map(JSONValue.number))
        #expect(ind["latest_timestamp"] == .number(candles.last!.timestamp))
        // a later store replaces the series
        _ = try Self.call(ds, .storeCSVCandles, #"{"asset":"EURUSD_otc","candles":[\#(Self.rows(40))]}"#)
        let again = try JSONValue.parse(
            try ds.calculateIndicators(
                try Self.request(#"{"asset":"EURUSD_otc","instances":{"A":{"type":"sma"}}}"#), maxReplyBytes: 2 << 20))
        #expect(again["data_points"] == .number(40))
    }

    @Test("bounds: more than 20,000 candles is refused; a 17th asset evicts the one stored longest ago")
    func bounds() throws {
        let (ds, pipeline) = try Self.source()
        defer { pipeline.start(); _ = try? pipeline.finish() }
        let limit = StoredCandleStore.maxCandlesPerSeries
        #expect(
            Self.error(ds, .storeCSVCandles, #"{"asset":"BIG","candles":[\#(Self.rows(limit + 1))]}"#)
                == "Too many candles: 20001 (at most 20000 per stored series)")
        let full = try Self.call(ds, .storeCSVCandles, #"{"asset":"BIG","candles":[\#(Self.rows(limit))]}"#)
        #expect(full["candle_count"] == .number(Double(limit)))
        for i in 1..<StoredCandleStore.maxSeries {
            let r = try Self.call(ds, .storeCSVCandles, #"{"asset":"A\#(i)","candles":[\#(Self.rows(25))]}"#)
            #expect(r["evicted"] == nil)
        }
        #expect(ds.storedSeries.assets.count == StoredCandleStore.maxSeries)
        // replacing a held asset evicts nothing and makes it the newest
        #expect(
            try Self.call(ds, .storeCSVCandles, #"{"asset":"BIG","candles":[\#(Self.rows(25))]}"#)["evicted"] == nil)
        let next = try Self.call(ds, .storeCSVCandles, #"{"asset":"NEW","candles":[\#(Self.rows(25))]}"#)
        #expect(next["evicted"] == .string("A1"))
        #expect(ds.storedSeries.series("A1") == nil && ds.storedSeries.series("BIG")?.candles.count == 25)
        #expect(ds.storedSeries.assets.count == StoredCandleStore.maxSeries)
        // refusals
        #expect(Self.error(ds, .storeCSVCandles, #"{"candles":[\#(Self.rows(3))]}"#) == "No asset specified")
        #expect(Self.error(ds, .storeCSVCandles, #"{"asset":"X","candles":[]}"#) == "No candle data provided")
        #expect(Self.error(ds, .storeCSVCandles, #"{"asset":"X"}"#) == "No candle data provided")
        #expect(
            Self.error(ds, .storeCSVCandles, #"{"asset":"X","candles":[1,2]}"#)?.hasPrefix("No valid candles") == true)
    }

    @Test("generate_signal on a stored series equals the QuantumFlux reading of all its closes")
    func signalOnStoredSeries() throws {
        let (ds, pipeline) = try Self.source()
        defer { pipeline.start(); _ = try? pipeline.finish() }
        _ = try Self.call(ds, .storeCSVCandles, #"{"asset":"EURUSD_otc","candles":[\#(Self.rows(120))]}"#)
        let closes = try #require(ds.storedSeries.series("EURUSD_otc")).candles.map(\.close)
        let reading = try #require(QuantumFlux.reading(closes: closes, end: closes.count))
        let reply = try Self.call(ds, .generateSignal, #"{"asset":"EURUSD_otc"}"#)
        if abs(reading.score) < 0.2 {
            #expect(reply["signal"] == .string("neutral"))
        } else {
            #expect(reply["signal"] == .string(reading.score > 0 ? "call" : "put"))
            #expect(reply["confidence"] == .number(reading.confidence))
            #expect(reply["indicators"]?["bb_lower"] == .number(reading.bbLower))
        }
        #expect(reply["score"] == .number(reading.score))
        let executed = try Self.call(ds, .executeStrategy, #"{"asset":"EURUSD_otc"}"#)
        #expect(executed["signal"] == .string(QuantumFlux.decide(reading.score)?.rawValue ?? "neutral"))
        #expect(executed["asset"] == .string("EURUSD_otc"))
        #expect(
            Self.error(
                ds, .generateSignal, #"{"candles":[{"close":1}],"strategy":"quantum_flux_ta","parameters":{"nope":1}}"#)?
                .isEmpty == false)
        #expect(Self.error(ds, .generateSignal, #"{"candles":[{"open":1}]}"#) == "candle 1: no close")
    }
}
