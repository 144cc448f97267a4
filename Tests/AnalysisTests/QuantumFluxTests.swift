import Backtest
import Foundation
import Indicators
import Testing

/// qflux's `quantum_flux` backtest equals the plain-Python restatement of the original, exactly.
@Suite("quantum_flux equals the original")
struct QuantumFluxTests {
    /// Helper: `run`.
    static func run(_ candles: [AnalysisCandle], _ options: BacktestOptions = BacktestOptions()) -> BacktestResult {
        Backtester.run(candles: candles, strategy: QuantumFlux(), options: options)
    }

    /// Test: under CI=true, python3 must be installed (no silent skip).
    @Test("under CI=true, python3 must be installed (no silent skip)")
    func pythonInstalledUnderCI() {
        if AnalysisTestSupport.isCI {
            #expect(AnalysisTestSupport.pythonAvailable, "CI=true but python3 is not on PATH")
        }
    }

    /// Test: same trades, equity and statistics, bit for bit.
    @Test(
        "same trades, equity and statistics, bit for bit",
        .enabled(if: AnalysisTestSupport.pythonAvailable, "needs python3"),
        arguments: [
            ("walk", CandleGenerator.Shape.walk, UInt64(11), 3000),
            ("up trend", .up, 12, 2000),
            ("down trend", .down, 13, 2000),
            ("flat stretches (equal closes, ties)", .flatStretches, 14, 3000),
            ("zigzag", .zigzag, 15, 3000),
            ("long walk", .walk, 16, 20000),
        ])
    func generated(_ label: String, _ shape: CandleGenerator.Shape, _ seed: UInt64, _ count: Int) throws {
        var g = CandleGenerator(seed: seed)
        let candles = g.candles(count, shape: shape)
        let ours = Self.run(candles)
        let diff = QuantumFluxOracle.differences(ours, try QuantumFluxOracle.reference(candles))
        #expect(diff.isEmpty, "\(label): \(diff.prefix(5))")
        let trades = ours.trades.count
        #expect(trades > 0, "\(label): no trades, nothing compared")
        print("quantum_flux \(label): \(trades) trades identical to the Python reference")
    }

    /// Test: real candles from the tick fixtures.
    @Test("real candles from the tick fixtures", .enabled(if: AnalysisTestSupport.pythonAvailable, "needs python3"))
    func realCandles() throws {
        let candles = try AnalysisTestSupport.fixtureCandles("EURGBP_otc-1s.csv")
        let diff = QuantumFluxOracle.differences(Self.run(candles), try QuantumFluxOracle.reference(candles))
        #expect(diff.isEmpty, "\(diff.prefix(5))")
    }

    /// Test: options (payout, stake, expiry, window, ties, balance) match the reference.
    @Test(
        "options (payout, stake, expiry, window, ties, balance) match the reference",
        .enabled(if: AnalysisTestSupport.pythonAvailable, "needs python3"),
        arguments: [
            ["--payout", "0.92"], ["--stake", "0.05"], ["--expiry", "3"], ["--window", "64"],
            ["--ties", "refund"], ["--ties", "win"], ["--balance", "537.25"],
        ])
    func options(_ arguments: [String]) throws {
        var g = CandleGenerator(seed: 21)
        let candles = g.candles(2500, shape: .flatStretches)
        var o = BacktestOptions()
        let v = arguments[1]
        switch arguments[0] {
        case "--payout": o.payout = Double(v)!
        case "--stake": o.stake = .fraction(Double(v)!)
        case "--expiry": o.expiry = Int(v)!
        case "--window": o.window = Int(v)!
        case "--ties": o.ties = BacktestOptions.TieRule(rawValue: v)!
        default: o.startingBalance = Double(v)!
        }
        let diff = QuantumFluxOracle.differences(
            Self.run(candles, o), try QuantumFluxOracle.reference(candles, arguments))
        #expect(diff.isEmpty, "\(arguments): \(diff.prefix(5))")
    }

    /// Test: every score combination adds up in the original's order (exactly 0.6 is a signal).
    @Test(
        "every score combination adds up in the original's order (exactly 0.6 is a signal)",
        .enabled(if: AnalysisTestSupport.pythonAvailable, "needs python3"))
    func scoreCombinations() throws {
        let r = try AnalysisTestSupport.runScript("quantum_flux_reference.py", ["--combos"], timeout: 60)
        let text = String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let theirs = text.dropFirst().dropLast().split(separator: ",").compactMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        var ours: [Double] = []
        for rsi in [20.0, 50.0, 80.0] {
            for hist in [1.0, -1.0] {
                for last in [0.0, 1.0, 2.0] {
                    for (e12, e26) in [(2.0, 1.0), (1.0, 2.0)] {
                        ours.append(
                            QuantumFlux.combine(
                                rsi: rsi, hist: hist, last: last, lower: 0.5, upper: 1.5, e12: e12, e26: e26))
                    }
                }
            }
        }
        #expect(ours.count == theirs.count)
        for (a, b) in zip(ours, theirs) { #expect(a.bitPattern == b.bitPattern, "\(a) vs \(b)") }
        #expect(ours.contains(0.6) && ours.contains(0.6000000000000001) && ours.contains(0.49999999999999994))
        #expect(QuantumFlux.decide(0.6) == .call)
        #expect(QuantumFlux.decide(-0.6) == .put)
        #expect(QuantumFlux.decide(0.49999999999999994) == nil)
        #expect(QuantumFlux.decide(0.5999999999999999) == nil)
        #expect(QuantumFlux.decide(0.19999999999999996) == nil)
    }

    /// Test: fewer candles than the window: no trades, the original's empty statistics.
    @Test("fewer candles than the window: no trades, the original's empty statistics")
    func tooFewCandles() throws {
        var g = CandleGenerator(seed: 3)
        let r = Backtester.run(candles: g.candles(40, shape: .walk), strategy: QuantumFlux())
        #expect(r.trades.isEmpty)
        #expect(r.statistics.winRate == 0 && r.statistics.endingBalance == 10000 && r.statistics.profitPercentage == 0)
    }
}
