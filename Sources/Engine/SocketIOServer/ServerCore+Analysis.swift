import FastDecode
import Foundation
import TextWriters

/// `run_backtest` and `calculate_indicators`: answered on the analysis queue (never on the
/// network or engine thread) with the original's reply or error event.
extension ServerCore {
    /// Handles `run_backtest` or `calculate_indicators` (network thread): queues the work, or
    /// answers the error event at once when too much analysis is already queued
    /// (``AnalysisAdmission``).
    func handleAnalysisRequest(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        let (ok, failed) = AnalysisAdmission.replies(name)
        if let why = analysis.refusal(client: s.id, address: s.address) {
            counters.add(counters.analysisRefused)
            emit(s, failed, ServerPayloads.error(why, timestamp: true), ack: ack)
            return
        }
        analysis.admit(client: s.id, address: s.address)
        let address = s.address
        let id = s.id, ds = dataSource, inbox = inbox, isBacktest = name == "run_backtest"
        let maxReply = config.maxAnalysisReplyBytes, counters = counters
        analysisQueue.async {
            var frames: [[UInt8]] = []
            func reply(_ event: String, _ payload: [UInt8]) {
                frames.append(SocketIOEncoder.event(event, payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            }
            do {
                if isBacktest {
                    let results = try ds.runBacktest(data)
                    var w = JSONWriter(capacity: results.count + 64)
                    w.raw("{\"results\":"); w.raw(results)
                    w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
                    reply(ok, w.bytes)
                } else {
                    reply(ok, try ds.calculateIndicators(data))
                }
            } catch {
                // bad requests, unknown files, and the indicator budget's refusals (issue 28)
                counters.add(counters.analysisErrors)
                reply(failed, ServerPayloads.error("\(error)", timestamp: true))
            }
            if let size = AnalysisAdmission.overBound(frames, maxBytes: maxReply) {
                counters.add(counters.analysisRepliesTooLarge)
                frames.removeAll()
                reply(failed, ServerPayloads.error(AnalysisAdmission.tooLarge(size, max: maxReply, backtest: isBacktest),
                                                   timestamp: true))
            }
            inbox.post(.analysisDone(client: id, address: address, frames: frames))
        }
    }
}
