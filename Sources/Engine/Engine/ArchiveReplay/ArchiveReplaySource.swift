import FastDecode
import Foundation
import MarketSource
import Metrics
import Synchronization

/// `qflux stream --replay-archive`: archived ticks served as a live market through the same
/// pipeline as Chrome and the demo (candles, server, GUI, live indicators, archive, Redis).
///
/// On start, the seed candles (history before `--from`) go to the candle former as history
/// snapshots and the payouts in force at the first tick as payout lists; then the ticks follow in
/// recorded order, each released when the replay clock reaches its time: the clock starts at the
/// first tick and runs `speed` times faster than the wall clock (`speed` 0: as fast as the
/// pipeline takes them). Archived payout changes are delivered in time order between the ticks.
///
/// At the end the source reports itself disconnected (`connection_status`) and stops feeding; the
/// server stays up serving the last state (recent candles, indicators, the CSV API) until the
/// process is stopped.
package final class ArchiveReplaySource: LiveSource, Sendable {
    /// The replay's settings.
    package struct Configuration: Sendable {
        /// Replay clock rate: 1 = recorded pace, 10 = ten times faster, 0 = as fast as possible.
        package var speed: Double = 1

        /// Defaults: recorded pace.
        package init(speed: Double = 1) { self.speed = speed }
    }

    /// The most ticks handed to the pipeline in one batch.
    static let maxBatch = 4096
    /// The longest the source sleeps before it looks at the clock and the stop flag again.
    static let maxSleepSeconds = 0.05

    private let plan: ArchiveReplayPlan
    private let configuration: Configuration
    private let stopFlag = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finishedFlag = Atomic<Bool>(false)
    private let delivered = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    /// A source serving `plan` at `configuration.speed`.
    package init(plan: ArchiveReplayPlan, configuration: Configuration) {
        self.plan = plan
        self.configuration = configuration
    }

    /// ``SourceKind/replay``.
    package var kind: SourceKind { .replay }

    /// Ticks handed to the pipeline so far.
    package var ticksDelivered: Int { delivered.load(ordering: .relaxed) }
    /// Whether every tick was handed on.
    package var finished: Bool { finishedFlag.load(ordering: .acquiring) }

    /// Starts the replay thread; connected from the start.
    package func start(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        events?.sourceStatusChanged(connected: true)
        let thread = Thread { [self] in
            run(feeder: feeder)
            if !stopFlag.load(ordering: .acquiring) {
                finishedFlag.store(true, ordering: .releasing)
                events?.sourceStatusChanged(connected: false)
            }
            done.signal()
        }
        thread.name = "qflux-archive-replay"
        thread.start()
    }

    /// Stops feeding and waits for the thread to end. Safe to call twice, or before ``start``.
    package func stop() {
        stopFlag.store(true, ordering: .releasing)
        guard started.load(ordering: .acquiring) else { return }
        done.wait()
        done.signal()
    }

    /// `qflux_replay_ticks_total` and `qflux_replay_finished`.
    package func metricsText() -> String {
        var out = PrometheusText()
        out.add("qflux_replay_ticks_total", .counter, "Archived ticks handed to the pipeline.", ticksDelivered)
        out.add(
            "qflux_replay_finished", .gauge, "1 once every archived tick of the range was handed on.", finished ? 1 : 0)
        return out.text
    }

    private static func monotonic() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func run(feeder: any FrameFeeder) {
        let ids = plan.assets.map { feeder.assets.register($0) }
        // History before --from, as the broker's history snapshots would bring it.
        var seeds: [DecodedEvent] = []
        for (a, candles) in plan.seeds.sorted(by: { $0.key < $1.key }) {
            seeds.append(
                .history(
                    HistorySnapshot(
                        source: .loadHistoryPeriodFast, asset: ids[a], period: ArchiveReplayPlan.seedTimeframeSeconds,
                        ticks: [], candles: candles)))
        }
        if !seeds.isEmpty { feeder.feed(events: seeds) }
        let ticks = plan.ticks
        guard let first = ticks.first else { return }
        let speed = configuration.speed
        let startWall = Self.monotonic()
        var nextPayout = 0
        var batch: [DecodedEvent] = []
        batch.reserveCapacity(Self.maxBatch + 16)
        /// Payout changes up to `time`, grouped by time into lists.
        func payouts(upTo time: Double) {
            while nextPayout < plan.payouts.count, plan.payouts[nextPayout].time <= time {
                let at = plan.payouts[nextPayout].time
                var rows: [AssetPayout] = []
                while nextPayout < plan.payouts.count, plan.payouts[nextPayout].time == at {
                    let p = plan.payouts[nextPayout]
                    rows.append(AssetPayout(asset: ids[p.asset], percent: p.percent))
                    nextPayout += 1
                }
                batch.append(.payouts(PayoutSnapshot(time: max(at, first.time), payouts: rows)))
            }
        }
        var i = 0
        while i < ticks.count {
            if stopFlag.load(ordering: .relaxed) { return }
            let due: Double
            if speed > 0 {
                due = first.time + (Self.monotonic() - startWall) * speed
                if ticks[i].time > due {
                    Thread.sleep(forTimeInterval: min((ticks[i].time - due) / speed, Self.maxSleepSeconds))
                    continue
                }
            } else {
                due = .infinity
            }
            var n = 0
            while i < ticks.count, ticks[i].time <= due, n < Self.maxBatch {
                let t = ticks[i]
                payouts(upTo: t.time)
                batch.append(.tick(Tick(asset: ids[t.asset], time: t.time, price: t.price)))
                i += 1
                n += 1
            }
            feeder.feed(events: batch)
            batch.removeAll(keepingCapacity: true)
            delivered.add(n, ordering: .relaxed)
        }
    }
}
