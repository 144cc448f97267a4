import Candles
import FastDecode
import Indicators
import Synchronization
import TextWriters
import ThreadSupport

/// One shared live computation: a spec set on one asset × timeframe, fed every candle update of
/// that pair, and the clients that receive its `indicator_update`s. Network thread only, except
/// ``seed``, which the worker fills.
///
/// The still-forming candle is revised in place (``IndicatorSet/preview(_:into:)``, no drift); a
/// candle with a newer start commits the forming one first. Until the worker's seed (history) has
/// landed, updates are kept (bounded) and replayed onto it, so values are right from the first
/// update sent.
final class LiveIndicatorStream {
    /// The asset × timeframe.
    let pair: SubscriptionKey
    /// The specs, in canonical order (the order of ``outputs``).
    let specs: [IndicatorSpec]
    /// Output names, e.g. `ema_20`, `macd_12_26_9_signal`.
    let outputs: [String]
    /// Where the worker leaves the seeded state.
    let seed = LiveIndicatorSeedSlot()
    /// Who receives the updates (dead sessions are pruned lazily by the hub).
    var subscribers: [ClientSession] = []
    /// Set when a dead subscriber was met while sending.
    var hasDeadSubscribers = false

    private var indicators: IndicatorSet?
    /// The candle being formed (its values are previews), nil before the first.
    private var forming: AnalysisCandle?
    /// Updates that arrived before the seed (newest per start, oldest first).
    private var early: [AnalysisCandle] = []
    /// The newest values, one per output (NaN = not yet available).
    private(set) var row: [Double]
    /// `42["indicator_update",{"asset":…,"timeframe":…,"timestamp":`
    private let framePrefix: [UInt8]
    /// `,"values":{"ema_20":`, then `,"rsi_14":`, …
    private let valueKeys: [[UInt8]]
    private let frameCapacity: Int

    /// Updates kept while the seed is computed (a seed takes one history read: milliseconds).
    static let earlyLimit = 64

    /// The peer address of the client that started it (the per-address share counts it there).
    let creatorAddress: String

    init(pair: SubscriptionKey, assetName: String, specs: [IndicatorSpec], creatorAddress: String = "") {
        self.pair = pair
        self.creatorAddress = creatorAddress
        self.specs = specs
        outputs = specs.flatMap(\.columns)
        row = [Double](repeating: .nan, count: outputs.count)
        var w = JSONWriter(capacity: 96)
        w.raw("42[\"indicator_update\",{\"asset\":"); w.string(assetName)
        w.raw(",\"timeframe\":"); w.string(Timeframe(seconds: pair.seconds).description)
        w.raw(",\"timestamp\":")
        framePrefix = w.bytes
        valueKeys = outputs.enumerated().map { i, name in
            var k = JSONWriter(capacity: name.utf8.count + 16)
            if i == 0 { k.raw(",\"values\":{") } else { k.comma() }
            k.string(name); k.raw(":")
            return k.bytes
        }
        frameCapacity = framePrefix.count + valueKeys.reduce(0) { $0 + $1.count + 24 } + 32
    }

    /// Whether the seed has been installed.
    var isSeeded: Bool { indicators != nil }

    /// Takes one candle update of the pair; true when ``row`` holds values to send for it.
    func advance(_ c: AnalysisCandle) -> Bool {
        if indicators == nil {
            guard let s = seed.take() else {
                keepEarly(c)
                return false
            }
            indicators = s.set
            forming = s.forming
            for e in early { _ = apply(e) }
            early = []
        }
        return apply(c)
    }

    private func apply(_ c: AnalysisCandle) -> Bool {
        if let f = forming {
            if c.timestamp > f.timestamp {
                indicators!.push(f, into: &row)
            } else if c.timestamp < f.timestamp {
                return false  // a late revision of a candle already closed: its values stand
            }
        } else if let last = indicators!.lastTimestamp, c.timestamp <= last {
            return false
        }
        forming = c
        indicators!.preview(c, into: &row)
        return true
    }

    private func keepEarly(_ c: AnalysisCandle) {
        if let last = early.last, last.timestamp == c.timestamp {
            early[early.count - 1] = c
        } else if early.last.map({ c.timestamp > $0.timestamp }) ?? true {
            if early.count == Self.earlyLimit { early.removeFirst() }
            early.append(c)
        }
    }

    /// The `indicator_update` frame of the current ``row`` for the candle starting at `start`:
    /// `42["indicator_update",{"asset","timeframe","timestamp","values":{name: number|null}}]`.
    func frame(start: Int64) -> [UInt8] {
        var w = JSONWriter(capacity: frameCapacity)
        w.raw(framePrefix)
        w.integer(start)
        if valueKeys.isEmpty { w.raw(",\"values\":{") }
        for i in valueKeys.indices {
            w.raw(valueKeys[i])
            w.number(row[i])  // NaN (before the lookback) is written as null
        }
        w.raw("}}]")
        return w.bytes
    }
}

/// The state a stream starts from: history's closed candles committed, its last candle forming.
struct LiveIndicatorSeed: Sendable {
    var set: IndicatorSet
    var forming: AnalysisCandle?
}

/// Handoff of a ``LiveIndicatorSeed`` from the worker to the network thread: filled once; read
/// (one atomic load per update) only until it has been taken.
final class LiveIndicatorSeedSlot: Sendable {
    private let value = Locked<LiveIndicatorSeed?>(nil)
    private let filled = Atomic<Bool>(false)

    /// Worker: leaves the seed.
    func fill(_ seed: LiveIndicatorSeed) {
        value.withLock { $0 = seed }
        filled.store(true, ordering: .releasing)
    }

    /// Network thread: the seed, once it is there (the slot is emptied).
    func take() -> LiveIndicatorSeed? {
        guard filled.load(ordering: .acquiring) else { return nil }
        return value.withLock { s in
            defer { s = nil }
            return s
        }
    }
}

extension AnalysisCandle {
    /// A server candle as the indicators see it: start time, OHLC, volume 1000 (as `qflux
    /// indicators` reads candles from an archive).
    init(live c: Candle) {
        self.init(timestamp: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close)
    }
}
