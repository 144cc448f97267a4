import Foundation
import Testing

@testable import FastDecode

/// `updateAssets` lists (protocol.md: field 1 symbol, 5 payout, 9 is_otc, 14 active) decoded from
/// the real captures, checked against the same binary frames parsed independently with
/// Foundation's JSONSerialization; and bad shapes counted, not crashed.
@Suite struct UpdateAssetsTests {
    /// The rows of every updateAssets attachment in a capture, parsed by Foundation: the binary
    /// frame that follows an `451-["updateAssets",…]` header on the same socket.
    static func independentLists(_ name: String) throws -> [[(symbol: String, payout: Double)]] {
        var pendingSockets = Set<String>()
        var lists: [[(symbol: String, payout: Double)]] = []
        for line in Fixture.lines(name) {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let params = object["params"] as? [String: Any], let socket = params["requestId"] as? String,
                let response = params["response"] as? [String: Any], let opcode = response["opcode"] as? Int,
                let data = response["payloadData"] as? String
            else { continue }
            if opcode == 1 {
                if data.hasPrefix("451-[\"updateAssets\"") {
                    pendingSockets.insert(socket)
                } else {
                    pendingSockets.remove(socket)
                }
            } else if opcode == 2, pendingSockets.remove(socket) != nil {
                let bytes = try #require(Data(base64Encoded: data))
                let rows = try #require(JSONSerialization.jsonObject(with: bytes) as? [[Any]])
                lists.append(rows.map { ($0[1] as! String, ($0[5] as! NSNumber).doubleValue) })
            }
        }
        return lists
    }

    @Test(arguments: Fixture.sessions)
    func realListsDecodeToEveryAssetsPayout(session: String) throws {
        let name = session + ".cdp.jsonl"
        let expected = try Self.independentLists(name)
        #expect(!expected.isEmpty)
        let decoder = try MarketDecoder()
        var snapshots: [PayoutSnapshot] = []
        var lastTickTime: Double?
        var timeOK = true
        for line in Fixture.lines(name) {
            decoder.decode(line: line) { event in
                switch event {
                case let .tick(t):
                    lastTickTime = t.time
                case let .payouts(p):
                    snapshots.append(p)
                    // Stamped with the latest tick before it; none before: no time (the pipeline's).
                    timeOK = timeOK && p.time == lastTickTime
                default: break
                }
            }
        }
        #expect(timeOK)
        #expect(snapshots.count == expected.count)
        #expect(decoder.stats.payoutEvents == expected.count)
        #expect(decoder.stats.payoutRowsSkipped == 0)
        for (snapshot, rows) in zip(snapshots, expected) {
            #expect(snapshot.payouts.count == rows.count)
            #expect(snapshot.payouts.map { decoder.assets.name(of: $0.asset) } == rows.map(\.symbol))
            #expect(snapshot.payouts.map(\.percent) == rows.map(\.payout))
        }
        // Spot check against protocol.md's example row: [5,"#AAPL","Apple","stock",2,50,…].
        let apple = try #require(snapshots.first?.payouts.first { decoder.assets.name(of: $0.asset) == "#AAPL" })
        #expect(apple.percent == 50)
        #expect(apple.isOTC == false)
        #expect(apple.fraction == 0.5)
    }

    @Test func badRowsAreCountedAndSkipped() throws {
        var encoder = CDPFrameEncoder()
        var bytes: [UInt8] = []
        encoder.updateStream(
            requestId: "1.1", timestamp: 1, ticks: [("EURUSD_otc", 1_756_860_000.5, 1.1)], into: &bytes)
        let header = Array("451-[\"updateAssets\",{\"_placeholder\":true,\"num\":0}]".utf8)
        let rows =
            #"[[1,"A","a","currency",0,80,0,0,0,1,0,0,[],0,true],["x"],5,[2,"B"],[3,"C","c","t",0,"92"],[4,"D","d","t",0,-3]]"#
        encoder.frame(requestId: "1.1", timestamp: 2, opcode: 1, payload: header, into: &bytes)
        encoder.frame(requestId: "1.1", timestamp: 3, opcode: 2, payload: Array(rows.utf8), into: &bytes)
        // Broken JSON in a list: the whole attachment is malformed, counted.
        encoder.frame(requestId: "1.1", timestamp: 4, opcode: 1, payload: header, into: &bytes)
        encoder.frame(requestId: "1.1", timestamp: 5, opcode: 2, payload: Array("[[1,\"A\",".utf8), into: &bytes)
        let decoder = try MarketDecoder()
        var snapshots: [PayoutSnapshot] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            decoder.decode(line: String(line)) { if case let .payouts(p) = $0 { snapshots.append(p) } }
        }
        #expect(snapshots.count == 1)
        let only = try #require(snapshots.first)
        #expect(only.time == 1_756_860_000.5)
        #expect(only.payouts.map { decoder.assets.name(of: $0.asset) } == ["A"])
        #expect(only.payouts.first?.percent == 80)
        #expect(only.payouts.first?.active == true)
        #expect(decoder.stats.payoutRowsSkipped == 5)
        #expect(decoder.stats.malformedTotal == 1)
    }

    /// A list before any tick (or after ``MarketDecoder/resetSocketState()``) is handed on at once
    /// without a time: the pipeline stamps it (with its latest tick, else its next one).
    @Test func aListBeforeAnyTickHasNoTime() throws {
        var encoder = CDPFrameEncoder()
        var bytes: [UInt8] = []
        let header = Array("451-[\"updateAssets\",{\"_placeholder\":true,\"num\":0}]".utf8)
        encoder.frame(requestId: "1.1", timestamp: 1, opcode: 1, payload: header, into: &bytes)
        encoder.frame(
            requestId: "1.1", timestamp: 2, opcode: 2, payload: Array(#"[[7,"EURUSD_otc","E","currency",0,92]]"#.utf8),
            into: &bytes)
        encoder.updateStream(requestId: "1.1", timestamp: 3, ticks: [("EURUSD_otc", 1_756_860_100, 1.2)], into: &bytes)
        let decoder = try MarketDecoder()
        var kinds: [String] = []
        var stamped: Double? = -1
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            decoder.decode(line: String(line)) { event in
                switch event {
                case .tick: kinds.append("tick")
                case let .payouts(p):
                    kinds.append("payouts")
                    stamped = p.time
                default: break
                }
            }
        }
        #expect(kinds == ["payouts", "tick"])
        #expect(stamped == nil)
        // After a reset (a parallel decoder's next piece) the time is unknown again.
        decoder.resetSocketState()
        var again: [PayoutSnapshot] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            decoder.decode(line: String(line)) { if case let .payouts(p) = $0 { again.append(p) } }
        }
        #expect(again.count == 1 && again.first?.time == nil)
    }
}
