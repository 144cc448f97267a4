import Foundation

extension EventHandlers {
    /// `store_csv_candles`, `generate_signal` or `execute_strategy` (network thread): admitted
    /// like `run_backtest` / `calculate_indicators` (``AnalysisAdmission``: the same server,
    /// client and address shares), computed on the analysis queue by the data source
    /// (``StreamServerDataSource/compatAnalysis(_:_:)``), answered through the inbox; a reply over
    /// ``StreamServerConfig/maxAnalysisReplyBytes`` becomes the event's error.
    func handleCompatAnalysis(_ s: ClientSession, event: CompatAnalysisEvent, data: JSONValue?, ack: Int?) {
        if let why = analysis.refusal(client: s.id, address: s.address) {
            counters.add(counters.analysisRefused)
            host.emit(s, event.error, ServerPayloads.error(why, timestamp: event.errorHasTimestamp), ack: ack)
            return
        }
        analysis.admit(client: s.id, address: s.address)
        let id = s.id, address = s.address, ds = dataSource, inbox = inbox, counters = counters
        let maxReply = config.maxAnalysisReplyBytes
        analysisQueue.async {
            var frames: [[UInt8]] = []
            func reply(_ name: String, _ payload: [UInt8]) {
                frames.append(SocketIOEncoder.event(name, payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            }
            do {
                reply(event.reply, try ds.compatAnalysis(event, data))
            } catch {
                counters.add(counters.analysisErrors)
                reply(event.error, ServerPayloads.error("\(error)", timestamp: event.errorHasTimestamp))
            }
            if let size = AnalysisAdmission.overBound(frames, maxBytes: maxReply) {
                counters.add(counters.analysisRepliesTooLarge)
                frames.removeAll()
                reply(
                    event.error,
                    ServerPayloads.error(
                        "the answer is \(size) bytes, more than one reply may carry (\(maxReply))",
                        timestamp: event.errorHasTimestamp))
            }
            inbox.post(.analysisDone(client: id, address: address, frames: frames))
        }
    }
}
