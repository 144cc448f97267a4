import Foundation
import Testing

@testable import SocketIOServer

/// The outbound queue's candle coalescing on both sides of its scan limit (short queues are
/// scanned, longer ones indexed until they are empty), and the sizes a batched write reads.
@Suite("Server outbound queue")
struct ServerOutboundQueueTests {
    private func key(_ start: Int64) -> SocketIOServer.CandleKey {
        SocketIOServer.CandleKey(asset: 1, seconds: 60, start: start)
    }

    private func frame(_ start: Int64, _ version: UInt8) -> OutFrame {
        OutFrame(bytes: [UInt8(truncatingIfNeeded: start), version], key: key(start))
    }

    @Test("updates of a queued candle coalesce in place below, across and above the scan limit, in FIFO order")
    func coalescesAcrossTheScanLimit() {
        let n = OutboundQueue.scanLimit * 3
        var q = OutboundQueue(limit: 4 * n, byteBudget: 0)
        for i in 0..<n {
            #expect(q.push(frame(Int64(i), 0)) == .queued)
            // every queued candle so far gets a newer version: all coalesce, none is added
            if i % 5 == 0 {
                for j in 0...i { #expect(q.push(frame(Int64(j), 1)) == .coalesced) }
            }
            #expect(q.count == i + 1)
        }
        // FIFO by first arrival, each with the newest version it got
        for i in 0..<n {
            let f = q.pop()
            #expect(f?.bytes.first == UInt8(truncatingIfNeeded: i))
            #expect(f?.bytes.last == (i <= (n - 1) / 5 * 5 ? 1 : 0))
            // once popped, a candle queues anew (it is not coalesced into what was sent)
            if i == n / 2 {
                #expect(q.push(frame(Int64(i), 2)) == .queued)
            }
        }
        #expect(q.pop()?.bytes == [UInt8(truncatingIfNeeded: n / 2), 2])
        #expect(q.isEmpty && q.bytes == 0)
        // emptied: back to scanning, still coalescing
        #expect(q.push(frame(7, 3)) == .queued)
        #expect(q.push(frame(7, 4)) == .coalesced)
        #expect(q.pop()?.bytes == [7, 4])
        #expect(q.pop() == nil)
    }

    @Test("frontSizes lists the oldest messages' sizes, at most the number asked")
    func frontSizes() {
        var q = OutboundQueue(limit: 16, byteBudget: 0)
        for size in [3, 1, 4, 1, 5] { _ = q.push(OutFrame(bytes: Array(repeating: 0, count: size))) }
        _ = q.pop()
        #expect(Array(q.frontSizes(max: 3)) == [1, 4, 1])
        #expect(Array(q.frontSizes(max: 10)) == [1, 4, 1, 5])
    }
}
