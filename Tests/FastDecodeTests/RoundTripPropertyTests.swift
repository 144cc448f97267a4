import Foundation
import Testing

@testable import FastDecode

@Suite("Random ticks → encoded frames → decoded ticks")
struct RoundTripPropertyTests {
    static let assets = ["EURUSD_otc", "#AAPL", "#AAPL_otc", "ADA-USD_otc", "GBPJPY", "USDJPY_otc", "XAUUSD"]

    /// Random ticks with realistic and awkward values.
    static func randomTicks(count: Int, seed: UInt64) -> [NamedTick] {
        var rng = SeededGenerator(seed: seed)
        var t = 1_756_866_774.962
        return (0..<count).map { _ in
            t += Double(Int.random(in: 0...900, using: &rng)) / 1000
            let decimals = Int.random(in: 0...6, using: &rng)
            let scale = pow(10.0, Double(decimals))
            let price = (Double.random(in: 0.0001...200_000, using: &rng) * scale).rounded() / scale
            let time: Double
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: time = t.rounded(.down)  // integer seconds
            case 1: time = (t * 1000).rounded() / 1000  // milliseconds
            default: time = (t * 100).rounded() / 100
            }
            return NamedTick(asset: assets.randomElement(using: &rng)!, time: time, price: price)
        }
    }

    @Test(
        "every tick comes back exactly, in both forms, one or several per frame",
        arguments: [(CDPFrameEncoder.Form.cdp, UInt64(1)), (.perfLog, 2), (.cdp, 3), (.perfLog, 4)])
    func roundTrip(form: CDPFrameEncoder.Form, seed: UInt64) throws {
        let ticks = Self.randomTicks(count: 3000, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 100)
        var encoder = CDPFrameEncoder(form: form)
        var out: [UInt8] = []
        var i = 0
        var ts = 1000.0
        while i < ticks.count {
            let n = min(ticks.count - i, Int.random(in: 1...4, using: &rng))
            let batch = ticks[i..<(i + n)].map { (asset: $0.asset, time: $0.time, price: $0.price) }
            encoder.updateStream(requestId: "3084.\(i % 3)", timestamp: ts, ticks: batch, into: &out)
            i += n
            ts += 0.01
        }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        let result = decodeAll(lines)
        #expect(result.ticks == ticks)
        #expect(result.decoder.stats.malformedTotal == 0)
    }

    @Test("millisecond epoch timestamps are converted to seconds")
    func millisecondTimestamps() {
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        encoder.updateStream(
            requestId: "1.1", timestamp: 1, ticks: [("EURUSD_otc", 1_756_866_774_962, 1.5)], into: &out)
        let result = decodeAll(String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(result.ticks == [NamedTick(asset: "EURUSD_otc", time: 1_756_866_774.962, price: 1.5)])
    }

    @Test("a text event with inline data (42[…]) is decoded like a binary one")
    func inlineTextEvent() {
        let line =
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"9.9","timestamp":1,"response":{"opcode":1,"mask":false,"payloadData":"42[\"updateStream\",[[\"EURUSD_otc\",1756866774.5,1.08],[\"GBPUSD_otc\",1756866774.6,1.31]]]"}}}"#
        let result = decodeAll([line])
        #expect(
            result.ticks == [
                NamedTick(asset: "EURUSD_otc", time: 1756866774.5, price: 1.08),
                NamedTick(asset: "GBPUSD_otc", time: 1756866774.6, price: 1.31),
            ])
    }
}
