import Backtest
import Foundation
import Testing
import TextWriters

/// The backtest JSON's rows written through a pointer (`BacktestJSONRows`, epoch-second
/// timestamps): the bytes the one JSON writer gives, key by key and number by number.
@Suite("Backtest JSON rows")
struct BacktestJSONRowsTests {
    /// The rows as the writer path writes them (`JSONWriter`'s `float`, `string`, `boolean`).
    static func reference(_ r: BacktestResult, extended: ExtendedStatistics?) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\"trades\":[")
        for (i, t) in r.trades.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"timestamp\":")
            w.float(t.timestamp)
            w.raw(",\"signal\":")
            w.string(t.signal.rawValue)
            w.raw(",\"entry_price\":")
            w.float(t.entryPrice)
            w.raw(",\"exit_price\":")
            w.float(t.exitPrice)
            w.raw(",\"won\":")
            w.boolean(t.won)
            w.raw(",\"profit\":")
            w.float(t.profit)
            w.raw(",\"balance\":")
            w.float(t.balance)
            w.raw("}")
        }
        w.raw("],\"equity_curve\":[")
        for (i, e) in r.equityCurve.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"timestamp\":")
            w.float(e.timestamp)
            w.raw(",\"balance\":")
            w.float(e.balance)
            w.raw("}")
        }
        w.raw("],\"statistics\":")
        w.statistics(r.statistics)
        if let extended {
            w.raw(",\"strategy\":")
            w.string(r.strategy)
            w.raw(",\"extended\":")
            w.json(extended.json())
        }
        w.raw("}")
        return w.bytes
    }

    /// Test: a real backtest's result, and the same trades with every kind of number a row can
    /// hold (whole and fractional, 17 digits, tiny, huge, negative, -0.0, NaN, infinities), with
    /// and without the extended statistics: the writer path's bytes; a result without trades too.
    @Test("every kind of number: the writer path's bytes")
    func sameBytes() {
        var r = BacktestOutputTests.sample()
        #expect(r.trades.count > 10)
        #expect(BacktestJSON.bytes(r) == Self.reference(r, extended: nil))
        let x = ExtendedStatistics(r)
        #expect(BacktestJSON.bytes(r, extended: x) == Self.reference(r, extended: x))
        let odd: [Double] = [
            0, -0.0, 1, -1, 10000, 10080.000000000002, 0.1, 1e-05, 123456789012345.6, 1e15, 9.999999999999998e14,
            -2.5e-300, 1.7976931348623157e308, .nan, .infinity, -.infinity, 1.1000999999999999,
        ]
        for (k, t) in r.trades.enumerated() {
            r.trades[k].timestamp = k % 3 == 0 ? odd[k % odd.count] : t.timestamp
            r.trades[k].entryPrice = odd[(k + 1) % odd.count]
            r.trades[k].exitPrice = odd[(k + 2) % odd.count]
            r.trades[k].profit = odd[(k + 3) % odd.count]
            r.trades[k].balance = odd[(k + 5) % odd.count]
            r.trades[k].won = k % 2 == 0
        }
        for k in r.equityCurve.indices { r.equityCurve[k].balance = odd[(k + 7) % odd.count] }
        #expect(
            String(decoding: BacktestJSON.bytes(r), as: UTF8.self)
                == String(decoding: Self.reference(r, extended: nil), as: UTF8.self))
        r.trades = []
        r.equityCurve = []
        #expect(BacktestJSON.bytes(r, reserving: 1) == Self.reference(r, extended: nil))
    }
}
