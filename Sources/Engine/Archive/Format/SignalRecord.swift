/// One record of the signal journal (kind 3): a signal when it is emitted, and the same signal
/// with its result at expiry. Encoding 4 (the run-level journal, ``SignalJournalWriter``) carries
/// the asset in the record; encoding 3 (the per-asset journal of earlier versions, still read)
/// takes it from the chunk header.
///
/// Layout (little-endian): type u8 (1 signal, 2 result), payload length u32, then (encoding 4
/// only) asset (u8 length + UTF-8, at most 255 bytes), id u64,
/// timeframe u32, time i64, direction u8 (0 call, 1 put), entry f64, expiry u32, flags u8 (bit 0
/// confidence, bit 1 payout), confidence f64, payout f64, strategy (u16 length + UTF-8, at most
/// 512 bytes), indicator count u8 (at most 64), each name (u8 length + UTF-8, at most 64 bytes)
/// and value f64; a result adds exit f64, won u8, profit f64, payout used f64.
package struct SignalRecord: Sendable, Equatable {
    /// Encoding byte of a per-asset chunk (`ASSET/signals/`, written before the run-level
    /// journal; read, no longer written): the asset is the chunk header's.
    package static let encoding: UInt8 = 3
    /// Encoding byte of a run-level chunk (``ChunkNaming/journalFolder``): each record carries
    /// its asset.
    package static let assetEncoding: UInt8 = 4
    /// The longest encoding-3 record, in bytes (bounds a chunk's decoded size).
    package static let maxBytes =
        5 + 8 + 4 + 8 + 1 + 8 + 4 + 1 + 8 + 8 + 2 + 512 + 1 + 64 * (1 + 64 + 8) + 8 + 1 + 8 + 8
    /// Longest asset name an encoding-4 record keeps (its u8 length field's range).
    package static let maxAssetBytes = 255
    /// The longest record of `encoding`, in bytes.
    package static func maxBytes(encoding: UInt8) -> Int {
        encoding == assetEncoding ? maxBytes + 1 + maxAssetBytes : maxBytes
    }
    /// Longest strategy label kept.
    package static let maxStrategyBytes = 512
    /// Most indicators kept.
    package static let maxIndicators = 64
    /// Longest indicator name kept.
    package static let maxNameBytes = 64

    /// The result part of a scored signal.
    package struct Outcome: Sendable, Equatable {
        /// Price at expiry.
        package var exitPrice: Double
        /// Whether it won.
        package var won: Bool
        /// Profit per unit staked.
        package var profit: Double
        /// Payout the profit used.
        package var payoutUsed: Double

        /// Creates an outcome.
        package init(exitPrice: Double, won: Bool, profit: Double, payoutUsed: Double) {
            self.exitPrice = exitPrice
            self.won = won
            self.profit = profit
            self.payoutUsed = payoutUsed
        }
    }

    /// Asset (from the chunk header).
    package var asset: String
    /// Signal id (per engine run).
    package var id: UInt64
    /// Timeframe in seconds.
    package var timeframe: Int
    /// Strategy label.
    package var strategy: String
    /// Signal time, epoch seconds.
    package var time: Int64
    /// `true` for call, `false` for put.
    package var isCall: Bool
    /// Entry price.
    package var entryPrice: Double
    /// Expiry in seconds.
    package var expiry: Int
    /// Confidence, if any.
    package var confidence: Double?
    /// Payout in force, if known.
    package var payout: Double?
    /// Indicator names and values.
    package var indicators: [(String, Double)]
    /// The result, for a type-2 record.
    package var outcome: Outcome?

    /// Creates a record.
    package init(
        asset: String, id: UInt64, timeframe: Int, strategy: String, time: Int64, isCall: Bool, entryPrice: Double,
        expiry: Int, confidence: Double?, payout: Double?, indicators: [(String, Double)], outcome: Outcome?
    ) {
        self.asset = asset
        self.id = id
        self.timeframe = timeframe
        self.strategy = strategy
        self.time = time
        self.isCall = isCall
        self.entryPrice = entryPrice
        self.expiry = expiry
        self.confidence = confidence
        self.payout = payout
        self.indicators = indicators
        self.outcome = outcome
    }

    /// Equal field by field (indicators compared pairwise).
    package static func == (a: SignalRecord, b: SignalRecord) -> Bool {
        a.asset == b.asset && a.id == b.id && a.timeframe == b.timeframe && a.strategy == b.strategy
            && a.time == b.time && a.isCall == b.isCall && a.entryPrice == b.entryPrice && a.expiry == b.expiry
            && a.confidence == b.confidence && a.payout == b.payout && a.outcome == b.outcome
            && a.indicators.count == b.indicators.count
            && zip(a.indicators, b.indicators).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// Appends the record's bytes in `encoding` (``assetEncoding`` writes the asset, at most
    /// ``maxAssetBytes`` of it, into the record; any other value writes encoding 3).
    package func encode(into out: inout [UInt8], encoding: UInt8 = Self.encoding) {
        var p: [UInt8] = []
        func u8(_ v: UInt8) { p.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { p += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { p += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { p += $0 } }
        func f64(_ v: Double) { u64(v.bitPattern) }
        if encoding == Self.assetEncoding {
            let name = Array(asset.utf8.prefix(Self.maxAssetBytes))
            u8(UInt8(name.count))
            p += name
        }
        u64(id)
        u32(UInt32(clamping: timeframe))
        u64(UInt64(bitPattern: time))
        u8(isCall ? 0 : 1)
        f64(entryPrice)
        u32(UInt32(clamping: expiry))
        u8((confidence != nil ? 1 : 0) | (payout != nil ? 2 : 0))
        f64(confidence ?? 0)
        f64(payout ?? 0)
        let label = Array(strategy.utf8.prefix(Self.maxStrategyBytes))
        u16(UInt16(label.count))
        p += label
        let kept = indicators.prefix(Self.maxIndicators)
        u8(UInt8(kept.count))
        for (name, value) in kept {
            let n = Array(name.utf8.prefix(Self.maxNameBytes))
            u8(UInt8(n.count))
            p += n
            f64(value)
        }
        if let o = outcome {
            f64(o.exitPrice)
            u8(o.won ? 1 : 0)
            f64(o.profit)
            f64(o.payoutUsed)
        }
        out.append(outcome == nil ? 1 : 2)
        withUnsafeBytes(of: UInt32(p.count).littleEndian) { out += $0 }
        out += p
    }

    /// Decodes the encoding-3 record at `offset` (of `asset`); returns it and the offset after
    /// it, nil at the end of the bytes or when the record is cut short or malformed.
    package static func decode(_ b: UnsafeRawBufferPointer, offset start: Int, asset: String) -> (SignalRecord, Int)? {
        decode(b, offset: start, encoding: encoding, chunkAsset: asset)
    }

    /// Decodes the record at `offset` in `encoding` (3: its asset is `chunkAsset`; 4: its own);
    /// returns it and the offset after it, nil at the end of the bytes, when the record is cut
    /// short or malformed, or for an encoding other than 3 and 4.
    package static func decode(
        _ b: UnsafeRawBufferPointer, offset start: Int, encoding: UInt8, chunkAsset: String
    ) -> (SignalRecord, Int)? {
        guard encoding == Self.encoding || encoding == assetEncoding else { return nil }
        var i = start
        func need(_ n: Int) -> Bool { i + n <= b.count }
        func u8() -> UInt8 {
            defer { i += 1 }
            return b[i]
        }
        func u16() -> UInt16 {
            defer { i += 2 }
            return UInt16(b[i]) | UInt16(b[i + 1]) << 8
        }
        func u32() -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32(b[i + k]) << (8 * UInt32(k)) }
            i += 4
            return v
        }
        func u64() -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            i += 8
            return v
        }
        func f64() -> Double { Double(bitPattern: u64()) }
        guard need(5) else { return nil }
        let type = u8()
        let length = Int(u32())
        guard type == 1 || type == 2, length <= maxBytes(encoding: encoding), need(length) else { return nil }
        let end = i + length
        var asset = chunkAsset
        if encoding == assetEncoding {
            guard i + 1 <= end else { return nil }
            let n = Int(u8())
            guard i + n <= end else { return nil }
            asset = String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self)
            i += n
        }
        let fixed = 8 + 4 + 8 + 1 + 8 + 4 + 1 + 8 + 8 + 2
        guard i + fixed <= end else { return nil }
        let id = u64()
        let timeframe = Int(u32())
        let time = Int64(bitPattern: u64())
        let isCall = u8() == 0
        let entry = f64()
        let expiry = Int(u32())
        let flags = u8()
        let confidence = f64()
        let payout = f64()
        let labelLength = Int(u16())
        guard labelLength <= maxStrategyBytes, i + labelLength + 1 <= end else { return nil }
        let strategy = String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<(i + labelLength)]), as: UTF8.self)
        i += labelLength
        let count = Int(u8())
        guard count <= maxIndicators else { return nil }
        var indicators: [(String, Double)] = []
        for _ in 0..<count {
            guard i + 1 <= end else { return nil }
            let n = Int(u8())
            guard n <= maxNameBytes, i + n + 8 <= end else { return nil }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self)
            i += n
            indicators.append((name, f64()))
        }
        var outcome: Outcome?
        if type == 2 {
            guard i + 25 <= end else { return nil }
            let exit = f64()
            let won = u8() == 1
            let profit = f64()
            let used = f64()
            outcome = Outcome(exitPrice: exit, won: won, profit: profit, payoutUsed: used)
        }
        guard i == end else { return nil }
        return (
            SignalRecord(
                asset: asset, id: id, timeframe: timeframe, strategy: strategy, time: time, isCall: isCall,
                entryPrice: entry, expiry: expiry, confidence: flags & 1 != 0 ? confidence : nil,
                payout: flags & 2 != 0 ? payout : nil, indicators: indicators, outcome: outcome), end
        )
    }
}

extension SignalRecord {
    /// Decodes the records (in `encoding`, 3 by default; see ``decode(_:offset:encoding:chunkAsset:)``)
    /// from `offset` on, at most `limit` of them, calling `each` for every one.
    package static func scan(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int, encoding: UInt8 = encoding, asset: String,
        _ each: (SignalRecord) -> Void
    ) -> RecordEnd {
        var i = offset
        var n = 0
        while i < bytes.count {
            guard let (record, next) = decode(bytes, offset: i, encoding: encoding, chunkAsset: asset) else {
                return .cut
            }
            if n == limit { return .overLimit }
            n += 1
            each(record)
            i = next
        }
        return .clean
    }
}
