import FastDecode
import Foundation
import TextWriters

/// `run_backtest` and `calculate_indicators`: answered on the analysis queue (never on the
/// network or engine thread) with the original's reply or error event.
extension ServerCore {
    /// The reply and error event names of an analysis request.
    private static func replies(_ name: String) -> (ok: String, error: String) {
        name == "run_backtest" ? ("backtest_complete", "backtest_error") : ("indicators_calculated", "indicators_error")
    }

    /// Why a new analysis request of `s` is refused now, or nil: the server-wide queue is full,
    /// or the client or its address already has its share of it.
    private func analysisRefusal(_ s: ClientSession) -> String? {
        if analysisPending >= config.maxPendingAnalysis {
            return "server busy: \(analysisPending) analysis requests queued, try again"
        }
        let mine = analysisByClient[s.id, default: 0]
        if mine >= config.maxPendingAnalysisPerClient {
            return "busy: \(mine) analysis requests of this client under way (at most \(config.maxPendingAnalysisPerClient)), wait for their answers"
        }
        let addressShare = max(1, config.maxPendingAnalysisPerAddress)
        if analysisByAddress[s.address, default: 0] >= addressShare {
            return "busy: \(addressShare) analysis requests from this address under way, wait for their answers"
        }
        return nil
    }

    /// An analysis request ended (network thread).
    func analysisDone(client: UInt64, address: String) {
        analysisPending -= 1
        if let n = analysisByClient[client] { analysisByClient[client] = n > 1 ? n - 1 : nil }
        if let n = analysisByAddress[address] { analysisByAddress[address] = n > 1 ? n - 1 : nil }
    }

    /// The error of an answer over ``StreamServerConfig/maxAnalysisReplyBytes``.
    static func tooLarge(_ size: Int, max: Int, backtest: Bool) -> String {
        func mb(_ n: Int) -> String {
            n < 1 << 20 ? "\((n + 1023) / 1024) KB" : String(format: "%.1f MB", Double(n) / 1_048_576)
        }
        let less = backtest ? "backtest a shorter series (qflux backtest has no such limit)"
                            : "ask for fewer points (limit) or fewer instances"
        return "the answer is \(mb(size)), more than one reply may carry (\(mb(max)), half of --client-budget-kb): \(less)"
    }

    /// Handles `run_backtest` or `calculate_indicators` (network thread): queues the work, or
    /// answers the error event at once when too much analysis is already queued.
    func handleAnalysisRequest(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        let (ok, failed) = Self.replies(name)
        if let why = analysisRefusal(s) {
            counters.add(counters.analysisRefused)
            emit(s, failed, ServerPayloads.error(why, timestamp: true), ack: ack)
            return
        }
        analysisPending += 1
        analysisByClient[s.id, default: 0] += 1
        analysisByAddress[s.address, default: 0] += 1
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
            let size = frames.reduce(0) { $0 + $1.count }
            if size > maxReply {
                counters.add(counters.analysisRepliesTooLarge)
                frames.removeAll()
                reply(failed, ServerPayloads.error(Self.tooLarge(size, max: maxReply, backtest: isBacktest), timestamp: true))
            }
            inbox.post(.analysisDone(client: id, address: address, frames: frames))
        }
    }
}
