import Archive
import ChromeCDP
import Engine
import FastDecode
import Foundation
import Ring
import SocketIOServer

/// Cross-thread throughput of the SPSC ring with 24-byte ticks: a producer thread pushing and
/// publishing per batch, the engine-side consumer popping batches.
struct RingStage: BenchStage {
    let name = "ring"
    let summary = "SPSC ring, one producer and one consumer thread, Tick elements"

    func run(_ context: BenchContext) throws -> [Figure] {
        let count = context.quick ? 20_000_000 : 100_000_000
        let (samples, sink) = measure(warmups: 1, runs: context.runs) {
            let ring = SPSCRing<Tick>(capacity: 1 << 14)
            let producer = Thread {
                var i = 0
                while i < count {
                    var staged = 0
                    while staged < 256 && i < count {
                        if !ring.push(Tick(asset: AssetID(rawValue: 1), time: Double(i), price: 1.0)) { break }
                        i += 1
                        staged += 1
                    }
                    ring.publish()
                    if staged == 0 { sched_yield() }
                }
            }
            producer.start()
            var received = 0
            var checksum = 0.0
            while received < count {
                let n = ring.popBatch(max: 4096) { checksum += $0.time }
                received += n
                if n == 0 { sched_yield() }
            }
            // Sum of 0..<count: checks every element arrived exactly once.
            precondition(checksum == Double(count) * Double(count - 1) / 2)
            return received
        }
        guard sink == count * (context.runs + 1) else { throw BenchError("ring: \(sink) elements arrived") }
        let rate = Double(count) / samples.median
        return [
            Figure(
                stage: name, name: "cross-thread elements/s (24-byte Tick)", value: rate, unit: "elements/s",
                spreadPercent: samples.spreadPercent, target: .atLeast(100_000_000),
                note: "shared 2-core machines: figures drop sharply under other load")
        ]
    }
}
