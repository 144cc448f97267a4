import Archive
import Candles
import FastDecode
import RedisBridge

/// One batch read → one transaction (rows and offsets) → `XACK`.
extension PostgresArchiverRun {
    /// A candle row waiting for the transaction.
    struct CandleRow {
        var asset: String
        var timeframe: Int
        var candle: BrokerCandle
    }

    /// Commits the entries not committed before, with each stream's last id, in one
    /// transaction; then acknowledges every entry of the batch.
    func commit(_ batch: [(key: String, entries: [StreamEntry])]) throws(ArchiverStepError) {
        guard let pg = postgres else { throw .postgres(PostgresError(.connectionLost, "not connected")) }
        rows.out.removeAll()
        var tickCount = 0
        var candles: [String: CandleRow] = [:]  // pair|tf|start → the last version in the batch
        var candleOrder: [String] = []
        var newOffsets: [String: StreamID] = [:]
        var counts = (duplicates: 0, malformed: 0, absurd: 0)
        for (key, entries) in batch {
            guard let kind = kinds[key] else { continue }
            let committed = offsets[key] ?? .zero
            for entry in entries {
                if entry.id <= committed {
                    counts.duplicates += 1
                    continue
                }
                newOffsets[key] = entry.id
                switch kind {
                case let .ticks(_, pair):
                    switch entry.tickVerdict {
                    case let .accepted(p):
                        pair.withUnsafeBufferPointer {
                            rows.tick(pair: $0, price: p.price, milliseconds: PostgresSchema.milliseconds(p.time))
                        }
                        tickCount += 1
                    case .malformed: counts.malformed += 1
                    case .absurd: counts.absurd += 1
                    }
                case let .candles(asset, timeframe):
                    switch entry.candleVerdict {
                    case let .accepted(c):
                        let id = "\(asset)|\(timeframe.seconds)|\(PostgresSchema.milliseconds(c.time))"
                        if candles[id] == nil { candleOrder.append(id) }
                        candles[id] = CandleRow(asset: asset, timeframe: timeframe.seconds, candle: c)
                    case .malformed: counts.malformed += 1
                    case .absurd: counts.absurd += 1
                    }
                }
            }
        }
        if !newOffsets.isEmpty {
            do throws(PostgresError) {
                try pg.execute("BEGIN")
                if tickCount > 0 {
                    try pg.copyIn("COPY historical_ticks (pair, price, timestamp) FROM STDIN") {
                        () throws(PostgresError) in
                        try pg.sendCopyData(rows.out.bytes)
                    }
                }
                for id in candleOrder {
                    let row = candles[id]!
                    let c = row.candle
                    try pg.query(
                        """
                        INSERT INTO candles (pair, timeframe, timestamp, open, high, low, close, volume) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (pair, timeframe, timestamp) DO UPDATE \
                        SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, \
                        volume = EXCLUDED.volume
                        """,
                        [
                            row.asset, String(row.timeframe), String(PostgresSchema.milliseconds(c.time)),
                            c.open.description, c.high.description, c.low.description, c.close.description,
                            (c.volume ?? 0).description,
                        ])
                }
                for (key, id) in newOffsets.sorted(by: { $0.key < $1.key }) {
                    try pg.query(
                        """
                        INSERT INTO qflux_stream_offsets (consumer_group, stream, last_id) VALUES ($1, $2, $3) \
                        ON CONFLICT (consumer_group, stream) DO UPDATE SET last_id = EXCLUDED.last_id, updated_at = now()
                        """, [configuration.group, key, id.description])
                }
                try pg.execute("COMMIT")
            } catch {
                if pg.isUsable { try? pg.execute("ROLLBACK") }
                throw .postgres(error)
            }
            for (key, id) in newOffsets { offsets[key] = id }
            local.ticks += tickCount
            local.candles += candles.count
            local.transactions += 1
        }
        local.duplicatesSkipped += counts.duplicates
        local.malformed += counts.malformed
        local.absurd += counts.absurd
        try acknowledge(batch)
    }

    /// `XACK` of every entry of the batch (pipelined, up to 1000 ids per command). A lost
    /// connection leaves them pending: redelivered, they are skipped as committed.
    private func acknowledge(_ batch: [(key: String, entries: [StreamEntry])]) throws(ArchiverStepError) {
        let c = try redisConnection()
        var commands = 0
        do throws(RedisError) {
            for (key, entries) in batch where !entries.isEmpty {
                var i = 0
                while i < entries.count {
                    let chunk = entries[i..<min(i + 1000, entries.count)]
                    try c.append(["XACK", key, configuration.group] + chunk.map(\.id.description))
                    commands += 1
                    i += 1000
                }
            }
            for _ in 0..<commands {
                if case let .integer(n) = try c.reply() { local.acknowledged += Int(n) }
            }
        } catch {
            throw .redis(error)
        }
    }
}
