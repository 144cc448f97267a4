import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import Engine
@testable import SocketIOServer

/// Issue 25 items 7 and 8 end to end, on the real capture 003350 (its two `updateAssets` lists:
/// EURGBP_otc 86 % then 83 %): `qflux replay` archives the payouts (kind `payouts`), `qflux export
/// --kind payouts` and ``PayoutTape`` read them back, `qflux backtest --payout-tape` pays each
/// trade the payout in force, and a server replaying the archive (`--replay-archive`) delivers
/// the ticks as candle updates in order to a python-socketio client, shows the payouts in
/// `get_assets` and `/health`, and stays up at the end.
@Suite("Payout tape and archive replay", .serialized)
struct PayoutTapeReplayTests {
    static let capture = AnalysisCLITests.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl")

    /// The payout lists of the capture parsed independently (Foundation's JSON parser): per asset,
    /// the percent of each list in order.
    static func framePercents() throws -> [String: [Double]] {
        let text = try String(contentsOf: capture, encoding: .utf8)
        var pending = Set<String>()
        var out: [String: [Double]] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let params = object["params"] as? [String: Any], let socket = params["requestId"] as? String,
                let response = params["response"] as? [String: Any], let opcode = response["opcode"] as? Int,
                let data = response["payloadData"] as? String
            else { continue }
            if opcode == 1 {
                if data.hasPrefix("451-[\"updateAssets\"") { pending.insert(socket) } else { pending.remove(socket) }
            } else if opcode == 2, pending.remove(socket) != nil {
                let bytes = try #require(Data(base64Encoded: data))
                let rows = try #require(JSONSerialization.jsonObject(with: bytes) as? [[Any]])
                for row in rows { out[row[1] as! String, default: []].append((row[5] as! NSNumber).doubleValue) }
            }
        }
        return out
    }

    /// Consecutive repeats removed (the archive keeps changes only).
    static func changes(_ values: [Double]) -> [Double] {
        var out: [Double] = []
        for v in values where out.last != v { out.append(v) }
        return out
    }

    @Test(
        "real updateAssets frames reach the archive, the export and a backtest with --payout-tape",
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func tapeFromRealFrames() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try AnalysisCLITests.replayArchive(dir)

        // The archive holds every asset's payout changes, equal to the frames'.
        let expected = try Self.framePercents()
        #expect(expected["EURGBP_otc"] == [86, 83])
        let tape = try PayoutTape.load(directory: data)
        #expect(tape.assetCount == expected.count)
        for (asset, percents) in expected {
            #expect(tape.entries[asset]?.map(\.payout) == Self.changes(percents).map { $0 / 100 }, "\(asset)")
        }
        let eurgbp = try #require(tape.entries["EURGBP_otc"])
        #expect(eurgbp.count == 2 && eurgbp[0].time < eurgbp[1].time)
        #expect(tape.payout(asset: "eurgbp otc", at: eurgbp[0].time - 1) == nil)
        #expect(tape.payout(asset: "EURGBP_otc", at: eurgbp[0].time) == 0.86)
        #expect(tape.payout(asset: "EURGBP_otc", at: eurgbp[1].time + 1000) == 0.83)

        // qflux ls and verify list and check the payout chunks like any other.
        let ls = try AnalysisCLITests.qflux(["ls", data])
        #expect(ls.status == 0, "\(ls.stderr)")
        #expect(ls.stdout.contains("EURGBP_otc") && ls.stdout.contains("payouts"))
        let verify = try AnalysisCLITests.qflux(["verify", data])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // qflux export --kind payouts
        let jsonl = try AnalysisCLITests.qflux(["export", data, "--kind", "payouts", "--format", "jsonl", "-q"])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let rows = AnalysisCLITests.jsonLines(jsonl.stdout)
        #expect(rows.count == tape.entryCount)
        let exported = rows.filter { $0["asset"] as? String == "EURGBP_otc" }
        #expect(exported.map { ($0["percent"] as! NSNumber).doubleValue } == [86, 83])
        #expect(exported.map { ($0["time"] as! NSNumber).doubleValue } == eurgbp.map(\.time))
        let csv = try AnalysisCLITests.qflux([
            "export", data, "--kind", "payouts", "--asset", "eurgbp otc", "--time", "epoch", "-q",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.split(separator: "\n").count == 3)
        #expect(csv.stdout.hasPrefix("timestamp,asset,payout,percent\n"))
        #expect(csv.stdout.contains(",EURGBP_otc,0.86,86\n") && csv.stdout.contains(",EURGBP_otc,0.83,83\n"))

        // qflux backtest --payout-tape: a won trade earns the stake × the payout in force at its
        // candle (the exported tape, looked up here by a plain scan), 0.8 before the first list.
        let args = [
            // a call on every 1 s candle: the capture's minute of ticks gives trades under both lists
            "backtest", data, "--asset", "EURGBP_otc", "--timeframe", "1s", "--rules", "call: close > 0",
            "--window", "5", "--stake-fixed", "10", "--json",
        ]
        let run = try AnalysisCLITests.qflux(args + ["--payout-tape", data])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(
            JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let trades = try #require(result["trades"] as? [[String: Any]])
        var used = Set<Double>()
        for trade in trades where trade["won"] as? Bool == true {
            let t = (trade["timestamp"] as! NSNumber).doubleValue
            let inForce = exported.last { ($0["time"] as! NSNumber).doubleValue <= t }
                .map { ($0["payout"] as! NSNumber).doubleValue }
            if let inForce { used.insert(inForce) }
            let profit = (trade["profit"] as! NSNumber).doubleValue
            #expect(abs(profit - 10 * (inForce ?? 0.8)) < 1e-9, "trade at \(t): profit \(profit)")
        }
        #expect(used == [0.86, 0.83], "payouts used: \(used) (\(trades.count) trades)")
        // Without the tape every win earns 0.8.
        let fixed = try AnalysisCLITests.qflux(args)
        let fixedTrades = try #require(
            (JSONSerialization.jsonObject(with: Data(fixed.stdout.utf8)) as? [String: Any])?["trades"]
                as? [[String: Any]])
        #expect(fixedTrades.count == trades.count)
        for trade in fixedTrades where trade["won"] as? Bool == true {
            #expect(abs((trade["profit"] as! NSNumber).doubleValue - 8) < 1e-9)
        }

        // Errors: one line, non-zero.
        let other = try AnalysisCLITests.qflux(args + ["--payout-tape", dir.path + "/nope"])
        #expect(other.status == 1 && other.stderr.split(separator: "\n").count == 1, "\(other.stderr)")
        let unknown = try AnalysisCLITests.qflux([
            "backtest", data, "--asset", "EURGBP_otc", "--timeframe", "1s", "--payout-tape", data, "--asset", "NOPE",
        ])
        #expect(unknown.status != 0 && unknown.stderr.split(separator: "\n").count == 1, "\(unknown.stderr)")
    }

    @Test(
        "a server replaying an archive delivers its ticks in order, shows the payouts and stays up at the end",
        .enabled(if: Dependency.python, Dependency.needsPython),
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func serverReplaysArchive() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try AnalysisCLITests.replayArchive(dir)
        let plan = try ArchiveReplayPlan.load(directory: data, from: nil, to: nil)
        let asset = "EURGBP_otc"
        let a = try #require(plan.assets.firstIndex(of: asset))
        let archived = plan.ticks.filter { $0.asset == a }
        #expect(archived.count > 50)
        #expect(zip(plan.ticks, plan.ticks.dropFirst()).allSatisfy { $0.time <= $1.time })

        var config = LiveStream.Configuration()
        config.server.port = 0
        config.pipeline.backpressure = .wait
        // Recorded pace × 8: the capture's minutes pass in seconds, slowly enough for the client.
        let source = ArchiveReplaySource(plan: plan, configuration: .init(speed: 8))
        let stream = try LiveStream(configuration: config, source: source, logger: Logger(label: "test"))
        try stream.start()
        let run = try runScript(
            "archive_replay_client.py", args: ["http://127.0.0.1:\(stream.port)", asset], timeout: 180)
        let summary = try stream.stop()
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(600))")
        let result = try #require(run.result)
        #expect(source.finished)
        #expect(summary.counters.ticks == plan.ticks.count)

        // Every update equals the candle of a prefix of the archived ticks of its minute, in order.
        let updates = try #require(result["updates"] as? [[String: Any]]).filter { $0["asset"] as? String == asset }
        #expect(updates.count >= 10, "only \(updates.count) updates")
        var previous = (start: -1.0, volume: 0)
        for u in updates {
            let start = (u["timestamp"] as! NSNumber).doubleValue
            let volume = (u["volume"] as! NSNumber).intValue
            let minute = archived.filter { ($0.time / 60).rounded(.down) * 60 == start }.map(\.price)
            try #require(volume >= 1 && volume <= minute.count, "update volume \(volume) of \(minute.count) ticks")
            let prefix = minute.prefix(volume)
            #expect((u["open"] as! NSNumber).doubleValue == prefix.first!)
            #expect((u["close"] as! NSNumber).doubleValue == prefix.last!)
            #expect((u["high"] as! NSNumber).doubleValue == prefix.max()!)
            #expect((u["low"] as! NSNumber).doubleValue == prefix.min()!)
            #expect(start > previous.start || (start == previous.start && volume >= previous.volume), "out of order")
            previous = (start, volume)
        }
        // The last update is the asset's last archived minute, complete.
        let lastMinute = (archived.last!.time / 60).rounded(.down) * 60
        #expect((updates.last?["timestamp"] as? NSNumber)?.doubleValue == lastMinute)
        #expect(
            (updates.last?["volume"] as? NSNumber)?.intValue
                == archived.filter { ($0.time / 60).rounded(.down) * 60 == lastMinute }.count)

        // The end: the source says it is no longer connected; the server still answers.
        let status = try #require(result["status"] as? [[String: Any]])
        #expect(status.first?["source"] as? String == "replay")
        #expect(status.last?["source_connected"] as? Bool == false)
        #expect(result["still_connected"] as? Bool == true)
        // get_assets: the original's list, plus the payouts in force (the archive's latest).
        let assets = try #require(result["assets"] as? [String: Any])
        #expect((assets["assets"] as? [String])?.contains(asset) == true)
        let payouts = try #require(assets["payouts"] as? [String: Any])
        #expect((payouts[asset] as? NSNumber)?.doubleValue == 83)
        #expect(payouts.count == Set(plan.payouts.map(\.asset)).count)
        // /health: payouts known, lists seen, the latest list's time.
        let health = try #require((result["health"] as? [String: Any])?["payouts"] as? [String: Any])
        #expect((health["assets"] as? NSNumber)?.intValue == payouts.count)
        #expect((health["lists"] as? NSNumber)?.intValue == Set(plan.payouts.map(\.time)).count)
        #expect((health["last_update"] as? NSNumber)?.doubleValue == plan.payouts.last?.time)
    }

    @Test(
        "qflux stream --replay-archive: no archive, an empty range, bad times and speeds are one-line errors",
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func replayErrors() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try AnalysisCLITests.replayArchive(dir)
        let empty = dir.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let cases: [([String], Int32, String)] = [
            (
                ["--replay-archive", dir.path + "/missing"], 1,
                "qflux stream: --replay-archive \(dir.path)/missing: no such directory"
            ),
            (["--replay-archive", empty], 1, "qflux stream: --replay-archive \(empty): "),
            (
                ["--replay-archive", data, "--from", "2030-01-01"], 1,
                "qflux stream: --replay-archive \(data): no ticks between"
            ),
            (["--replay-archive", data, "--from", "yesterday"], 64, "qflux stream: --from 'yesterday': not a time"),
            (
                ["--replay-archive", data, "--from", "2030-01-02", "--to", "2030-01-01"], 1,
                "qflux stream: --from is after --to"
            ),
            (["--replay-archive", data, "--speed=-2"], 64, "Error: --speed must be"),
            (["--speed", "2"], 64, "Error: --speed, --from and --to go with --replay-archive"),
            (["--replay-archive", data, "--demo"], 64, "Error: --replay-archive excludes --demo"),
        ]
        for (args, status, prefix) in cases {
            let run = try AnalysisCLITests.qflux(["stream", "--port", "0"] + args, timeout: 60)
            #expect(run.status == status, "\(args): \(run.stderr)")
            #expect(run.stderr.hasPrefix(prefix), "\(args): \(run.stderr)")
        }
    }
}

/// The pipeline's side of payout lists: stamping, the board, the archive, and replay seeds.
@Suite("Payout lists in the pipeline")
struct PayoutPipelineTests {
    @Test(
        "a list without a time takes the latest tick's, or the first tick's when none came yet; changes only are archived"
    )
    func stamping() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.backpressure = .wait
        config.archive = ArchiveConfiguration(directory: dir.path, collect: .tick)
        var logger = Logger(label: "test.payouts")
        logger.logLevel = .critical
        let pipeline = try MarketPipeline(configuration: config, logger: logger)
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        let eur = feeder.assets.register("EURUSD_otc")
        let gbp = feeder.assets.register("GBPUSD_otc")
        func list(_ time: Double?, _ rows: [(AssetID, Double)]) -> DecodedEvent {
            .payouts(PayoutSnapshot(time: time, payouts: rows.map { AssetPayout(asset: $0.0, percent: $0.1) }))
        }
        feeder.feed(events: [
            list(nil, [(eur, 90), (gbp, 85)]),  // before any tick: the first tick's time
            .tick(Tick(asset: eur, time: 1_756_866_000.5, price: 1.1)),
            .tick(Tick(asset: eur, time: 1_756_866_001.25, price: 1.2)),
            list(nil, [(eur, 90), (gbp, 80)]),  // the latest tick's time; EURUSD unchanged
            .tick(Tick(asset: eur, time: 1_756_866_002, price: 1.3)),
            list(1_756_866_003, [(eur, 92)]),  // a time of its own (a replay's) is kept
        ])
        _ = try pipeline.finish()
        let board = pipeline.counters.payoutBoard.current
        #expect(board.lists == 3)
        #expect(board.lastUpdate == 1_756_866_003)
        #expect(board.percent == [eur: 92, gbp: 80])
        let tape = try PayoutTape.load(directory: dir.path)
        #expect(
            tape.entries["EURUSD_otc"] == [
                .init(time: 1_756_866_000.5, payout: 0.9), .init(time: 1_756_866_003, payout: 0.92),
            ])
        #expect(
            tape.entries["GBPUSD_otc"] == [
                .init(time: 1_756_866_000.5, payout: 0.85), .init(time: 1_756_866_001.25, payout: 0.8),
            ])
        #expect(tape.payout(asset: "gbpusd otc", at: 1_756_866_001) == 0.85)
        #expect(tape.payout(asset: "GBPUSD_otc", at: 1_756_866_000) == nil)
        #expect(tape.payout(asset: "AUDCAD_otc", at: 1_756_866_001) == nil)
    }

    @Test("--from: the ticks before it seed 1 m candles (as history), the range keeps the rest in order")
    func replaySeeds() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.backpressure = .wait
        config.archive = ArchiveConfiguration(directory: dir.path, collect: .tick)
        var logger = Logger(label: "test.seeds")
        logger.logLevel = .critical
        let pipeline = try MarketPipeline(configuration: config, logger: logger)
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        let eur = feeder.assets.register("EURUSD_otc")
        let start = 1_756_866_000.0
        let prices = (0..<300).map { 1.1 + Double(($0 * 37) % 17) / 1000 }
        feeder.feed(
            events: prices.enumerated().map {
                .tick(Tick(asset: eur, time: start + Double($0.offset), price: $0.element))
            })
        _ = try pipeline.finish()

        let from = start + 150  // mid-minute: minutes 0 and 1 are history, minute 2 is partly before
        let plan = try ArchiveReplayPlan.load(directory: dir.path, from: from, to: start + 250)
        #expect(plan.ticks.map(\.time) == (150...250).map { start + Double($0) })
        let seeds = try #require(plan.seeds[0])
        #expect(seeds.map(\.time) == [start, start + 60])
        for (i, candle) in seeds.enumerated() {
            let minute = prices[(i * 60)..<(i * 60 + 60)]
            #expect(candle.open == minute.first && candle.close == minute.last)
            #expect(candle.high == minute.max() && candle.low == minute.min())
        }
        #expect(throws: ArchiveReplayPlan.LoadError.self) {
            try ArchiveReplayPlan.load(directory: dir.path, from: start + 1000, to: nil)
        }
    }
}
