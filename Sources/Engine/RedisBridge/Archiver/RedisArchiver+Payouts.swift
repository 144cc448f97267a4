import Archive
import FastDecode
import Foundation
import Logging

/// What the archiver knows of the payout records (kind `payouts`) in its archive, per asset name:
/// how many there are, how many of them came after the last checkpoint (a `kill -9` or a write
/// error between sync and checkpoint: skipped when their lists are read again), and the percent
/// of the latest, so that only changes are written, as the ingesting node's archive does.
///
/// Exactly once, as for ticks, but counted per asset: the checkpoint keeps, beside the
/// `qflux:payouts` position, one `qflux:payouts:<asset>` line with that asset's record count.
/// Lists read again after the checkpoint give the same records in the same order (the change
/// detection starts from the percent at the checkpoint), so the first `found − checkpointed`
/// records of each asset are the ones already archived.
struct ArchivedPayouts {
    /// Asset name → payout records in the archive (found at start, plus written).
    var count: [String: Int] = [:]
    /// Asset name → records after the checkpoint already in the archive (to skip).
    var skip: [String: Int] = [:]
    /// Asset name → the percent of its latest record (archived or skipped).
    var last: [String: Double] = [:]

    /// The checkpoint line of an asset's payout record count.
    static func checkpointKey(_ asset: String) -> String { RedisStreamLayout.payoutsKey + ":" + asset }

    /// Reads the payout records of `directory` against `checkpoint` (nil: no checkpoint yet, so
    /// what is there came from elsewhere and is the baseline). Updates the checkpoint's counts to
    /// the records it covers.
    static func load(directory: String, checkpoint: inout ArchiveCheckpoint, hadCheckpoint: Bool, logger: Logger)
        throws(ArchiveError) -> ArchivedPayouts
    {
        var out = ArchivedPayouts()
        // Without a checkpoint, payout records here came from elsewhere: the baseline (written
        // into the checkpoint at once). With one, an asset it has no line for had none then.
        for (asset, list) in try PayoutTape.records(directory: directory) {
            let percents = list.map(\.percent)
            let key = checkpointKey(asset)
            let checkpointed =
                hadCheckpoint ? min(checkpoint.positions[key]?.count ?? 0, percents.count) : percents.count
            out.count[asset] = percents.count
            if checkpointed > 0 { out.last[asset] = percents[checkpointed - 1] }
            if percents.count > checkpointed {
                out.skip[asset] = percents.count - checkpointed
                logger.notice(
                    "\(percents.count - checkpointed) payouts of \(asset) reached the archive after the last checkpoint; they will be skipped"
                )
            }
            checkpoint.positions[key] = .init(id: checkpoint.positions[key]?.id ?? .zero, count: checkpointed)
        }
        return out
    }
}

/// The payout stream (`qflux:payouts`): followed through the group like a tick stream, each
/// list's changes written as payout records.
extension ArchiverRun {
    /// Starts following `qflux:payouts` (its group, its pending entries), or tries it again when
    /// it was skipped and its retry time has come.
    func discoverPayouts(_ c: RedisConnection, now: Double) throws(RedisError) {
        let key = RedisStreamLayout.payoutsKey
        if streams[key] == nil {
            let position = checkpoint.positions[key] ?? .init(id: .zero, count: 0)
            streams[key] = StreamState(
                asset: AssetID(rawValue: .max), lastID: position.id, durableID: position.id,
                count: payouts.count.values.reduce(0, +), skip: 0)
        } else if !skipped.contains(key) || skipped.isWaiting(key, now: now) {
            return
        }
        keys.append(key)
        try createGroups(c, [key])
        if keys.contains(key) { try readPending(c, key: key) }
        if keys.contains(key) { skipped.readable(key, logger: logger) }
    }

    /// The payout stream's entries, in id order: judged (``StreamEntry/payoutVerdict``), then
    /// each asset's changed payout written. Stops at the first write error.
    func handlePayouts(_ entries: [StreamEntry]) {
        let key = RedisStreamLayout.payoutsKey
        guard writeFailure == nil, var s = streams[key] else { return }
        defer { streams[key] = s }
        for entry in entries {
            if entry.id <= s.lastID {
                if entry.id <= s.durableID {
                    s.readyAcks.append(entry.id)
                    local.duplicatesSkipped += 1
                }
                continue
            }
            s.lastID = entry.id
            let list: PayoutListEntry
            switch entry.payoutVerdict {
            case let .accepted(l): list = l
            case .malformed:
                local.malformed += 1
                s.pendingAcks.append(entry.id)
                continue
            case .absurd:
                local.absurd += 1
                s.pendingAcks.append(entry.id)
                continue
            }
            for row in list.payouts where payouts.last[row.asset] != row.percent {
                payouts.last[row.asset] = row.percent
                if let skip = payouts.skip[row.asset], skip > 0 {
                    payouts.skip[row.asset] = skip - 1
                    continue
                }
                do throws(ArchiveError) {
                    try writer.appendPayout(asset: assets.register(row.asset), time: list.time, percent: row.percent)
                } catch {
                    writeFailure = error
                    return
                }
                payouts.count[row.asset, default: 0] += 1
                s.count += 1
            }
            local.payoutLists += 1
            s.pendingAcks.append(entry.id)
        }
    }

    /// Puts each asset's payout record count into the checkpoint (before it is saved), when
    /// payout lists were handled since the last durability point.
    func checkpointPayouts() {
        guard let s = streams[RedisStreamLayout.payoutsKey], !s.pendingAcks.isEmpty else { return }
        for (asset, count) in payouts.count {
            checkpoint.positions[ArchivedPayouts.checkpointKey(asset)] = .init(id: s.lastID, count: count)
        }
    }
}
