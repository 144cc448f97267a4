import Candles
import FastDecode
import Foundation
import Logging
import MarketSource
import Metrics
import Ring
import Synchronization
import ThreadSupport

/// A source with no browser: reads the tick streams a publishing qflux writes (``RedisStreamLayout``)
/// and feeds the pipeline, so a Redis-fed node forms the same candles as the node that ingests.
///
/// For each asset it finds (the `qflux:assets` set, looked at every second) it first loads history:
/// every tick still in `qflux:ticks:<asset>` (`XRANGE`, in pages) and the newest closed candles of
/// each of the node's timeframes from `qflux:candles:<tf>:<asset>` (`XREVRANGE … COUNT`), as one
/// history snapshot per timeframe (the candle former merges the ticks and uses the candles for
/// the periods before them). Then it follows every tick stream with `XREAD BLOCK` from the last id
/// it read. A lost connection is reported (`connection_status`, `stream_error`) and reopened with
/// backoff; reading resumes after the last id (a Redis that restarted empty gives later ids).
///
/// It also follows `qflux:payouts` (``RedisStreamLayout/payoutsKey``): the newest
/// ``Configuration/historyPayoutLists`` lists at start, then every new one, each fed to the
/// pipeline as the broker's payout list (``StreamEntry/payoutVerdict``), so `get_assets`,
/// `/health` and signals show the payouts as on the ingesting node.
///
/// Every entry is judged before it goes on (``StreamEntry/tickVerdict``): numbers must be plain
/// decimal text and the time and price sane (`MarketLimits`); the rest is counted (malformed,
/// absurd) and dropped. A key Redis refuses to read (``RedisError/concernsKey``, e.g. `WRONGTYPE`)
/// is skipped, counted and tried again every ``Configuration/skippedStreamRetry`` seconds
/// (``SkippedStreams``); the other streams are served meanwhile.
///
/// Plainly `Sendable`: the source thread's state (last ids, followed streams, skipped streams) is a
/// `SourceLoop` made on that thread when it starts and never leaving it; the counters others read
/// are atomics.
package final class RedisSource: LiveSource, Sendable {
    /// How the source runs.
    package struct Configuration: Sendable {
        /// The server.
        package var address: RedisAddress
        /// Timeframes whose candle streams seed history (the node's own).
        package var timeframes: [Timeframe] = [.oneMinute]
        /// Closed candles read per asset and timeframe at start.
        package var historyCandles = 500
        /// `XREAD BLOCK` milliseconds (also how quickly ``stop()`` is noticed).
        package var blockMilliseconds = 200
        /// Seconds between looks for new assets.
        package var assetPoll = 1.0
        /// Seconds between two tries of a stream Redis refused to read (a key of another type).
        package var skippedStreamRetry = 30.0
        /// Payout lists read from `qflux:payouts` at start (the newest; the payout board keeps
        /// 32 changes per asset).
        package var historyPayoutLists = 256

        /// A configuration for `address`.
        package init(address: RedisAddress) { self.address = address }
    }

    /// ``SourceKind/redis``.
    package var kind: SourceKind { .redis }

    fileprivate let configuration: Configuration
    fileprivate let logger: Logger
    fileprivate let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Set by ``start(feeder:events:)`` (the thread itself is not kept: its closure holds `self`).
    private let started = Atomic<Bool>(false)

    fileprivate let ticksRead = Atomic<Int>(0)
    fileprivate let payoutLists = Atomic<Int>(0)
    fileprivate let historyTicks = Atomic<Int>(0)
    fileprivate let historyCandles = Atomic<Int>(0)
    fileprivate let connectedFlag = Atomic<Bool>(false)
    fileprivate let reconnects = Atomic<Int>(0)
    fileprivate let malformed = Atomic<Int>(0)
    fileprivate let absurd = Atomic<Int>(0)
    fileprivate let streamsFollowed = Atomic<Int>(0)
    fileprivate let streamsSkipped = Atomic<Int>(0)
    fileprivate let streamErrors = Atomic<Int>(0)

    /// Prepares the source (nothing connects until ``start(feeder:events:)``).
    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func start(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) throws {
        precondition(!started.exchange(true, ordering: .acquiringAndReleasing), "start once")
        let t = Thread { [self] in
            SourceLoop(self).run(feeder: feeder, events: events)
            finished.signal()
        }
        t.name = "qflux-redis-source"
        t.start()
    }

    package func stop() {
        guard started.load(ordering: .acquiring), !stopping.exchange(true, ordering: .sequentiallyConsistent) else {
            return
        }
        finished.wait()
    }

    package func metricsText() -> String {
        var out = PrometheusText()
        out.add(
            "qflux_redis_source_connected", .gauge, "1 while the Redis source holds a working connection.",
            connectedFlag.load(ordering: .relaxed) ? 1 : 0)
        out.add(
            "qflux_redis_source_ticks_total", .counter, "Live ticks read from Redis tick streams.",
            ticksRead.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_payout_lists_total", .counter, "Payout lists read from the qflux:payouts stream.",
            payoutLists.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_history_ticks_total", .counter, "Ticks loaded as history when an asset was found.",
            historyTicks.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_history_candles_total", .counter, "Candles loaded as history from candle streams.",
            historyCandles.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_streams", .gauge, "Tick streams followed.", streamsFollowed.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_malformed_total", .counter,
            "Stream entries refused: a field missing or not a plain decimal number (hex floats, inf, nan, garbage).",
            malformed.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_absurd_total", .counter,
            "Stream entries refused: a time or price outside MarketLimits (e.g. 1e308, a negative price).",
            absurd.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_skipped_streams", .gauge,
            "Streams skipped now because Redis refused to read them (e.g. WRONGTYPE: a key of another type).",
            streamsSkipped.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_stream_errors_total", .counter,
            "Error replies from Redis concerning one stream (the stream is skipped, the others go on).",
            streamErrors.load(ordering: .relaxed))
        out.add(
            "qflux_redis_source_reconnects_total", .counter, "Connections to Redis opened again after a loss.",
            reconnects.load(ordering: .relaxed))
        return out.text
    }
}

/// The source thread's state and loop: made on that thread when it starts and never leaving it
/// (not `Sendable`), so none of it needs a check or a lock.
private final class SourceLoop {
    private let source: RedisSource
    private let configuration: RedisSource.Configuration
    private let logger: Logger
    private var lastIDs: [String: StreamID] = [:]  // tick stream key → last id read
    private var assetOf: [String: AssetID] = [:]
    /// The tick streams read now (followed, not skipped).
    private var keys: [String] = []
    private var skipped: SkippedStreams
    /// Set by every successful read; tells a new Redis error from the same one again.
    private var readSucceeded = false
    /// Whether the newest payout lists were loaded (once; later connections go on after the last id).
    private var payoutsLoaded = false

    init(_ source: RedisSource) {
        self.source = source
        configuration = source.configuration
        logger = source.logger
        skipped = SkippedStreams(retryInterval: configuration.skippedStreamRetry)
    }

    private var isStopping: Bool { source.stopping.load(ordering: .relaxed) }

    func run(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) {
        var backoff = Backoff()
        var everConnected = false
        var reportedDown = false
        var lastServerError: String?
        while !isStopping {
            let connection: RedisConnection
            do throws(RedisError) {
                connection = try RedisConnection(
                    address: configuration.address, connectTimeout: 1,
                    ioTimeout: Double(configuration.blockMilliseconds) / 1000 + 5)
            } catch {
                if !reportedDown {
                    reportedDown = true
                    logger.warning("Redis source cannot connect; retrying", metadata: ["error": "\(error.message)"])
                    if everConnected { events?.sourceError("Redis unreachable: \(error.message)") }
                }
                sleepUnlessStopping(backoff.delay())
                continue
            }
            if readSucceeded { backoff.reset() }  // after an error reply nothing read: keep backing off
            if everConnected { source.reconnects.add(1, ordering: .relaxed) }
            everConnected = true
            reportedDown = false
            source.connectedFlag.store(true, ordering: .relaxed)
            events?.sourceStatusChanged(connected: true)
            logger.info("Redis source connected", metadata: ["address": "\(configuration.address)"])
            do throws(RedisError) {
                readSucceeded = false
                try follow(connection, feeder: feeder)
            } catch  where error.code == .server {
                // Not a lost connection: Redis answered, with an error no single stream explains
                // (LOADING, OOM, …). Start again on a new connection after the backoff; said once
                // per episode, not on every retry.
                if readSucceeded || error.message != lastServerError {
                    logger.warning(
                        "Redis source: Redis answered with an error; retrying", metadata: ["error": "\(error.message)"])
                    events?.sourceError("Redis error: \(error.message)")
                }
                lastServerError = error.message
            } catch {
                logger.warning(
                    "Redis source lost its connection; reconnecting", metadata: ["error": "\(error.message)"])
                events?.sourceError("Redis connection lost: \(error.message)")
                reportedDown = true
            }
            source.connectedFlag.store(false, ordering: .relaxed)
            events?.sourceStatusChanged(connected: false)
            if !isStopping { sleepUnlessStopping(backoff.delay()) }
        }
    }

    private func follow(_ connection: RedisConnection, feeder: any FrameFeeder) throws(RedisError) {
        var nextAssetLook = 0.0
        var batch: [DecodedEvent] = []
        batch.reserveCapacity(4096)
        while !isStopping {
            let now = monotonicNow()
            if now >= nextAssetLook {
                nextAssetLook = now + configuration.assetPoll
                try followPayouts(connection, feeder: feeder)
                try discoverAssets(connection, feeder: feeder)
            }
            guard !keys.isEmpty else {
                sleepUnlessStopping(min(configuration.assetPoll, 0.2))
                continue
            }
            var args = ["XREAD", "COUNT", "4096", "BLOCK", String(configuration.blockMilliseconds), "STREAMS"]
            args += keys
            args += keys.map { lastIDs[$0, default: .zero].description }
            let reply: RedisReply
            do throws(RedisError) {
                reply = try connection.command(args)
            } catch  where error.concernsKey {
                // One XREAD names every stream: find the one(s) Redis refuses, skip them, go on.
                try skipRefusedStreams(connection, after: error)
                continue
            }
            readSucceeded = true
            var malformedNow = 0, absurdNow = 0
            for (key, entries) in StreamEntry.parse(streams: reply) {
                if key == RedisStreamLayout.payoutsKey {
                    payoutEvents(
                        entries, into: &batch, assets: feeder.assets, malformed: &malformedNow, absurd: &absurdNow)
                    continue
                }
                guard let asset = assetOf[key] else { continue }
                for entry in entries {
                    lastIDs[key] = entry.id
                    switch entry.tickVerdict {
                    case let .accepted(point):
                        batch.append(.tick(Tick(asset: asset, time: point.time, price: point.price)))
                    case .malformed: malformedNow += 1
                    case .absurd: absurdNow += 1
                    }
                }
            }
            if malformedNow > 0 { source.malformed.add(malformedNow, ordering: .relaxed) }
            if absurdNow > 0 { source.absurd.add(absurdNow, ordering: .relaxed) }
            if !batch.isEmpty {
                source.ticksRead.add(
                    batch.count(where: { if case .tick = $0 { true } else { false } }), ordering: .relaxed)
                feeder.feed(events: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    /// `qflux:payouts`: the newest lists once (`XREVRANGE … COUNT`, fed oldest first), then
    /// followed with the tick streams. Refused (another key type): skipped and tried again like
    /// a tick stream.
    private func followPayouts(_ connection: RedisConnection, feeder: any FrameFeeder) throws(RedisError) {
        let key = RedisStreamLayout.payoutsKey
        let now = monotonicNow()
        guard !keys.contains(key), !skipped.isWaiting(key, now: now) else { return }
        do throws(RedisError) {
            if payoutsLoaded {
                try connection.command(["XLEN", key])
            } else {
                let reply = try connection.command([
                    "XREVRANGE", key, "+", "-", "COUNT", String(configuration.historyPayoutLists),
                ])
                let entries = StreamEntry.parse(list: reply).reversed()
                var events: [DecodedEvent] = []
                var malformedNow = 0, absurdNow = 0
                payoutEvents(
                    Array(entries), into: &events, assets: feeder.assets, malformed: &malformedNow, absurd: &absurdNow)
                if malformedNow > 0 { source.malformed.add(malformedNow, ordering: .relaxed) }
                if absurdNow > 0 { source.absurd.add(absurdNow, ordering: .relaxed) }
                if !events.isEmpty { feeder.feed(events: events) }
                payoutsLoaded = true
            }
            keys.append(key)
            skipped.readable(key, logger: logger)
        } catch  where error.concernsKey {
            skipped.skip(key, error, now: now, logger: logger)
        }
        source.streamsFollowed.store(tickStreamCount, ordering: .relaxed)
        publishSkipped()
    }

    /// Payout list entries → the pipeline's payout events; refused entries are counted.
    private func payoutEvents(
        _ entries: [StreamEntry], into events: inout [DecodedEvent], assets: AssetDirectory,
        malformed: inout Int, absurd: inout Int
    ) {
        for entry in entries {
            lastIDs[RedisStreamLayout.payoutsKey] = entry.id
            switch entry.payoutVerdict {
            case let .accepted(list):
                let rows = list.payouts.map { AssetPayout(asset: assets.register($0.asset), percent: $0.percent) }
                events.append(.payouts(PayoutSnapshot(time: list.time, payouts: rows)))
                source.payoutLists.add(1, ordering: .relaxed)
            case .malformed: malformed += 1
            case .absurd: absurd += 1
            }
        }
    }

    /// New assets in `qflux:assets`: load their history, then follow their tick streams. Skipped
    /// streams whose retry time has come are tried again here.
    private func discoverAssets(_ connection: RedisConnection, feeder: any FrameFeeder) throws(RedisError) {
        let now = monotonicNow()
        guard !skipped.isWaiting(RedisStreamLayout.assetsKey, now: now) else { return }
        let members: [RedisReply]
        do throws(RedisError) {
            members = try connection.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements ?? []
            skipped.readable(RedisStreamLayout.assetsKey, logger: logger)
        } catch  where error.concernsKey {
            // No asset list now (the key holds another type): keep serving the streams known.
            skipped.skip(RedisStreamLayout.assetsKey, error, now: now, logger: logger)
            publishSkipped()
            return
        }
        for name in members.compactMap(\.text).sorted() {
            let key = RedisStreamLayout.ticksKey(name)
            guard !skipped.isWaiting(key, now: now) else { continue }
            do throws(RedisError) {
                if assetOf[key] == nil {
                    try loadHistory(connection, key: key, name: name, feeder: feeder)
                } else if skipped.contains(key) {
                    // Followed before it was refused: check it, then go on after the last id read.
                    try connection.command(["XLEN", key])
                    keys.append(key)
                } else {
                    continue
                }
                skipped.readable(key, logger: logger)
            } catch  where error.concernsKey {
                skipped.skip(key, error, now: now, logger: logger)
            }
            source.streamsFollowed.store(tickStreamCount, ordering: .relaxed)
            publishSkipped()
        }
    }

    /// After a multi-stream read failed with `failure`: asks about each stream alone (`XLEN`) and
    /// skips those Redis refuses. Throws `failure` when no single stream explains it.
    private func skipRefusedStreams(_ connection: RedisConnection, after failure: RedisError) throws(RedisError) {
        let now = monotonicNow()
        var refused = 0
        for key in keys {
            do throws(RedisError) {
                try connection.command(["XLEN", key])
            } catch  where error.concernsKey {
                skipped.skip(key, error, now: now, logger: logger)
                refused += 1
            }
        }
        guard refused > 0 else { throw failure }
        keys.removeAll { skipped.contains($0) }
        source.streamsFollowed.store(tickStreamCount, ordering: .relaxed)
        publishSkipped()
    }

    /// Tick streams followed now (`keys` less `qflux:payouts`).
    private var tickStreamCount: Int { keys.count - (keys.contains(RedisStreamLayout.payoutsKey) ? 1 : 0) }

    private func publishSkipped() {
        source.streamsSkipped.store(skipped.count, ordering: .relaxed)
        source.streamErrors.store(skipped.errors, ordering: .relaxed)
    }

    private func loadHistory(
        _ connection: RedisConnection, key: String, name: String,
        feeder: any FrameFeeder
    ) throws(RedisError) {
        // Every tick still in the stream, oldest first, in pages.
        var points: [PricePoint] = []
        var start = "-"
        var last = StreamID.zero
        var malformedNow = 0, absurdNow = 0
        while true {
            let page = StreamEntry.parse(list: try connection.command(["XRANGE", key, start, "+", "COUNT", "10000"]))
            for entry in page {
                last = entry.id
                switch entry.tickVerdict {
                case let .accepted(point): points.append(point)
                case .malformed: malformedNow += 1
                case .absurd: absurdNow += 1
                }
            }
            if page.count < 10000 { break }
            start = "(" + last.description
        }
        // The tick stream is readable: from here on the asset is followed.
        let asset = feeder.assets.register(name)
        assetOf[key] = asset
        keys.append(key)
        lastIDs[key] = last
        source.historyTicks.add(points.count, ordering: .relaxed)
        var snapshots: [DecodedEvent] = []
        for (k, timeframe) in configuration.timeframes.enumerated() {
            let candleKey = RedisStreamLayout.candlesKey(timeframe, name)
            let reply: RedisReply
            do throws(RedisError) {
                reply = try connection.command([
                    "XREVRANGE", candleKey, "+", "-", "COUNT", String(configuration.historyCandles),
                ])
            } catch  where error.concernsKey {
                // Candle history is optional: without it the ticks still form the candles.
                skipped.refused(candleKey, error, logger: logger)
                reply = .null
            }
            var byStart: [Double: BrokerCandle] = [:]
            for entry in StreamEntry.parse(list: reply) {
                switch entry.candleVerdict {
                case let .accepted(candle):
                    // newest first: a later revision wins
                    if byStart[candle.time] == nil { byStart[candle.time] = candle }
                case .malformed: malformedNow += 1
                case .absurd: absurdNow += 1
                }
            }
            let candles = byStart.values.sorted { $0.time < $1.time }
            source.historyCandles.add(candles.count, ordering: .relaxed)
            let ticks = k == 0 ? points : []
            guard !ticks.isEmpty || !candles.isEmpty else { continue }
            snapshots.append(
                .history(
                    HistorySnapshot(
                        source: ticks.isEmpty ? .loadHistoryPeriodFast : .updateHistoryNewFast,
                        asset: asset, period: timeframe.seconds, ticks: ticks, candles: candles)))
        }
        if malformedNow > 0 { source.malformed.add(malformedNow, ordering: .relaxed) }
        if absurdNow > 0 { source.absurd.add(absurdNow, ordering: .relaxed) }
        if !snapshots.isEmpty { feeder.feed(events: snapshots) }
        logger.info("Redis source follows \(name)", metadata: ["history_ticks": "\(points.count)", "from": "\(last)"])
    }

    private func sleepUnlessStopping(_ seconds: Double) {
        let end = monotonicNow() + seconds
        while !isStopping, monotonicNow() < end { usleep(20_000) }
    }
}
