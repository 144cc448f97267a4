internal import CDecodeShim

private let eventOther = Int32(QF_EVENT_OTHER.rawValue)
private let eventUnknown = Int32(QF_EVENT_UNKNOWN.rawValue)
private let eventHistoryNewFast = Int32(QF_EVENT_HISTORY_NEW_FAST.rawValue)

/// Turns CDP events (raw, or wrapped as Selenium performance-log entries; auto-detected per line)
/// into ``DecodedEvent``s: PocketOption ticks, history, chart focus and socket open/close.
///
/// It keeps Engine.IO / Socket.IO state per broker socket (`requestId`): a `451-["updateStream",
/// {"_placeholder":true,…}]` header is paired with the binary frame that follows it on the same
/// socket, however the sockets interleave. A binary frame whose header came before qflux
/// attached is recognised by its shape. Bad input is counted in ``stats`` and skipped.
///
/// Not thread-safe: one decoder per decoding thread. Decoding a tick allocates nothing.
public final class MarketDecoder {
    /// What was counted so far.
    // Dynamic exclusivity checks on these class properties cost ~40% of decode time (TLS
    // look-ups per access); the decoder is single-threaded by contract, so they are switched off.
    @exclusivity(unchecked) public private(set) var stats = DecodeStats()

    /// All malformed input counted so far (``DecodeStats/malformedTotal``) without copying
    /// ``stats`` out of the decoder: the pipeline's feeder asks after every line.
    @inlinable public var malformedTotal: Int { stats.malformedTotal }
    /// Asset names (shared, thread-safe).
    public var assets: AssetDirectory { interner.directory }

    @exclusivity(unchecked) private var interner: AssetInterner
    @exclusivity(unchecked) private var sockets = SocketTable()
    /// Broker time of the latest tick handed on (NaN before the first, and after
    /// ``resetSocketState()``): the time of a payout list.
    @exclusivity(unchecked) private var latestTickTime = Double.nan
    private let shim: ShimParser

    /// Creates a decoder.
    /// - Parameters:
    ///   - assets: where asset names are registered (share one directory with the engine).
    ///   - maxMessageBytes: lines or payloads larger than this are counted as `tooLarge`.
    public init(assets: AssetDirectory = AssetDirectory(), maxMessageBytes: Int = 256 << 20) throws(DecodeError) {
        interner = AssetInterner(directory: assets)
        shim = try ShimParser(maxBytes: maxMessageBytes)
    }

    /// Decodes one line or CDP message. `readable` is how many bytes may be read from the
    /// line's start (pass more than `line.count` when the line sits in a larger buffer: with 64
    /// spare bytes it is parsed in place, without a copy).
    public func decode(
        line: UnsafeRawBufferPointer, readable: Int? = nil, _ emit: (DecodedEvent) -> Void
    ) {
        stats.lines += 1
        stats.bytes += line.count
        let status = shim.parseLine(line, readable: readable ?? line.count)
        guard status == QF_OK else {
            if status == QF_E_EMPTY { stats.emptyLines += 1 } else { countMalformed(status) }
            return
        }
        let frame = shim.frame
        switch qf_method(UInt32(frame.method)) {
        case QF_METHOD_FRAME_RECEIVED:
            stats.framesReceived += 1
            receivedFrame(frame, emit)
        case QF_METHOD_FRAME_SENT:
            // The page's own frames carry its session: counted, never decoded or kept.
            stats.framesSent += 1
        case QF_METHOD_CREATED:
            let i = sockets.index(of: frame.request_id.raw)
            if !sockets.states[i].opened {
                sockets.states[i].opened = true
                stats.socketsOpened += 1
                emit(.socketOpened(sockets.states[i].ref))
            }
        case QF_METHOD_CLOSED:
            if let ref = sockets.remove(frame.request_id.raw) {
                stats.socketsClosed += 1
                emit(.socketClosed(ref))
            }
        default:
            stats.otherMethods += 1
        }
    }

    /// Forgets every socket's Engine.IO / Socket.IO state (pending binary attachments, open
    /// flags), as if decoding started here. A parallel decoder calls it at the start of each
    /// piece of input it takes, so no state leaks from a piece it decoded earlier.
    public func resetSocketState() {
        sockets = SocketTable()
        latestTickTime = .nan
    }

    /// Decodes one line given as bytes (copied once into a padded buffer).
    public func decode(line: some Collection<UInt8>, _ emit: (DecodedEvent) -> Void) {
        var padded = Array(line)
        let count = padded.count
        padded.append(contentsOf: repeatElement(0, count: 64))
        padded.withUnsafeBytes { raw in
            decode(line: UnsafeRawBufferPointer(rebasing: raw[0..<count]), readable: raw.count, emit)
        }
    }

    /// Decodes one line given as a string.
    public func decode(line: String, _ emit: (DecodedEvent) -> Void) {
        decode(line: Array(line.utf8), emit)
    }

    // MARK: - Frames

    private func receivedFrame(_ frame: qf_frame, _ emit: (DecodedEvent) -> Void) {
        let payload = frame.payload.raw
        let i = sockets.index(of: frame.request_id.raw)
        if frame.opcode == 1 {
            textFrame(payload, &sockets.states[i], emit)
        } else if frame.opcode == 2 {
            binaryFrame(payload, &sockets.states[i], emit)
        } else {
            stats.count(.opcode)
        }
    }

    private func textFrame(_ text: UnsafeRawBufferPointer, _ state: inout SocketState, _ emit: (DecodedEvent) -> Void) {
        if state.pendingAttachments > 0 {
            // The attachments of the previous header never came (lost in a reload).
            stats.missingAttachments += 1
            state.pendingAttachments = 0
        }
        switch EngineIOPacket.classify(text) {
        case .open:
            stats.controlPackets += 1
            if !state.opened {
                state.opened = true
                stats.socketsOpened += 1
                emit(.socketOpened(state.ref))
            }
        case .control:
            stats.controlPackets += 1
        case let .event(offset):
            let array = UnsafeRawBufferPointer(rebasing: text[offset...])
            let status = shim.parseEvent(array)
            guard status == QF_OK else { return countMalformed(status, payload: true) }
            emitPayload(emit)
        case let .binaryEvent(attachments, offset):
            let array = UnsafeRawBufferPointer(rebasing: text[offset...])
            let status = shim.parseEvent(array)
            guard status == QF_OK else { return countMalformed(status, payload: true) }
            if shim.payload.kind == eventOther { countOtherEvent() }
            state.pendingKind = shim.payload.kind
            state.pendingAttachments = attachments
        case .invalid:
            stats.count(.engineIO)
        }
    }

    private func binaryFrame(_ data: UnsafeRawBufferPointer, _ state: inout SocketState, _ emit: (DecodedEvent) -> Void)
    {
        // Engine.IO v3 prefixed binary frames with a 0x04 byte; v4 sends the attachment as is.
        var data = data
        if data.first == 4 { data = UnsafeRawBufferPointer(rebasing: data[1...]) }
        let kind: Int32
        if state.pendingAttachments > 0 {
            state.pendingAttachments -= 1
            kind = state.pendingKind
            if kind == eventOther { return }  // e.g. chat: counted with its header
        } else {
            kind = eventUnknown
        }
        let status = shim.parsePayload(kind: kind, data)
        guard status == QF_OK else {
            if kind == eventUnknown && status == QF_E_SHAPE {
                stats.orphanAttachments += 1
            } else {
                countMalformed(status, payload: true)
            }
            return
        }
        if kind == eventUnknown { stats.attachmentsByShape += 1 }
        emitPayload(emit)
    }

    // MARK: - Payloads

    /// Hands on what the shim just parsed into its payload.
    private func emitPayload(_ emit: (DecodedEvent) -> Void) {
        let p = shim.payload
        switch qf_event_kind(UInt32(p.kind)) {
        case QF_EVENT_UPDATE_STREAM:
            for i in 0..<p.n_ticks {
                let t = p.ticks[i]
                guard MarketLimits.isSane(time: t.time, price: t.price) else { stats.count(.absurdValue); continue }
                let tick = Tick(asset: interner.intern(t.asset.raw), time: t.time, price: t.price)
                stats.ticks += 1
                latestTickTime = t.time
                emit(.tick(tick))
            }
        case QF_EVENT_HISTORY_NEW_FAST, QF_EVENT_LOAD_HISTORY_PERIOD:
            let asset = interner.intern(p.asset.raw)
            var ticks = [PricePoint]()
            ticks.reserveCapacity(p.n_ticks)
            for i in 0..<p.n_ticks {
                let t = p.ticks[i]
                guard MarketLimits.isSane(time: t.time, price: t.price) else { stats.count(.absurdValue); continue }
                ticks.append(PricePoint(time: t.time, price: t.price))
            }
            ticks.sort { $0.time < $1.time }
            var candles = [BrokerCandle]()
            candles.reserveCapacity(p.n_candles)
            for i in 0..<p.n_candles {
                let c = p.candles[i]
                guard MarketLimits.isSane(time: c.time), MarketLimits.isSane(price: c.open),
                    MarketLimits.isSane(price: c.high),
                    MarketLimits.isSane(price: c.low), MarketLimits.isSane(price: c.close),
                    c.volume.isNaN || (c.volume.isFinite && c.volume >= 0)
                else { stats.count(.absurdValue); continue }
                candles.append(
                    BrokerCandle(
                        time: c.time, open: c.open, high: c.high, low: c.low, close: c.close,
                        volume: c.volume.isNaN ? nil : c.volume))
            }
            // updateHistoryNewFast sends candles newest first; hand them on oldest first.
            candles.sort { $0.time < $1.time }
            let source: HistorySource = p.kind == eventHistoryNewFast ? .updateHistoryNewFast : .loadHistoryPeriodFast
            stats.historyEvents += 1
            stats.historyTicks += ticks.count
            stats.historyCandles += candles.count
            emit(
                .history(
                    HistorySnapshot(
                        source: source, asset: asset, period: p.period > 0 ? Int(p.period) : nil,
                        ticks: ticks, candles: candles)))
        case QF_EVENT_UPDATE_CHARTS:
            stats.chartEvents += 1
            for i in 0..<p.n_charts {
                let c = p.charts[i]
                emit(
                    .chart(
                        ChartFocus(
                            asset: interner.intern(c.asset.raw),
                            chartPeriod: c.chart_period >= 0 ? Int(c.chart_period) : nil,
                            fastTimeframe: c.fast_timeframe >= 0 ? Int(c.fast_timeframe) : nil)))
            }
        case QF_EVENT_UPDATE_ASSETS:
            stats.payoutEvents += 1
            stats.payoutRowsSkipped += Int(p.skipped_rows)
            var rows = [AssetPayout]()
            rows.reserveCapacity(p.n_payouts)
            for i in 0..<p.n_payouts {
                let row = p.payouts[i]
                rows.append(
                    AssetPayout(
                        asset: interner.intern(row.asset.raw), percent: row.payout,
                        isOTC: row.is_otc < 0 ? nil : row.is_otc == 1, active: row.active < 0 ? nil : row.active == 1))
            }
            stats.payoutRows += rows.count
            emit(.payouts(PayoutSnapshot(time: latestTickTime.isNaN ? nil : latestTickTime, payouts: rows)))
        case QF_EVENT_OTHER:
            countOtherEvent()
        default:
            break
        }
    }

    private func countOtherEvent() {
        stats.otherEventCount += 1
        let name = String(decoding: shim.payload.name.raw.prefix(64), as: UTF8.self)
        stats.otherEvents[name, default: 0] += 1
    }

    private func countMalformed(_ status: qf_status, payload: Bool = false) {
        switch status {
        case QF_E_JSON: stats.count(payload ? .payloadShape : .json)
        case QF_E_UTF8: stats.count(.utf8)
        case QF_E_NOT_CDP: stats.count(.notCDP)
        case QF_E_FIELD: stats.count(payload ? .payloadShape : .field)
        case QF_E_BASE64: stats.count(.base64)
        case QF_E_TOO_LARGE: stats.count(.tooLarge)
        case QF_E_SHAPE: stats.count(.payloadShape)
        default: stats.count(.internalError)
        }
    }
}
