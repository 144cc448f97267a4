import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import SocketIOServer

/// A deterministic (seeded) synthetic capture with the mix real PocketOption sessions show:
/// mostly one tick per binary frame behind a `451-["updateStream",…]` header, some multi-tick
/// arrays, now and then history, chart, signals, chat and ping frames, on three interleaved
/// sockets. Either CDP or Selenium perf-log form.
struct CorpusGenerator {
    /// The generated JSONL bytes.
    private(set) var bytes: [UInt8] = []
    /// Lines generated.
    private(set) var lines = 0
    /// Live ticks inside (what a decoder must find).
    private(set) var ticks = 0

    init(form: CDPFrameEncoder.Form, frames: Int, assets: Int = 15, seed: UInt64 = 42) {
        var market = SimulatedMarket(assetCount: assets, seed: seed)
        var encoder = CDPFrameEncoder(form: form)
        var rng = SplitMix64(seed: seed ^ 0xC0FFEE)
        var time = 1_756_866_774.962
        var cdpTime = 1000.0
        bytes.reserveCapacity(frames * 420)
        var frame = 0
        while frame < frames {
            let roll = rng.unit()
            cdpTime += 0.0137
            time += Double(rng.next() % 40) / 1000
            let t = (time * 1000).rounded() / 1000
            if roll < 0.95 {
                // Tick frames: mostly one tuple, sometimes several.
                let n = rng.unit() < 0.05 ? Int(rng.next() % 4) + 2 : 1
                var batch: [(asset: String, time: Double, price: Double)] = []
                for _ in 0..<n {
                    let a = market.randomAsset()
                    batch.append((market.assets[a].name, t, market.step(a)))
                }
                encoder.updateStream(requestId: "3084.678983", timestamp: cdpTime, ticks: batch, into: &bytes)
                ticks += n
                frame += 2
            } else if roll < 0.97 {
                encoder.frame(
                    requestId: "3084.678970", timestamp: cdpTime, opcode: 1,
                    payload: Array(
                        "42[\"chat_room_list_update\",{\"room\":\"general\",\"unread\":\(rng.next() % 9)}]".utf8),
                    into: &bytes)
                frame += 1
            } else if roll < 0.985 {
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 1,
                    payload: Array("451-[\"signals/update\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &bytes)
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 2,
                    payload: Array(
                        "{\"signals\":[[\"#AAPL_otc\",[[3,3]],188.417],[\"EURUSD_otc\",[[5,1]],1.08342]],\"times\":{\"3\":1756869730}}"
                            .utf8), into: &bytes)
                frame += 2
            } else if roll < 0.995 {
                encoder.frame(
                    requestId: "3084.678973", timestamp: cdpTime, opcode: 1, payload: Array("2".utf8), into: &bytes)
                frame += 1
            } else if roll < 0.999 {
                let a = market.randomAsset()
                let settings =
                    "{\\\"chartId\\\":\\\"chart-1\\\",\\\"chartType\\\":2,\\\"chartPeriod\\\":4,\\\"symbol\\\":\\\"\(market.assets[a].name)\\\",\\\"fastTimeframe\\\":60}"
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 1,
                    payload: Array("451-[\"updateCharts\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &bytes)
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 2,
                    payload: Array("[{\"chart_id\":\"chart-1\",\"settings\":\"\(settings)\"}]".utf8), into: &bytes)
                frame += 2
            } else {
                // A small history event (real ones are ~40 KB; kept small so they don't dominate).
                let a = market.randomAsset()
                var body = "{\"asset\":\"\(market.assets[a].name)\",\"period\":60,\"history\":["
                for i in 0..<20 {
                    if i > 0 { body += "," }
                    body += "[\(t - Double(20 - i) * 0.5),\(market.assets[a].price)]"
                }
                body += "],\"candles\":[[\(Double(Int(t) / 60 * 60)),1.1,1.2,1.3,1.0]]}"
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 1,
                    payload: Array("451-[\"updateHistoryNewFast\",{\"_placeholder\":true,\"num\":0}]".utf8),
                    into: &bytes)
                encoder.frame(
                    requestId: "3084.678983", timestamp: cdpTime, opcode: 2, payload: Array(body.utf8), into: &bytes)
                frame += 2
            }
        }
        lines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// The corpus with 64 bytes of padding readable after the end.
    func withPaddedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var padded = bytes
        padded.append(contentsOf: repeatElement(0, count: 64))
        return try padded.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count]))
        }
    }
}
