import Candles
import FastDecode
import Foundation
import Logging
import Metrics
import Ring
import Synchronization
import ThreadSupport

/// What the engine thread hands the publisher.
package enum PublishRecord: Sendable {
    /// A live tick → `qflux:ticks:<asset>`.
    case tick(Tick)
    /// A closed or revised candle → `qflux:candles:<timeframe>:<asset>`.
    case candle(Candle)
}

/// Publishes ticks and closed candles to Redis Streams from a thread of its own (the layout is
/// ``RedisStreamLayout``; docs/redis.md), and the broker's payout lists (``publishPayouts(_:time:)``,
/// a few a minute) to `qflux:payouts`.
///
/// The engine thread ``append(_:)``s records to an SPSC ring and never waits: a full ring drops
/// the record and counts it (live streams), or waits for room (replays, ``waitWhenFull``). The
/// publisher thread moves records from the ring into its backlog and sends them as pipelined
/// `XADD … MAXLEN ~ N` commands, ``RedisPublisherConfiguration/batchSize`` per round trip. When
/// Redis is unreachable it keeps draining the ring into the backlog (bounded by
/// ``RedisPublisherConfiguration/maxBacklog``; past it the oldest records are dropped and
/// counted; a replay instead stops taking records, so the ring fills and the engine waits),
/// reconnects with backoff (0.1 s doubling to 2 s) and sends the backlog, oldest first, once
/// connected again.
///
/// A connection lost in the middle of a batch: the records whose replies arrived are done, the
/// rest are sent again after reconnecting (a command Redis applied but whose reply was lost is
/// then written twice: delivery is at least once across a lost connection).
///
/// Threads, as types: the publisher is a plainly `Sendable` handle. ``append(_:)``,
/// ``endBatch()`` and ``finish()`` are the engine thread's (the ring's producer, checked by an
/// `OwnerThreadCheck`, as before); the connection, the backlog and the encoder are a
/// `PublisherLoop` made on the publisher thread and never leaving it; counters are atomics.
package final class RedisPublisher: Sendable {
    /// Default backlog bound (records).
    package static let defaultMaxBacklog = 1_000_000

    /// Figures for `/metrics` and `/health`.
    package let counters: RedisPublisherCounters
    /// How it runs.
    package let configuration: RedisPublisherConfiguration

    fileprivate let ring: SPSCRing<PublishRecord>
    /// Payout lists, beside the ring (rare; see ``PayoutMailbox``).
    /// Payout lists waiting for the publisher thread (internal: the tests check what was queued).
    let payoutMailbox = PayoutMailbox()
    fileprivate let wakeup = ThreadWakeup()
    fileprivate let inputFinished = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    fileprivate let waitWhenFull: Bool
    fileprivate let assets: AssetDirectory
    fileprivate let logger: Logger
    private let started = Atomic<Bool>(false)

    /// The engine thread, the ring's producer (the first caller; checked on every append).
    private let producer = OwnerThreadCheck(ownedByFirstUser: ())

    /// Prepares a publisher; nothing connects until ``start()``.
    package init(configuration: RedisPublisherConfiguration, assets: AssetDirectory, waitWhenFull: Bool, logger: Logger)
    {
        self.configuration = configuration
        self.assets = assets
        self.waitWhenFull = waitWhenFull
        self.logger = logger
        counters = RedisPublisherCounters(maxBacklog: configuration.maxBacklog)
        ring = SPSCRing(capacity: configuration.ringCapacity)
    }

    /// Starts the publisher thread (it connects at once).
    package func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            PublisherLoop(self).run()
            done.signal()
        }
        thread.name = "qflux-redis-pub"
        thread.start()
    }

    // MARK: - Engine thread

    /// Queues one record (engine thread); visible to the publisher after ``endBatch()``, which
    /// checks the producer thread once per batch (no check per tick: it runs in release builds).
    @inline(__always)
    package func append(_ record: PublishRecord) {
        if ring.stage(record) { return }
        if waitWhenFull {
            ring.publish()
            wakeup.notify()
            _ = ring.pushWaiting(record)
            return
        }
        counters.dropped.add(1, ordering: .relaxed)
    }

    /// Queues a payout list in force from broker time `time` for `qflux:payouts` (engine thread,
    /// a few times a minute; never waits: past ``PayoutMailbox/capacity`` lists waiting, the
    /// oldest is dropped and counted; a list with a time that is not a finite number is dropped
    /// and counted too).
    package func publishPayouts(_ snapshot: PayoutSnapshot, time: Double) {
        guard time.isFinite else {
            counters.dropped.add(1, ordering: .relaxed)
            return
        }
        if payoutMailbox.put(PayoutMailbox.List(time: time, payouts: snapshot.payouts)) {
            counters.dropped.add(1, ordering: .relaxed)
        }
        wakeup.notify()
    }

    /// Publishes the batch to the publisher thread (engine thread).
    package func endBatch() {
        producer.assertOwnerOrClaim()
        ring.publish()
        wakeup.notify()
    }

    /// Hands everything over and waits until it is sent, or until
    /// ``RedisPublisherConfiguration/finishTimeout`` passes without Redis (the rest is dropped and
    /// counted). Engine thread, once, at the end of input.
    package func finish() {
        start()
        ring.publish()
        inputFinished.store(true, ordering: .releasing)
        wakeup.notify()
        done.wait()
        done.signal()
    }

    /// Records waiting now (ring + backlog; any thread, approximate).
    package var waiting: Int { ring.count + counters.backlog.load(ordering: .relaxed) }

    /// Prometheus lines (`qflux_redis_publish_*`).
    package func metricsText() -> String {
        let c = counters
        var out = PrometheusText()
        out.add(
            "qflux_redis_publish_connected", .gauge, "1 while the Redis publisher holds a working connection.",
            c.connected.load(ordering: .relaxed) ? 1 : 0)
        out.add(
            "qflux_redis_publish_ticks_total", .counter, "Ticks written to Redis streams.",
            c.ticks.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_candles_total", .counter, "Closed or revised candles written to Redis streams.",
            c.candles.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_payout_lists_total", .counter, "Payout lists written to the qflux:payouts stream.",
            c.payoutLists.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_batches_total", .counter, "Pipelined round trips to Redis.",
            c.batches.load(ordering: .relaxed))
        out.add("qflux_redis_publish_backlog", .gauge, "Records waiting to be sent (ring + backlog).", waiting)
        out.add(
            "qflux_redis_publish_backlog_peak", .gauge, "The largest backlog seen.",
            c.backlogPeak.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_backlog_capacity", .gauge, "Records the backlog holds while Redis is unreachable.",
            c.maxBacklog)
        out.add(
            "qflux_redis_publish_lag_seconds", .gauge, "How long the oldest waiting record has waited.",
            (c.lagSeconds * 1000).rounded() / 1000)
        out.add(
            "qflux_redis_publish_dropped_total", .counter,
            "Records dropped (publisher ring or backlog full, or undeliverable at exit).",
            c.dropped.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_errors_total", .counter, "Error replies from Redis.", c.errors.load(ordering: .relaxed)
        )
        out.add(
            "qflux_redis_publish_reconnects_total", .counter, "Connections to Redis opened again after a loss.",
            c.reconnects.load(ordering: .relaxed))
        out.add(
            "qflux_redis_publish_connect_failures_total", .counter, "Failed connection attempts.",
            c.connectFailures.load(ordering: .relaxed))
        return out.text
    }

    /// The `/health` member: `"redis_publish":{…}`.
    package func healthMember() -> String {
        let c = counters
        let lag = (c.lagSeconds * 1000).rounded() / 1000
        return
            "\"redis_publish\":{\"address\":\"\(configuration.address)\",\"state\":\"\(c.connected.load(ordering: .relaxed) ? "connected" : "reconnecting")\""
            + ",\"backlog\":\(waiting),\"backlog_capacity\":\(c.maxBacklog),\"lag_seconds\":\(lag)"
            + ",\"ticks\":\(c.ticks.load(ordering: .relaxed)),\"candles\":\(c.candles.load(ordering: .relaxed))"
            + ",\"dropped\":\(c.dropped.load(ordering: .relaxed)),\"errors\":\(c.errors.load(ordering: .relaxed))"
            + ",\"reconnects\":\(c.reconnects.load(ordering: .relaxed))}"
    }
}

/// The publisher thread's state and loop: made on that thread when it starts and never leaving
/// it (not `Sendable`), so none of it needs a check or a lock.
private final class PublisherLoop {
    private let publisher: RedisPublisher
    private let configuration: RedisPublisherConfiguration
    private let counters: RedisPublisherCounters
    private let ring: SPSCRing<PublishRecord>
    private let payoutMailbox: PayoutMailbox
    /// Payout lists taken from the mailbox, not yet sent (oldest first).
    private var payoutQueue: [PayoutMailbox.List] = []
    private let wakeup: ThreadWakeup
    private let waitWhenFull: Bool
    private let assets: AssetDirectory
    private let logger: Logger
    private var connection: RedisConnection?
    private var everConnected = false
    private var backoff: Backoff
    private var nextAttempt = 0.0
    private var backlog: [PublishRecord] = []
    private var head = 0
    private var writer = RESPWriter(capacity: 1 << 17)
    private var tickPrefixes: [[UInt8]?] = []
    private var candlePrefixes: [Int64: [UInt8]] = [:]
    private var announced = Set<UInt32>()
    /// Backlog records `head..<sentEnd` are in flight, in these batches (oldest first).
    private var sentEnd = 0
    private var inflight: [InFlight] = []
    /// Replies read of the oldest batch while reading it.
    private var partial = 0
    private struct InFlight {
        var records: Int
        var announces: [UInt32]
        var payouts: [PayoutMailbox.List] = []
    }
    private var loggedDown = false

    init(_ publisher: RedisPublisher) {
        self.publisher = publisher
        configuration = publisher.configuration
        counters = publisher.counters
        ring = publisher.ring
        payoutMailbox = publisher.payoutMailbox
        wakeup = publisher.wakeup
        waitWhenFull = publisher.waitWhenFull
        assets = publisher.assets
        logger = publisher.logger
        backoff = Backoff(maximum: configuration.maxReconnectDelay)
        backlog.reserveCapacity(1 << 14)
    }

    func run() {
        var finishDeadline = Double.infinity
        var idleRounds = 0
        while true {
            // Replays (waitWhenFull) never drop: with a full backlog the ring fills and the engine waits.
            let room = waitWhenFull ? min(8192, configuration.maxBacklog - (backlog.count - head)) : 8192
            let moved = room > 0 ? ring.popBatch(max: room) { take($0) } : 0
            takePayouts()
            let pending = backlog.count - head
            if pending > 0 || hasPayoutWork {
                if connection == nil { connectIfDue() }
                if connection != nil { send() }
            }
            let finished = publisher.inputFinished.load(ordering: .acquiring)
            if finished {
                if ring.count == 0 && backlog.count == head && !hasPayoutWork && !payoutMailbox.hasLists { break }
                if finishDeadline == .infinity { finishDeadline = monotonicNow() + configuration.finishTimeout }
                if connection == nil && monotonicNow() >= finishDeadline {
                    let lists =
                        payoutQueue.count + inflight.reduce(0) { $0 + $1.payouts.count }
                        + payoutMailbox.takeAll().count
                    let rest = backlog.count - head + ring.popBatch(max: Int.max, { _ in })
                    counters.dropped.add(rest + lists, ordering: .relaxed)
                    payoutQueue.removeAll()
                    inflight.removeAll()
                    logger.warning(
                        "Redis unreachable at exit: \(rest) records and \(lists) payout lists not published",
                        metadata: ["address": "\(configuration.address)"])
                    backlog.removeAll()
                    head = 0
                    sentEnd = 0
                    publishBacklogCount()
                    break
                }
            }
            if moved > 0 || (connection != nil && (backlog.count > head || hasPayoutWork)) { idleRounds = 0; continue }
            if backlog.count > head || hasPayoutWork {
                // Waiting for a reconnect: sleep until it is due (or new records arrive).
                let wait = min(0.05, max(0.001, nextAttempt - monotonicNow()))
                wakeup.park(timeout: wait) { ring.count == 0 && !payoutMailbox.hasLists }
                continue
            }
            idleRounds += 1
            if idleRounds < 16 { sched_yield(); continue }
            wakeup.park(timeout: 0.25) {
                ring.count == 0 && !payoutMailbox.hasLists && !publisher.inputFinished.load(ordering: .acquiring)
            }
        }
        connection = nil
        counters.connected.store(false, ordering: .relaxed)
    }

    /// Payout lists waiting or in flight.
    private var hasPayoutWork: Bool { !payoutQueue.isEmpty || inflight.contains { !$0.payouts.isEmpty } }

    /// Moves the mailbox's lists to the queue (bounded like the mailbox: the oldest go, counted).
    private func takePayouts() {
        guard payoutMailbox.hasLists else { return }
        payoutQueue += payoutMailbox.takeAll()
        let excess = payoutQueue.count - PayoutMailbox.capacity
        if excess > 0 {
            payoutQueue.removeFirst(excess)
            counters.dropped.add(excess, ordering: .relaxed)
        }
    }

    @inline(__always)
    private func take(_ record: PublishRecord) {
        if backlog.count == head, counters.waitingSinceBits.load(ordering: .relaxed) == 0 {
            counters.waitingSinceBits.store(monotonicNow().bitPattern, ordering: .relaxed)
        }
        if backlog.count - head >= configuration.maxBacklog {
            counters.dropped.add(1, ordering: .relaxed)
            guard sentEnd == head else { return }  // the oldest are in flight: this one goes
            head += 1  // the oldest goes
            sentEnd = head
        }
        backlog.append(record)
        if head >= 1 << 16, head * 2 >= backlog.count {
            backlog.removeFirst(head)
            sentEnd -= head
            head = 0
        }
        publishBacklogCount()
    }

    private func publishBacklogCount() {
        let n = backlog.count - head
        counters.backlog.store(n, ordering: .relaxed)
        if n > counters.backlogPeak.load(ordering: .relaxed) { counters.backlogPeak.store(n, ordering: .relaxed) }
        if n == 0 { counters.waitingSinceBits.store(0, ordering: .relaxed) }
    }

    private func connectIfDue() {
        let now = monotonicNow()
        guard now >= nextAttempt else { return }
        do throws(RedisError) {
            connection = try RedisConnection(address: configuration.address, connectTimeout: 1, ioTimeout: 5)
            announced.removeAll()
            backoff.reset()
            counters.connected.store(true, ordering: .relaxed)
            if everConnected {
                counters.reconnects.add(1, ordering: .relaxed)
                logger.notice(
                    "Redis publisher reconnected; sending \(backlog.count - head) waiting records",
                    metadata: ["address": "\(configuration.address)"])
            } else {
                logger.info("Redis publisher connected", metadata: ["address": "\(configuration.address)"])
            }
            everConnected = true
            loggedDown = false
        } catch {
            counters.connectFailures.add(1, ordering: .relaxed)
            nextAttempt = now + backoff.delay()
            if !loggedDown {
                loggedDown = true
                logger.warning(
                    "Redis publisher cannot connect; keeping up to \(configuration.maxBacklog) records and retrying",
                    metadata: ["error": "\(error.message)"])
            }
        }
    }

    /// Keeps two batches in flight: encodes and queues the next batch before reading the replies
    /// of the oldest one (hiredis sends the queued batch first, so Redis works on it while this
    /// thread handles replies), then acknowledges the oldest batch's records.
    private func send() {
        guard let connection else { return }
        do throws(RedisError) {
            while inflight.count < 2, sentEnd < backlog.count || !payoutQueue.isEmpty {
                let start = sentEnd
                let end = min(start + configuration.batchSize, backlog.count)
                writer.removeAll()
                var announcing: [UInt32] = []
                for i in start..<end {
                    if case let .tick(t) = backlog[i], !announced.contains(t.asset.rawValue) {
                        announced.insert(t.asset.rawValue)
                        announcing.append(t.asset.rawValue)
                    }
                }
                for a in announcing {
                    writer.arrayHeader(3)
                    writer.argument("SADD")
                    writer.argument(RedisStreamLayout.assetsKey)
                    writer.argument(assets.name(of: AssetID(rawValue: a)))
                }
                let lists = payoutQueue
                payoutQueue.removeAll()
                for list in lists { encodePayouts(list) }
                for i in start..<end { encode(backlog[i]) }
                let appended: RedisError? = writer.bytes.withUnsafeBytes { bytes in
                    do throws(RedisError) { try connection.appendEncoded(bytes) } catch { return error }
                    return nil
                }
                if let appended { throw appended }
                inflight.append(InFlight(records: end - start, announces: announcing, payouts: lists))
                sentEnd = end
            }
            guard let batch = inflight.first else { return }
            var ticks = 0, candles = 0
            for _ in 0..<batch.announces.count { if let e = try connection.replyError() { refused(e) } }
            for _ in 0..<batch.payouts.count { if let e = try connection.replyError() { refused(e) } }
            for i in 0..<batch.records {
                if let e = try connection.replyError() { refused(e) }
                if case .tick = backlog[head + i] { ticks += 1 } else { candles += 1 }
                partial = i + 1
            }
            partial = 0
            inflight.removeFirst()
            head += batch.records
            counters.ticks.add(ticks, ordering: .relaxed)
            counters.candles.add(candles, ordering: .relaxed)
            counters.payoutLists.add(batch.payouts.count, ordering: .relaxed)
            counters.batches.add(1, ordering: .relaxed)
        } catch {
            // Records whose replies arrived are done; the rest of what was in flight is sent again.
            head += partial
            partial = 0
            for batch in inflight { for a in batch.announces { announced.remove(a) } }
            // Payout lists in flight are sent again (at least once, like the records).
            payoutQueue = inflight.flatMap(\.payouts) + payoutQueue
            inflight.removeAll()
            sentEnd = head
            self.connection = nil
            counters.connected.store(false, ordering: .relaxed)
            nextAttempt = monotonicNow() + backoff.delay()
            logger.warning(
                "Redis publisher lost its connection; backlog kept, reconnecting",
                metadata: ["error": "\(error.message)"])
            loggedDown = true
        }
        if head == backlog.count {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 1 << 16)
            head = 0
            sentEnd = 0
            publishBacklogCount()
        } else {
            publishBacklogCount()
            counters.waitingSinceBits.store(monotonicNow().bitPattern, ordering: .relaxed)
        }
    }

    private func refused(_ error: String) {
        let n = counters.errors.add(1, ordering: .relaxed).newValue
        if n == 1 || n % 10_000 == 0 {
            logger.error("Redis refused a write", metadata: ["error": "\(error)", "errors": "\(n)"])
        }
    }

    @inline(__always)
    private func encode(_ record: PublishRecord) {
        switch record {
        case let .tick(t):
            writer.raw(tickPrefix(t.asset))
            writer.argument(t.time)
            writer.argument("price")
            writer.argument(t.price)
        case let .candle(c):
            writer.raw(candlePrefix(c))
            writer.argument(c.start)
            writer.argument("open"); writer.argument(c.open)
            writer.argument("high"); writer.argument(c.high)
            writer.argument("low"); writer.argument(c.low)
            writer.argument("close"); writer.argument(c.close)
            writer.argument("volume"); writer.argument(Int64(c.ticks))
        }
    }

    /// `XADD qflux:payouts [MAXLEN ~ n] * time T <asset> <percent> …` for one list (an asset
    /// named `time` cannot be told from the time field: left out).
    private func encodePayouts(_ list: PayoutMailbox.List) {
        let rows = list.payouts.map { (name: assets.name(of: $0.asset), percent: $0.percent) }
            .filter { $0.name != "time" && $0.percent.isFinite }
        let maxLength = min(configuration.maxLength, RedisStreamLayout.payoutsMaxLength)
        let trim = configuration.maxLength > 0
        writer.arrayHeader(3 + (trim ? 3 : 0) + 2 + rows.count * 2)
        writer.argument("XADD")
        writer.argument(RedisStreamLayout.payoutsKey)
        if trim {
            writer.argument("MAXLEN")
            writer.argument("~")
            writer.argument(Int64(maxLength))
        }
        writer.argument("*")
        writer.argument("time")
        writer.argument(list.time)
        for row in rows {
            writer.argument(row.name)
            writer.argument(row.percent)
        }
    }

    /// `*N XADD key [MAXLEN ~ n] * time` for a tick of `asset`, cached.
    private func tickPrefix(_ asset: AssetID) -> [UInt8] {
        let i = Int(asset.rawValue)
        if i < tickPrefixes.count, let p = tickPrefixes[i] { return p }
        if i >= tickPrefixes.count {
            tickPrefixes.append(contentsOf: repeatElement(nil, count: i + 1 - tickPrefixes.count))
        }
        let p = prefix(key: RedisStreamLayout.ticksKey(assets.name(of: asset)), fieldPairs: 2)
        tickPrefixes[i] = p
        return p
    }

    private func candlePrefix(_ c: Candle) -> [UInt8] {
        let k = Int64(c.asset.rawValue) << 32 | Int64(c.timeframe.seconds)
        if let p = candlePrefixes[k] { return p }
        let p = prefix(key: RedisStreamLayout.candlesKey(c.timeframe, assets.name(of: c.asset)), fieldPairs: 6)
        candlePrefixes[k] = p
        return p
    }

    private func prefix(key: String, fieldPairs: Int) -> [UInt8] {
        var w = RESPWriter(capacity: 128)
        let trim = configuration.maxLength > 0
        w.arrayHeader(3 + (trim ? 3 : 0) + fieldPairs * 2)
        w.argument("XADD")
        w.argument(key)
        if trim {
            w.argument("MAXLEN")
            w.argument("~")
            w.argument(Int64(configuration.maxLength))
        }
        w.argument("*")
        w.argument("time")
        return w.bytes
    }
}
