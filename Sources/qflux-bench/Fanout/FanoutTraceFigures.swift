import Foundation
import SocketIOServer

/// The server's own account of where a fan-out's time goes (``StreamServer/takeFanoutTrace()``,
/// one sample per drained batch of updates): from the publisher's `post` to the network thread
/// taking the batch (the wake-up), to its first direct `send`, and to its last one – the last
/// client's wait inside the server. Read beside the clients' latency: what the clients see above
/// "ring → last send" is the kernel's delivery and the clients' own thread.
struct FanoutTraceFigures {
    let stage: String
    let samples: [FanoutTraceSample]

    func figures() -> [Figure] {
        guard !samples.isEmpty else { return [] }
        let sent = samples.filter { $0.toLastSend > 0 }
        let direct = samples.reduce(0) { $0 + $1.direct }, deferred = samples.reduce(0) { $0 + $1.deferred }
        let perBatch = Double(direct + deferred) / Double(samples.count)
        return [
            span("ring → network thread", samples.map(\.toDrain), note: "the wake-up: publisher's post → drain"),
            span(
                "ring → first send", sent.map(\.toFirstSend),
                note: "\(samples.count) batches, \(String(format: "%.0f", perBatch)) clients each"),
            span(
                "ring → last send", sent.map(\.toLastSend),
                note:
                    "\(String(format: "%.2f", Double(direct) / Double(max(1, direct + deferred)) * 100)) % written right after routing, the rest by writeable callback"
            ),
        ].flatMap { $0 }
    }

    /// p50 and p99 of one span, in ms.
    private func span(_ label: String, _ nanos: [UInt64], note: String) -> [Figure] {
        guard !nanos.isEmpty else { return [] }
        let sorted = nanos.sorted()
        func at(_ p: Double) -> Double {
            Double(sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]) / 1e6
        }
        return [
            Figure(stage: stage, name: "qflux trace: \(label) p50", value: at(0.50), unit: "ms", note: note),
            Figure(
                stage: stage, name: "qflux trace: \(label) p99", value: at(0.99), unit: "ms",
                note: "max \(String(format: "%.1f", at(1.0))) ms"),
        ]
    }
}
