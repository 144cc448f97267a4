import Archive
import TextWriters

/// The journal as one entry per signal: its result when scored, else the signal alone.
package struct SignalJournalEntry: Sendable, Equatable {
    /// The signal's record (with its outcome when scored).
    package var record: SignalRecord

    /// Reads the journal under `directory` and merges each signal with its result, ordered by
    /// time, asset, strategy; filtered by strategy, asset and a start time (epoch seconds).
    package static func load(
        directory: String, strategy: String? = nil, asset: String? = nil, since: Int64? = nil
    ) throws(ArchiveError) -> (entries: [SignalJournalEntry], chunks: Int, damaged: Int) {
        let journal = try SignalJournalReader.read(directory: directory)
        let entries = merged(journal.records, strategy: strategy, asset: asset, since: since)
        return (entries, journal.chunks, journal.damaged)
    }

    /// Journal records (in reading order) merged per signal – its result when scored – ordered by
    /// time, asset, strategy; filtered by strategy, asset and a start time (epoch seconds).
    package static func merged(
        _ records: [SignalRecord], strategy: String? = nil, asset: String? = nil, since: Int64? = nil
    ) -> [SignalJournalEntry] {
        struct Key: Hashable {
            var asset: String
            var strategy: String
            var timeframe: Int
            var time: Int64
            var isCall: Bool
        }
        var index: [Key: Int] = [:]
        var entries: [SignalJournalEntry] = []
        for r in records {
            if let strategy, r.strategy != strategy { continue }
            if let asset, r.asset != asset { continue }
            if let since, r.time < since { continue }
            let key = Key(asset: r.asset, strategy: r.strategy, timeframe: r.timeframe, time: r.time, isCall: r.isCall)
            if let k = index[key] {
                if r.outcome != nil { entries[k].record = r }
            } else {
                index[key] = entries.count
                entries.append(SignalJournalEntry(record: r))
            }
        }
        entries.sort {
            ($0.record.time, $0.record.asset, $0.record.strategy) < (
                $1.record.time, $1.record.asset, $1.record.strategy
            )
        }
        return entries
    }

    /// How many of `entries` (sorted) one page of at most `limit` shows: a page never splits one
    /// second (it ends before the first second it cannot show whole), unless that second is its
    /// first – then it shows the whole second, over `limit`.
    package static func pageCount(_ entries: [SignalJournalEntry], limit: Int) -> Int {
        var shown = min(limit, entries.count)
        if shown < entries.count {
            let cut = entries[shown].record.time
            while shown > 0 && entries[shown - 1].record.time == cut { shown -= 1 }
            if shown == 0 {  // more than `limit` signals in one second: show them all
                while shown < entries.count && entries[shown].record.time == cut { shown += 1 }
            }
        }
        return shown
    }

    /// The export line: `{asset, timeframe, strategy, time, direction, entry_price, exit_price, won,
    /// profit, payout, expiry, confidence}` (exit_price, won and profit null while not scored;
    /// payout the payout in force or null; confidence the strategy's, as in the live `signal`
    /// event, or null where it defines none).
    package func jsonLine(into w: inout JSONWriter) {
        let r = record
        w.raw("{")
        w.key("asset")
        w.string(r.asset)
        w.comma()
        w.key("timeframe")
        w.integer(Int64(r.timeframe))
        w.comma()
        w.key("strategy")
        w.string(r.strategy)
        w.comma()
        w.key("time")
        w.integer(r.time)
        w.comma()
        w.key("direction")
        w.raw(r.isCall ? "\"call\"" : "\"put\"")
        w.comma()
        w.key("entry_price")
        w.number(r.entryPrice)
        w.comma()
        w.key("exit_price")
        if let o = r.outcome { w.number(o.exitPrice) } else { w.raw("null") }
        w.comma()
        w.key("won")
        if let o = r.outcome { w.raw(o.won ? "true" : "false") } else { w.raw("null") }
        w.comma()
        w.key("profit")
        if let o = r.outcome { w.number(o.profit) } else { w.raw("null") }
        w.comma()
        w.key("payout")
        if let p = r.payout { w.number(p) } else { w.raw("null") }
        w.comma()
        w.key("expiry")
        w.integer(Int64(r.expiry))
        w.comma()
        w.key("confidence")
        if let c = r.confidence { w.number(c) } else { w.raw("null") }
        w.raw("}")
        w.newline()
    }
}
