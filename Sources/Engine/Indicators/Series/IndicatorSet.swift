/// Several indicators fed the same candles, writing one row of numbers per candle.
///
/// Columns follow the specs' order (see `IndicatorSpec.columns`); a value not yet available is NaN.
/// Indicators are kept in one array per type and updated in place (no per-candle copies).
package struct IndicatorSet: Sendable {
    /// The specs, in column order.
    package let specs: [IndicatorSpec]
    /// All output column names.
    package let columns: [String]
    private var storage = Storage()
    /// Timestamp of the last committed candle.
    package private(set) var lastTimestamp: Double?

    /// Indicators grouped by type, each with the offset of its first output column.
    private struct Storage: Sendable {
        var sma: [(SMA, Int)] = []
        var ema: [(EMA, Int)] = []
        var wma: [(WMA, Int)] = []
        var rsi: [(RSI, Int)] = []
        var macd: [(MACD, Int)] = []
        var bbands: [(BollingerBands, Int)] = []
        var stoch: [(Stochastic, Int)] = []
        var atr: [(ATR, Int)] = []
        var cci: [(CCI, Int)] = []
        var willr: [(WilliamsR, Int)] = []
        var roc: [(ROC, Int)] = []
        var adx: [(ADX, Int)] = []
        var supertrend: [(SuperTrend, Int)] = []
        var demarker: [(DeMarker, Int)] = []
        var stc: [(SchaffTrendCycle, Int)] = []
    }

    /// Creates fresh indicators for `specs`.
    package init(_ specs: [IndicatorSpec]) {
        self.specs = specs
        columns = specs.flatMap(\.columns)
        var at = 0
        for s in specs {
            switch s.makeIndicator() {
            case .sma(let x): storage.sma.append((x, at))
            case .ema(let x): storage.ema.append((x, at))
            case .wma(let x): storage.wma.append((x, at))
            case .rsi(let x): storage.rsi.append((x, at))
            case .macd(let x): storage.macd.append((x, at))
            case .bbands(let x): storage.bbands.append((x, at))
            case .stoch(let x): storage.stoch.append((x, at))
            case .atr(let x): storage.atr.append((x, at))
            case .cci(let x): storage.cci.append((x, at))
            case .willr(let x): storage.willr.append((x, at))
            case .roc(let x): storage.roc.append((x, at))
            case .adx(let x): storage.adx.append((x, at))
            case .supertrend(let x): storage.supertrend.append((x, at))
            case .demarker(let x): storage.demarker.append((x, at))
            case .stc(let x): storage.stc.append((x, at))
            case .idle: break
            }
            at += s.columns.count
        }
    }

    /// Parses `spec` (see `IndicatorSpecParser`) and creates the indicators.
    package init(spec: String) throws(IndicatorSpecError) {
        self.init(try IndicatorSpecParser.parse(spec))
    }

    /// Commits a closed candle, writing the outputs into `row` (resized to `columns.count`).
    /// A candle not newer than the last committed one is ignored (returns false, `row` untouched).
    @discardableResult
    package mutating func push(_ c: AnalysisCandle, into row: inout [Double]) -> Bool {
        if let last = lastTimestamp, c.timestamp <= last { return false }
        if row.count != columns.count { row = [Double](repeating: .nan, count: columns.count) }
        for i in storage.sma.indices { row[storage.sma[i].1] = storage.sma[i].0.push(c) ?? .nan }
        for i in storage.ema.indices { row[storage.ema[i].1] = storage.ema[i].0.push(c) ?? .nan }
        for i in storage.wma.indices { row[storage.wma[i].1] = storage.wma[i].0.push(c) ?? .nan }
        for i in storage.rsi.indices { row[storage.rsi[i].1] = storage.rsi[i].0.push(c) ?? .nan }
        for i in storage.macd.indices { Self.write(storage.macd[i].0.push(c), &row, storage.macd[i].1) }
        for i in storage.bbands.indices { Self.write(storage.bbands[i].0.push(c), &row, storage.bbands[i].1) }
        for i in storage.stoch.indices { Self.write(storage.stoch[i].0.push(c), &row, storage.stoch[i].1) }
        for i in storage.atr.indices { row[storage.atr[i].1] = storage.atr[i].0.push(c) ?? .nan }
        for i in storage.cci.indices { row[storage.cci[i].1] = storage.cci[i].0.push(c) ?? .nan }
        for i in storage.willr.indices { row[storage.willr[i].1] = storage.willr[i].0.push(c) ?? .nan }
        for i in storage.roc.indices { row[storage.roc[i].1] = storage.roc[i].0.push(c) ?? .nan }
        for i in storage.adx.indices { row[storage.adx[i].1] = storage.adx[i].0.push(c) ?? .nan }
        for i in storage.supertrend.indices {
            Self.write(storage.supertrend[i].0.push(c), &row, storage.supertrend[i].1)
        }
        for i in storage.demarker.indices { row[storage.demarker[i].1] = storage.demarker[i].0.push(c) ?? .nan }
        for i in storage.stc.indices { row[storage.stc[i].1] = storage.stc[i].0.push(c) ?? .nan }
        lastTimestamp = c.timestamp
        return true
    }

    /// Writes the outputs a still-forming candle would give, without changing anything.
    package func preview(_ c: AnalysisCandle, into row: inout [Double]) {
        if row.count != columns.count { row = [Double](repeating: .nan, count: columns.count) }
        for (x, o) in storage.sma { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.ema { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.wma { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.rsi { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.macd { Self.write(x.preview(c), &row, o) }
        for (x, o) in storage.bbands { Self.write(x.preview(c), &row, o) }
        for (x, o) in storage.stoch { Self.write(x.preview(c), &row, o) }
        for (x, o) in storage.atr { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.cci { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.willr { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.roc { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.adx { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.supertrend { Self.write(x.preview(c), &row, o) }
        for (x, o) in storage.demarker { row[o] = x.preview(c) ?? .nan }
        for (x, o) in storage.stc { row[o] = x.preview(c) ?? .nan }
    }

    private static func write(_ v: MACD.Value?, _ row: inout [Double], _ o: Int) {
        row[o] = v?.macd ?? .nan
        row[o + 1] = v?.signal ?? .nan
        row[o + 2] = v?.hist ?? .nan
    }

    private static func write(_ v: BollingerBands.Value?, _ row: inout [Double], _ o: Int) {
        row[o] = v?.upper ?? .nan
        row[o + 1] = v?.middle ?? .nan
        row[o + 2] = v?.lower ?? .nan
    }

    private static func write(_ v: Stochastic.Value?, _ row: inout [Double], _ o: Int) {
        row[o] = v?.k ?? .nan
        row[o + 1] = v?.d ?? .nan
    }

    private static func write(_ v: SuperTrend.Value?, _ row: inout [Double], _ o: Int) {
        row[o] = v?.value ?? .nan
        row[o + 1] = v?.direction ?? .nan
    }
}
