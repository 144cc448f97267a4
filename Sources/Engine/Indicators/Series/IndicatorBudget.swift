/// What one indicators request (a server `calculate_indicators`, a `qflux indicators` run) may
/// cost, checked from the specs and the candle count **before** anything is allocated.
///
/// - `maxInstances`: indicator instances (specs) per request.
/// - `maxBytes`: the estimated memory of the indicators' windows (each sized by
///   min(period, candles): a window longer than the series only ever holds the series), the rows
///   kept and their text.
/// - `maxUpdates`: the estimated work: one update per candle and indicator, CCI's O(period)
///   updates counted as such.
/// - `maxReplyBytes`: the estimated text of the kept rows (a server reply must fit the client's
///   outbound byte budget, 4 MiB by default, or the client is cut for it).
///
/// 1,100 × `willr(100000)` is refused by the instance cap; 64 × `cci(100000)` over a million
/// candles by the work bound; 64 × `macd` over 100,000 kept rows by the memory bound. The refusal
/// names the limit (``IndicatorBudgetError``).
package struct IndicatorBudget: Sendable, Equatable {
    /// Indicator instances per request.
    package var maxInstances: Int
    /// Estimated bytes of state, kept rows and their text.
    package var maxBytes: Int
    /// Estimated indicator updates.
    package var maxUpdates: Int
    /// Estimated text of the kept rows.
    package var maxReplyBytes: Int

    /// A budget.
    package init(maxInstances: Int, maxBytes: Int, maxUpdates: Int, maxReplyBytes: Int = .max) {
        self.maxInstances = maxInstances
        self.maxBytes = maxBytes
        self.maxUpdates = maxUpdates
        self.maxReplyBytes = maxReplyBytes
    }

    /// One server request (`calculate_indicators`): 64 instances, 64 MiB, 50 M updates (about a
    /// second of the analysis queue), a 2 MiB reply (half a client's default byte budget).
    package static let serverRequest = serverRequest(maxReplyBytes: 2 << 20)

    /// One server request whose reply may be `maxReplyBytes` long: the server passes half the
    /// client's byte budget (`--client-budget-kb`), so a larger budget allows longer series and
    /// no budget (0) none but the memory and work bounds.
    package static func serverRequest(maxReplyBytes: Int) -> IndicatorBudget {
        IndicatorBudget(
            maxInstances: 64, maxBytes: 64 << 20, maxUpdates: 50_000_000, maxReplyBytes: maxReplyBytes)
    }

    /// One `qflux indicators` run: 256 instances, 1 GiB estimated (the rows and their text
    /// included; the command holds the text about twice more while writing it: measured 352 MB
    /// peak RSS for an estimate of 195 MB, 200,000 rows × 19 columns), 2 G updates.
    package static let commandLine = IndicatorBudget(maxInstances: 256, maxBytes: 1 << 30, maxUpdates: 2_000_000_000)

    /// Estimated cost of computing `specs` over `candles` candles, keeping `keptRows` rows.
    package struct Estimate: Sendable, Equatable {
        /// Bytes of indicator state, kept rows and their text.
        package var bytes: Int
        /// Indicator updates.
        package var updates: Int
        /// Text of the kept rows (a reply's `series`).
        package var replyBytes: Int
    }

    /// Bytes per kept cell: the row's `Double?` (16) and its text in the output (up to ~32).
    static let bytesPerCell = 48
    /// Bytes per kept row besides its cells: the row array and the timestamp.
    static let bytesPerRow = 64
    /// Bytes of an indicator besides its windows.
    static let bytesPerInstance = 512
    /// Reply text per kept row and instance (`{"time":1756866000,` and punctuation) and per
    /// output value (`"value":-12.345678901234567,`).
    static let replyBytesPerPoint = 24
    static let replyBytesPerValue = 24

    /// The estimate for `specs` over `candles` candles with `keptRows` rows kept.
    package static func estimate(_ specs: [IndicatorSpec], candles: Int, keptRows: Int) -> Estimate {
        let n = max(candles, 0)
        var bytes = 0
        var updates = 0
        var columns = 0
        for spec in specs {
            columns += spec.kind.outputs.count
            bytes = saturatingAdd(bytes, bytesPerInstance)
            for (length, slotBytes) in spec.windows {
                // Storage grows by doubling up to min(length, candles + 1) slots.
                bytes = saturatingAdd(bytes, 2 * min(length, n + 1) * slotBytes)
            }
            updates = saturatingAdd(updates, spec.updates(candles: n))
        }
        let rows = max(0, min(keptRows, n))
        let (cells, o1) = rows.multipliedReportingOverflow(by: columns)
        let (cellBytes, o2) = cells.multipliedReportingOverflow(by: bytesPerCell)
        bytes = o1 || o2 ? .max : saturatingAdd(bytes, cellBytes)
        bytes = saturatingAdd(bytes, rows * bytesPerRow)
        let (perRow, o3) = (specs.count * replyBytesPerPoint).addingReportingOverflow(columns * replyBytesPerValue)
        let (reply, o4) = rows.multipliedReportingOverflow(by: perRow)
        return Estimate(bytes: bytes, updates: updates, replyBytes: o3 || o4 ? .max : reply)
    }

    /// Nil when `specs` over `candles` candles (keeping `keptRows` rows) fit, else the limit they pass.
    package func check(_ specs: [IndicatorSpec], candles: Int, keptRows: Int) -> IndicatorBudgetError? {
        if let e = checkInstances(specs.count) { return e }
        let e = Self.estimate(specs, candles: candles, keptRows: keptRows)
        if e.bytes > maxBytes {
            return IndicatorBudgetError(
                "\(specs.count) indicators over \(candles) candles would need about \(megabytes(e.bytes)) MB, more than the \(megabytes(maxBytes)) MB allowed per request (fewer indicators, shorter periods or fewer points)"
            )
        }
        if e.updates > maxUpdates {
            return IndicatorBudgetError(
                "\(specs.count) indicators over \(candles) candles would take about \(e.updates) updates, more than the \(maxUpdates) allowed per request (fewer indicators, shorter periods or fewer candles)"
            )
        }
        if e.replyBytes > maxReplyBytes {
            return IndicatorBudgetError(
                "\(specs.count) indicators over \(min(keptRows, candles)) points would make a reply of about \(megabytes(e.replyBytes)) MB, more than the \(megabytes(maxReplyBytes)) MB allowed per request (ask fewer points with limit, or fewer indicators)"
            )
        }
        return nil
    }

    /// Nil when `count` instances are allowed, else the refusal naming the cap.
    package func checkInstances(_ count: Int) -> IndicatorBudgetError? {
        count > maxInstances
            ? IndicatorBudgetError("\(count) indicator instances, more than the \(maxInstances) allowed per request")
            : nil
    }

    private func megabytes(_ bytes: Int) -> Int { bytes == .max ? Int.max >> 20 : (bytes + (1 << 20) - 1) >> 20 }
}

/// A request over its ``IndicatorBudget``: `message` names the limit.
package struct IndicatorBudgetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What limit was passed, by how much.
    package var message: String

    /// An error.
    package init(_ message: String) { self.message = message }

    /// The message.
    package var description: String { message }
}

@inline(__always)
private func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (s, o) = a.addingReportingOverflow(b)
    return o ? .max : s
}

extension IndicatorSpec {
    /// The indicator's windows: (slots, bytes per slot) of each buffer sized by a period (see
    /// the kinds' `DoubleRing` / `WindowExtreme` / slot arrays).
    var windows: [(Int, Int)] {
        // Only whole-number parameters (≤ 100,000, checked by the spec) are periods.
        switch kind {
        case .sma, .cci, .wma, .roc: return [(int(0), 8)]
        case .demarker: return [(int(0), 8), (int(0), 8)]
        case .stc: return [(int(2) + 1, 16), (int(2) + 1, 16), (int(3) + 1, 16), (int(3) + 1, 16)]
        case .bbands: return [(int(0), 8), (int(0), 8)]
        case .willr: return [(int(0) + 1, 16), (int(0) + 1, 16)]
        case .stoch: return [(int(0) + 1, 16), (int(0) + 1, 16), (int(1), 8), (int(2), 8)]
        case .ema, .rsi, .macd, .atr, .adx, .supertrend: return []
        }
    }

    /// Updates to push `candles` candles: one each, CCI's mean deviation O(period) once it is full.
    func updates(candles n: Int) -> Int {
        guard kind == .cci else { return n }
        let p = int(0)
        let full = max(0, n - p + 1)
        let (work, o) = full.multipliedReportingOverflow(by: 2 * p)
        return o ? .max : saturatingAdd(n, work)
    }
}
