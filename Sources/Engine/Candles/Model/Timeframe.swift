import Foundation

/// A candle period in whole seconds (5s … 1d).
@usableFromInline package struct Timeframe: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Length in seconds (> 0).
    @usableFromInline package let seconds: Int

    /// A timeframe of `seconds` (must be > 0).
    @usableFromInline package init(seconds: Int) {
        precondition(seconds > 0, "a timeframe is at least one second")
        self.seconds = seconds
    }

    /// The timeframes qflux offers by name.
    @usableFromInline package static let supported: [Timeframe] = [
        5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 14400, 86400,
    ]
    .map(Timeframe.init(seconds:))

    /// One minute, the default.
    @usableFromInline package static let oneMinute = Timeframe(seconds: 60)

    /// Parses `5s`, `1m`, `4h`, `1d` or a number of seconds (`60`).
    @usableFromInline package init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = t.last else { return nil }
        let multiplier: Int
        var digits = Substring(t)
        switch last {
        case "s": multiplier = 1; digits = digits.dropLast()
        case "m": multiplier = 60; digits = digits.dropLast()
        case "h": multiplier = 3600; digits = digits.dropLast()
        case "d": multiplier = 86400; digits = digits.dropLast()
        default: multiplier = 1
        }
        guard let n = Int(digits), n > 0, n <= 86400 * 7 / multiplier else { return nil }
        self.init(seconds: n * multiplier)
    }

    /// Short name: `5s`, `1m`, `4h`, `1d`.
    @usableFromInline package var description: String {
        if seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// Beyond this many seconds, ``start(of:)`` saturates (2^53: every Double up to it is exact).
    @usableFromInline static let largestTime = 9_007_199_254_740_992.0

    /// Start of the candle that contains `time` (epoch seconds): floor(t / period) · period.
    @inlinable
    package func start(of time: Double) -> Int64 {
        let p = Int64(seconds)
        // Callers pass sane times (`MarketLimits`); still, no Double may trap here: saturate.
        let bounded = time.isNaN ? 0 : min(max(time, -Self.largestTime), Self.largestTime)
        let whole = Int64(bounded.rounded(.down))
        // floor division for negative times too
        let q = whole >= 0 ? whole / p : -((-whole + p - 1) / p)
        return q * p
    }

    @usableFromInline package static func < (lhs: Timeframe, rhs: Timeframe) -> Bool { lhs.seconds < rhs.seconds }
}
