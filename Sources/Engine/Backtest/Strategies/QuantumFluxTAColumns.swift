import Indicators

/// The votes of `quantum_flux_ta`'s indicators at every candle, for many parameter sets at once:
/// each distinct indicator (RSI of one period with its levels, one MACD, one set of Bollinger
/// bands, one pair of EMAs) is computed once and its votes kept as one byte per candle
/// (``StoredVote``), then each parameter set's signals are a table look-up per candle
/// (``QuantumFluxTAScoreTable``).
///
/// The indicators are the ones ``QuantumFluxTAStepper`` pushes, pushed over the same candles in
/// the same order, and the votes and scores go through the same functions
/// (``QuantumFluxTAVote``): `signals(for:window:)` equals ``QuantumFluxTA/signals(for:window:)``
/// signal for signal.
package struct QuantumFluxTAColumns: Sendable {
    /// An RSI's period and levels.
    package struct RSIKey: Hashable, Sendable {
        var period: Int
        var low: Double
        var high: Double
    }

    /// A MACD's periods.
    package struct MACDKey: Hashable, Sendable {
        var fast: Int
        var slow: Int
        var signal: Int
    }

    /// Bollinger bands' period and multiplier.
    package struct BandsKey: Hashable, Sendable {
        var period: Int
        var k: Double
    }

    /// An EMA pair's periods.
    package struct EMAKey: Hashable, Sendable {
        var fast: Int
        var slow: Int
    }

    /// One column of stored votes, one byte per candle; written by one job, read-only after.
    package final class Column: @unchecked Sendable {
        // @unchecked: the bytes are written only by the job that creates the column, before it
        // is published (the end of a concurrentPerform orders the writes before every read).
        let bytes: UnsafeMutableBufferPointer<UInt8>

        init(count: Int) {
            bytes = .allocate(capacity: count)
            bytes.initialize(repeating: StoredVote.missing)
        }

        deinit { bytes.deallocate() }
    }

    /// What one job computes: one indicator over every candle, the votes of each key it serves.
    package enum Job: Sendable {
        /// One RSI period, for every pair of levels swept with it.
        case rsi(period: Int, levels: [RSIKey])
        /// One MACD.
        case macd(MACDKey)
        /// One set of bands.
        case bands(BandsKey)
        /// One pair of EMAs.
        case ema(EMAKey)

        /// Rough cost per candle, for running the dearest jobs first.
        var weight: Int {
            switch self {
            case .bands: return 5
            case .macd: return 4
            case .rsi(_, let levels): return 2 + levels.count / 4
            case .ema: return 1
            }
        }
    }

    private var rsi: [RSIKey: Column] = [:]
    private var macd: [MACDKey: Column] = [:]
    private var bands: [BandsKey: Column] = [:]
    private var ema: [EMAKey: Column] = [:]
    /// Number of candles.
    package let count: Int

    /// Columns for `count` candles, none computed yet.
    package init(count: Int) { self.count = count }

    /// The four columns parameter set `p` reads.
    package static func keys(_ p: QuantumFluxTA.Parameters) -> (RSIKey, MACDKey, BandsKey, EMAKey) {
        (
            RSIKey(period: p.rsiPeriod, low: p.rsiLow, high: p.rsiHigh),
            MACDKey(fast: p.macdFast, slow: p.macdSlow, signal: p.macdSignal),
            BandsKey(period: p.bbandsPeriod, k: p.bbandsK), EMAKey(fast: p.emaFast, slow: p.emaSlow)
        )
    }

    /// The jobs that compute every column `sets` need, dearest first (RSI levels of one period
    /// share a job).
    package static func jobs(for sets: [QuantumFluxTA.Parameters]) -> [Job] {
        var rsiLevels: [Int: [RSIKey]] = [:]
        var rsiSeen = Set<RSIKey>()
        var macd: [MACDKey] = []
        var macdSeen = Set<MACDKey>()
        var bands: [BandsKey] = []
        var bandsSeen = Set<BandsKey>()
        var ema: [EMAKey] = []
        var emaSeen = Set<EMAKey>()
        var rsiOrder: [Int] = []
        for p in sets {
            let (r, m, b, e) = keys(p)
            if rsiSeen.insert(r).inserted {
                if rsiLevels[r.period] == nil { rsiOrder.append(r.period) }
                rsiLevels[r.period, default: []].append(r)
            }
            if macdSeen.insert(m).inserted { macd.append(m) }
            if bandsSeen.insert(b).inserted { bands.append(b) }
            if emaSeen.insert(e).inserted { ema.append(e) }
        }
        let all: [Job] =
            bands.map { .bands($0) } + macd.map { .macd($0) }
            + rsiOrder.map { .rsi(period: $0, levels: rsiLevels[$0]!) } + ema.map { .ema($0) }
        // Stable: equal weights keep their order.
        return all.enumerated().sorted { a, b in
            a.element.weight != b.element.weight ? a.element.weight > b.element.weight : a.offset < b.offset
        }.map(\.element)
    }

    /// Number of columns a job makes.
    package static func columnCount(_ job: Job) -> Int {
        if case .rsi(_, let levels) = job { return levels.count }
        return 1
    }

    /// The columns of one job, computed over `candles` (any thread).
    package static func compute(_ job: Job, candles: [AnalysisCandle]) -> Computed {
        let n = candles.count
        switch job {
        case .rsi(let period, let levels):
            let columns = levels.map { _ in Column(count: n) }
            var indicator = RSI(period: period)
            let pairs = levels.map { ($0.low, $0.high) }
            let outs = columns.map(\.bytes)
            candles.withUnsafeBufferPointer { cs in
                for i in 0..<n {
                    guard let r = indicator.push(cs[i]) else { continue }
                    for k in 0..<pairs.count {
                        outs[k][i] = StoredVote.store(QuantumFluxTAVote.rsi(r, low: pairs[k].0, high: pairs[k].1))
                    }
                }
            }
            return .rsi(Array(zip(levels, columns)))
        case .macd(let key):
            let column = Column(count: n)
            var indicator = MACD(fast: key.fast, slow: key.slow, signal: key.signal)
            let out = column.bytes
            candles.withUnsafeBufferPointer { cs in
                for i in 0..<n {
                    guard let m = indicator.push(cs[i]) else { continue }
                    out[i] = StoredVote.store(QuantumFluxTAVote.macd(m.hist))
                }
            }
            return .macd(key, column)
        case .bands(let key):
            let column = Column(count: n)
            var indicator = BollingerBands(period: key.period, up: key.k, down: key.k)
            let out = column.bytes
            candles.withUnsafeBufferPointer { cs in
                for i in 0..<n {
                    let c = cs[i]
                    guard let b = indicator.push(c) else { continue }
                    out[i] = StoredVote.store(QuantumFluxTAVote.bands(close: c.close, lower: b.lower, upper: b.upper))
                }
            }
            return .bands(key, column)
        case .ema(let key):
            let column = Column(count: n)
            var fast = EMA(period: key.fast)
            var slow = EMA(period: key.slow)
            let out = column.bytes
            candles.withUnsafeBufferPointer { cs in
                for i in 0..<n {
                    let c = cs[i]
                    // Both pushed at every candle, as the stepper does, before either is read.
                    let f = fast.push(c)
                    let s = slow.push(c)
                    guard let f, let s else { continue }
                    out[i] = StoredVote.store(QuantumFluxTAVote.ema(fast: f, slow: s))
                }
            }
            return .ema(key, column)
        }
    }

    /// A job's result.
    package enum Computed: Sendable {
        /// RSI columns by levels.
        case rsi([(RSIKey, Column)])
        /// A MACD column.
        case macd(MACDKey, Column)
        /// A bands column.
        case bands(BandsKey, Column)
        /// An EMA column.
        case ema(EMAKey, Column)
    }

    /// Keeps a job's columns.
    package mutating func add(_ computed: Computed) {
        switch computed {
        case .rsi(let list): for (k, c) in list { rsi[k] = c }
        case .macd(let k, let c): macd[k] = c
        case .bands(let k, let c): bands[k] = c
        case .ema(let k, let c): ema[k] = c
        }
    }

    /// The signals of parameter set `p` at every candle (nil before `window` and before every
    /// indicator has a value), or nil when a column it needs was not computed.
    package func signals(for p: QuantumFluxTA.Parameters, window: Int) -> [TradeSignal?]? {
        let (rk, mk, bk, ek) = Self.keys(p)
        guard let rc = rsi[rk], let mc = macd[mk], let bc = bands[bk], let ec = ema[ek] else { return nil }
        let n = count
        var out = [TradeSignal?](repeating: nil, count: n)
        let start = Swift.max(0, window)
        guard start < n else { return out }
        let table = QuantumFluxTAScoreTable(threshold: p.threshold)
        withExtendedLifetime((rc, mc, bc, ec)) {
            let (r, m, b, e) = (rc.bytes, mc.bytes, bc.bytes, ec.bytes)
            table.signals.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    for i in start..<n {
                        o[i] = t[Int(r[i]) << 6 | Int(m[i]) << 4 | Int(b[i]) << 2 | Int(e[i])]
                    }
                }
            }
        }
        return out
    }
}
