import FastDecode

/// One payout list as read from `qflux:payouts` (``RedisStreamLayout/payoutsKey``): the broker
/// time it is in force from, and each listed asset's payout percent, in the entry's order.
package struct PayoutListEntry: Sendable, Equatable {
    /// Epoch seconds, broker clock.
    package var time: Double
    /// Asset name and payout percent, in the entry's order.
    package var payouts: [(asset: String, percent: Double)]

    /// Creates a list.
    package init(time: Double, payouts: [(asset: String, percent: Double)]) {
        self.time = time
        self.payouts = payouts
    }

    package static func == (a: PayoutListEntry, b: PayoutListEntry) -> Bool {
        a.time == b.time
            && a.payouts.elementsEqual(b.payouts) { $0.asset == $1.asset && $0.percent == $1.percent }
    }
}

/// The bounds of a payout list entry, the decoder's own for `updateAssets` frames (the C shim's
/// asset_rows.cpp): at most ``maxAssets`` assets, each payout within ``percents``.
package enum PayoutEntryLimits {
    /// Assets one list may name (the shim parses at most this many rows of a frame).
    package static let maxAssets = 4096
    /// A payout percent outside this range is not a payout.
    package static let percents: ClosedRange<Double> = 0...1000
    /// The longest asset name accepted, in bytes.
    package static let maxNameLength = 64
}

extension StreamEntry {
    /// A payout list entry (`time`, then asset → percent), judged like the tick entries: every
    /// number must be plain decimal text (``DecimalField``: hex floats, `inf`, `nan`, garbage
    /// refused), the time sane (``MarketLimits/isSane(time:)``) and every percent within
    /// ``PayoutEntryLimits/percents``. Malformed as well: no `time` field or two, an empty or
    /// over-long asset name, more than ``PayoutEntryLimits/maxAssets`` assets.
    package var payoutVerdict: EntryVerdict<PayoutListEntry> {
        guard fields.count <= PayoutEntryLimits.maxAssets + 1 else { return .malformed }
        var time: Double?
        var timeFields = 0
        var payouts: [(asset: String, percent: Double)] = []
        payouts.reserveCapacity(fields.count)
        var absurd = false
        for field in fields {
            if field.name == "time" {
                timeFields += 1
                time = DecimalField.parse(field.value)
                continue
            }
            guard !field.name.isEmpty, field.name.utf8.count <= PayoutEntryLimits.maxNameLength,
                let percent = DecimalField.parse(field.value)
            else { return .malformed }
            if !PayoutEntryLimits.percents.contains(percent) { absurd = true }
            payouts.append((field.name, percent))
        }
        guard timeFields == 1, let time else { return .malformed }
        guard !absurd, MarketLimits.isSane(time: time) else { return .absurd }
        return .accepted(PayoutListEntry(time: time, payouts: payouts))
    }
}
