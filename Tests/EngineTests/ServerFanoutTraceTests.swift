import Testing
import ThreadSupport

@testable import SocketIOServer

/// ``FanoutTrace``: the publisher's stamp and the network thread's samples, without a server.
@Suite("Server fan-out trace")
struct ServerFanoutTraceTests {
    private func sample(_ n: UInt64) -> FanoutTraceSample {
        FanoutTraceSample(toDrain: n, toFirstSend: n + 1, toLastSend: n + 2, direct: Int(n), deferred: 0)
    }

    @Test("off: posting stamps nothing")
    func offStampsNothing() {
        let trace = FanoutTrace(enabled: false)
        trace.posting()
        #expect(trace.takePostTime() == 0)
    }

    @Test("on: the oldest post not yet drained is kept, and taken once")
    func oldestPostKept() {
        let trace = FanoutTrace(enabled: true)
        let t0 = monotonicNanos()
        trace.posting()
        let t1 = monotonicNanos()
        trace.posting()  // a second post before the drain keeps the first one's stamp
        let kept = trace.takePostTime()
        #expect(kept >= t0 && kept <= t1)
        #expect(trace.takePostTime() == 0)
        trace.posting()
        #expect(trace.takePostTime() >= t1)
    }

    @Test("samples are handed over in order, once, and bounded")
    func samplesTakenOnce() {
        let trace = FanoutTrace(enabled: true)
        trace.record(sample(1))
        trace.record(sample(2))
        #expect(trace.take() == [sample(1), sample(2)])
        #expect(trace.take().isEmpty)
        for i in 0..<(FanoutTrace.capacity + 5) { trace.record(sample(UInt64(i))) }
        let all = trace.take()
        #expect(all.count == FanoutTrace.capacity)
        #expect(all.first == sample(0))
    }
}
