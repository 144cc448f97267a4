import FastDecode
import Foundation

/// The payout in force for an asset at a time, from an archive's `payouts` records (the broker's
/// `updateAssets` lists, archived as ``ArchiveKind/payouts``; see docs/archive-format.md).
///
/// A payout is in force from its record's time until the asset's next record. Before an asset's
/// first record, or for an asset the tape never saw, there is no payout (nil): callers fall back
/// to their fixed payout. Asset names match exactly, else case- and punctuation-insensitively
/// (`EURUSD_OTC` finds `EURUSD_otc`). Immutable once built; safe to share between threads.
package struct PayoutTape: Sendable {
    /// One change of an asset's payout.
    package struct Entry: Sendable, Equatable {
        /// Epoch seconds (broker clock) from which the payout is in force.
        package var time: Double
        /// The payout as a fraction of the stake (the broker's percent / 100: 79 → 0.79).
        package var payout: Double

        /// Creates an entry.
        package init(time: Double, payout: Double) {
            self.time = time
            self.payout = payout
        }
    }

    /// Entries per asset (broker spelling), sorted by time; equal times keep the last.
    package let entries: [String: [Entry]]
    private let looseNames: [String: String]

    /// A tape from entries per asset (any order; sorted here).
    package init(entries: [String: [Entry]]) {
        var sorted: [String: [Entry]] = [:]
        var loose: [String: String] = [:]
        for (asset, list) in entries {
            var byTime: [Entry] = []
            // Stable by time; a later entry at the same time replaces the earlier one.
            for e in list.enumerated().sorted(by: { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) })
                .map(\.element)
            {
                if let last = byTime.last, last.time == e.time {
                    byTime[byTime.count - 1] = e
                } else {
                    byTime.append(e)
                }
            }
            sorted[asset] = byTime
            let key = AssetDirectory.looseKey(asset)
            if loose[key] == nil || asset < loose[key]! { loose[key] = asset }
        }
        self.entries = sorted
        self.looseNames = loose
    }

    /// Reads every `payouts` chunk under an archive directory (`<asset>/payouts/*.qfa.lz4`, open
    /// chunks included). Throws when `directory` is not a readable directory or a chunk is not a
    /// qflux chunk; damaged chunks give the records before the damage (as every reader does).
    package static func load(directory: String) throws(ArchiveError) -> PayoutTape {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ArchiveError(.read, path: directory, detail: "no such archive directory") }
        guard (try? FileManager.default.contentsOfDirectory(atPath: directory)) != nil else {
            throw ArchiveError(.read, path: directory, detail: "cannot list the directory")
        }
        var entries: [String: [Entry]] = [:]
        for (asset, list) in try records(directory: directory) {
            entries[asset] = list.map { Entry(time: $0.time, payout: $0.percent / 100) }
        }
        return PayoutTape(entries: entries)
    }

    /// Every payout record under an archive directory (`<asset>/payouts/*.qfa.lz4`, open chunks
    /// included), per asset (broker spelling), in the order written (asset folders and chunks by
    /// name), percents as stored; empty when `directory` cannot be listed. Throws when a chunk is
    /// not a qflux chunk; a damaged chunk gives its records before the damage.
    package static func records(directory: String) throws(ArchiveError) -> [String: [(time: Double, percent: Double)]] {
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        let reader = try ArchiveReader()
        var out: [String: [(time: Double, percent: Double)]] = [:]
        for folder in folders.sorted() {
            let payoutFolder = directory + "/" + folder + "/" + ChunkNaming.kindPart(.payouts, timeframeSeconds: 0)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: payoutFolder) else { continue }
            for name in names.sorted() where ChunkNaming.isChunk(name) {
                var list: [(time: Double, percent: Double)] = []
                let summary = try reader.scan(
                    payoutFolder + "/" + name, ticks: { list.append(($0.time, $0.price)) }, candles: { _ in })
                guard summary.header.kind == .payouts else { continue }
                out[summary.header.asset, default: []] += list
            }
        }
        return out
    }

    /// The payout (fraction of the stake) in force for `asset` at `time`: the latest entry at or
    /// before `time`; nil before the asset's first entry or for an unknown asset.
    package func payout(asset: String, at time: Double) -> Double? {
        guard let list = entries[asset] ?? looseNames[AssetDirectory.looseKey(asset)].flatMap({ entries[$0] }) else {
            return nil
        }
        // Binary search: the first entry after `time`.
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].time <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : list[low - 1].payout
    }

    /// Assets the tape knows.
    package var assetCount: Int { entries.count }
    /// Payout changes the tape holds.
    package var entryCount: Int { entries.values.reduce(0) { $0 + $1.count } }
    /// Whether the tape holds nothing.
    package var isEmpty: Bool { entries.isEmpty }
}
