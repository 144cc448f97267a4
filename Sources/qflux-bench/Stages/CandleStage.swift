import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import SocketIOServer

/// The candle former alone: 1 asset × 1m and 50 assets × 6 timeframes.
struct CandleStage: BenchStage {
    let name = "candles"
    let summary = "CandleFormer ticks/s: 1 asset × 1m, 50 assets × 6 timeframes"

    func run(_ context: BenchContext) throws -> [Figure] {
        let count = context.quick ? 2_000_000 : 10_000_000
        var figures: [Figure] = []
        let cases: [(String, Int, [Timeframe], Double)] = [
            ("1 asset, 1m", 1, [.oneMinute], 20_000_000),
            ("50 assets, 6 timeframes", 50, [5, 60, 300, 900, 3600, 86400].map(Timeframe.init(seconds:)), 5_000_000),
        ]
        for (label, assets, timeframes, target) in cases {
            var market = SimulatedMarket(assetCount: assets, seed: 3)
            var ticks: [Tick] = []
            ticks.reserveCapacity(count)
            var t = 1_756_866_774.0
            for _ in 0..<count {
                let a = market.randomAsset()
                t += 0.05
                ticks.append(Tick(asset: AssetID(rawValue: UInt32(a)), time: t, price: market.step(a)))
            }
            let (samples, sink) = measure(warmups: 1, runs: context.runs) {
                var former = CandleFormer(timeframes: timeframes)
                var closed = 0
                for tick in ticks {
                    former.add(tick) { if case .closed = $0 { closed += 1 } }
                }
                return former.stats.ticks + closed
            }
            guard sink > count * (context.runs + 1) else { throw BenchError("candles: ticks were not all merged") }
            figures.append(
                Figure(
                    stage: name, name: "\(label)", value: Double(count) / samples.median, unit: "ticks/s",
                    spreadPercent: samples.spreadPercent, target: .atLeast(target)))
        }
        return figures
    }
}
