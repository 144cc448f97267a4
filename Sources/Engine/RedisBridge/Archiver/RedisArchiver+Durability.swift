import Archive
import FastDecode
import Foundation
import Logging
import Ring
import Synchronization
import ThreadSupport

/// What happens to the entries read: judged, written, made durable, checkpointed, acknowledged –
/// in that order, and nothing after the first write error.
extension ArchiverRun {
    func throwIfWriteFailed() throws(ArchiveError) {
        if let writeFailure { throw writeFailure }
    }

    /// One stream's entries, in id order. Stops at the first write error (``writeFailure``):
    /// what follows it is neither written nor acknowledged.
    func handle(key: String, _ entries: [StreamEntry]) {
        if key == RedisStreamLayout.payoutsKey { return handlePayouts(entries) }
        guard writeFailure == nil, var s = streams[key] else { return }
        defer { streams[key] = s }
        for entry in entries {
            if entry.id <= s.lastID {
                if entry.id <= s.durableID {
                    s.readyAcks.append(entry.id)  // archived before: only acknowledge
                    local.duplicatesSkipped += 1
                }
                // Else read before by this run and waiting for the next durability point (read
                // again after a reconnect): it is acknowledged then, not before.
                continue
            }
            s.lastID = entry.id
            // Judged before the count-based skip: refused entries never reach the archive, so
            // they must not use up the skip of ticks that did (which would then be written twice).
            let point: PricePoint
            switch entry.tickVerdict {
            case let .accepted(p):
                point = p
            case .malformed:
                local.malformed += 1
                s.pendingAcks.append(entry.id)
                continue
            case .absurd:
                local.absurd += 1
                s.pendingAcks.append(entry.id)
                continue
            }
            if s.skip > 0 {
                s.skip -= 1
                s.pendingAcks.append(entry.id)
                local.duplicatesSkipped += 1
                continue
            }
            do throws(ArchiveError) {
                try writer.append(Tick(asset: s.asset, time: point.time, price: point.price))
            } catch {
                writeFailure = error
                return
            }
            s.count += 1
            unsynced += 1
            s.pendingAcks.append(entry.id)
        }
    }

    /// The durability point: sync the archive, write the checkpoint, then acknowledge. Nothing
    /// is synced, checkpointed or acknowledged after a write error.
    func syncIfDue(_ last: inout Double, connection: RedisConnection?, force: Bool) throws(ArchiveError) {
        try throwIfWriteFailed()
        let now = monotonicNow()
        let hasPending = streams.values.contains { !$0.pendingAcks.isEmpty }
        if hasPending && (force || now - last >= configuration.syncInterval) {
            last = now
            do throws(ArchiveError) {
                try writer.sync()
                for (key, s) in streams where !s.pendingAcks.isEmpty {
                    checkpoint.positions[key] = .init(id: s.lastID, count: s.count)
                }
                checkpointPayouts()
                try checkpoint.save(directory: configuration.directory)
            } catch {
                writeFailure = error
                throw error
            }
            for key in streams.keys {
                streams[key]!.durableID = streams[key]!.lastID
                streams[key]!.readyAcks += streams[key]!.pendingAcks
                streams[key]!.pendingAcks.removeAll()
            }
            local.archived += unsynced
            unsynced = 0
            local.syncs += 1
        }
        guard let connection else { return }
        // Acknowledge what is durable (pipelined, up to 1000 ids per XACK); a skipped stream's
        // ids wait until it is readable again.
        var sent: [String] = []
        var commandKeys: [String] = []
        for key in keys where !streams[key]!.readyAcks.isEmpty {
            let ids = streams[key]!.readyAcks
            var i = 0
            while i < ids.count {
                let chunk = ids[i..<min(i + 1000, ids.count)]
                do throws(RedisError) {
                    try connection.append(["XACK", key, configuration.group] + chunk.map(\.description))
                } catch { return }
                commandKeys.append(key)
                i += 1000
            }
            sent.append(key)
        }
        // An error reply (the reply is read all the same): a stream that became another key type
        // since its entries were read answers WRONGTYPE – nothing is left to acknowledge there;
        // an error about the server's state (LOADING, …) keeps the stream's ids for the next
        // durability point.
        var acked = 0
        var retry: Set<String> = []
        for key in commandKeys {
            do throws(RedisError) {
                switch try connection.reply() {
                case let .integer(n): acked += Int(n)
                case let .error(message): if RedisError(.server, message).isServerState { retry.insert(key) }
                default: break
                }
            } catch {
                return  // the connection is gone; the entries stay pending and are skipped on redelivery
            }
        }
        for key in sent where !retry.contains(key) { streams[key]!.readyAcks.removeAll() }
        local.acknowledged += acked
    }

    func publishStatistics() {
        let s = local
        stats.withLock { $0 = s }
    }
}
