import Foundation
import Synchronization
import Testing
import ThreadSupport

@testable import Archive
@testable import ChromeCDP
@testable import Engine
@testable import Ring
@testable import SocketIOServer

@Suite("SPSCRing")
struct RingTests {
    @Test func capacityRoundsUpToPowerOfTwo() {
        #expect(SPSCRing<Int>(capacity: 1).capacity == 2)
        #expect(SPSCRing<Int>(capacity: 8).capacity == 8)
        #expect(SPSCRing<Int>(capacity: 1000).capacity == 1024)
    }

    @Test func fifoOrderAndWrapAround() {
        let ring = SPSCRing<Int>(capacity: 8)
        var next = 0
        var expected = 0
        // Uneven batch sizes walk the indices around the ring many times.
        for round in 0..<200 {
            let n = round % 7 + 1
            for _ in 0..<n {
                #expect(ring.push(next))
                next += 1
            }
            ring.publish()
            // Take in two batches of uneven size; `max` bounds each.
            let first = n / 2
            var got = ring.popBatch(max: first) { v in
                #expect(v == expected)
                expected += 1
            }
            #expect(got == first)
            got = ring.popBatch(max: 100) { v in
                #expect(v == expected)
                expected += 1
            }
            #expect(got == n - first)
        }
        #expect(expected == next)
        #expect(ring.count == 0)
    }

    @Test func fullAndEmptyEdges() {
        let ring = SPSCRing<Int>(capacity: 4)
        #expect(ring.tryPop() == nil)
        #expect(ring.popBatch(max: 10) { _ in Issue.record("empty ring yielded") } == 0)
        for i in 0..<4 { #expect(ring.tryPush(i)) }
        #expect(ring.count == 4)
        #expect(!ring.tryPush(99))
        #expect(!ring.push(100))
        #expect(ring.dropped == 2)
        #expect(ring.tryPop() == 0)
        #expect(ring.count == 3)
        #expect(ring.tryPush(4))
        #expect(!ring.tryPush(5))
        var seen: [Int] = []
        #expect(ring.popBatch(max: 2) { seen.append($0) } == 2)
        #expect(ring.popBatch(max: 10) { seen.append($0) } == 2)
        #expect(seen == [1, 2, 3, 4])
        #expect(ring.tryPop() == nil)
        #expect(ring.count == 0)
        #expect(ring.dropped == 3)
    }

    @Test func stagedElementsAreInvisibleUntilPublished() {
        let ring = SPSCRing<Int>(capacity: 8)
        #expect(ring.push(1))
        #expect(ring.push(2))
        #expect(ring.stagedCount == 2)
        #expect(ring.count == 0)
        #expect(ring.tryPop() == nil)
        ring.publish()
        #expect(ring.stagedCount == 0)
        #expect(ring.count == 2)
        #expect(ring.tryPop() == 1)
        #expect(ring.tryPop() == 2)
    }

    @Test func stagedElementsOccupySlots() {
        let ring = SPSCRing<Int>(capacity: 2)
        #expect(ring.push(1))
        #expect(ring.push(2))
        #expect(!ring.push(3))
        ring.publish()
        #expect(ring.tryPop() == 1)
        #expect(ring.push(3))
    }

    @Test func nonTrivialElementsAreMovedAndDestroyed() {
        do {
            let ring = SPSCRing<[Int]>(capacity: 4)
            #expect(ring.tryPush([1, 2, 3]))
            #expect(ring.tryPop() == [1, 2, 3])
            #expect(ring.tryPush(Array(repeating: 7, count: 100)))
        }
        let counter = DeinitCounter()
        do {
            let ring = SPSCRing<Tracked>(capacity: 4)
            ring.push(Tracked(counter))
            ring.push(Tracked(counter))
            ring.publish()
            ring.push(Tracked(counter))  // staged only
            #expect(counter.value == 0)
            _ = ring.tryPop()  // moved out and released here
            #expect(counter.value == 1)
        }
        // The two left inside (one published, one staged) die with the ring.
        #expect(counter.value == 3)
    }

    @Test func pushWaitingCanBeCancelled() {
        let ring = SPSCRing<Int>(capacity: 2)
        #expect(ring.tryPush(1))
        #expect(ring.tryPush(2))
        var polls = 0
        let pushed = ring.pushWaiting(3) {
            polls += 1; return polls > 100
        }
        #expect(!pushed)
        #expect(ring.dropped == 0)
        #expect(ring.count == 2)
    }

    /// Two threads: every sequence number arrives exactly once and in order through a small ring.
    ///
    /// The producer stops at 2 M numbers or after a time budget, whichever comes first, and then
    /// says how many it pushed; the consumer must receive exactly those, in order (at least
    /// 10,000): exactness, not speed, whatever the build and the load. No `.timeLimit`: Swift
    /// Testing starts its clock when the test is started, and the whole suite is started at once on
    /// a pool of as many threads as cores, so a body can wait minutes for its turn (CI's two-core
    /// ASan run: 389 s, trivial tests reported 177 s); the producer's budget and the consumer's
    /// deadline, on their own threads, bound it.
    @Test
    func twoThreadsDeliverEverySequenceNumberInOrder() async throws {
        let total = 2_000_000
        let minimumDelivered = 10_000  // ~10 wraps of the ring: both sides interleave
        let ring = SPSCRing<Int>(capacity: 1024)
        let started = Date()
        let producerBudget: TimeInterval = 15
        let consumerDeadline = started.addingTimeInterval(40)
        let produced = Atomic<Int>(-1)  // set once the producer has published its last number
        let result = Mutex<(received: Int, errors: Int, timedOut: Bool)>((0, 0, false))
        let done = DispatchSemaphore(value: 0)

        let consumer = Thread {
            var expected = 0
            var errors = 0
            var backoff = SpinBackoff()
            var timedOut = false
            while true {
                let n = ring.popBatch(max: 256) { v in
                    if v != expected { errors += 1 }
                    expected = v + 1
                }
                if n > 0 {
                    backoff.reset()
                    continue
                }
                let last = produced.load(ordering: .acquiring)
                if last >= 0, ring.count == 0 { break }
                if backoff.attempts % 1024 == 1023, Date() > consumerDeadline { timedOut = true; break }
                backoff.wait()
            }
            result.withLock { $0 = (expected, errors, timedOut) }
            done.signal()
        }
        let producer = Thread {
            var i = 0
            var batches = 0
            // Batches of uneven size, published once per batch; waits (never drops) when full.
            while i < total {
                if batches % 256 == 0, Date().timeIntervalSince(started) > producerBudget { break }
                batches += 1
                let batch = min(1 + i % 37, total - i)
                for _ in 0..<batch {
                    if !ring.push(i) {
                        ring.publish()
                        guard ring.pushWaiting(i, until: { Date() > consumerDeadline }) else {
                            produced.store(i, ordering: .releasing)
                            return
                        }
                    }
                    i += 1
                }
                ring.publish()
            }
            produced.store(i, ordering: .releasing)
        }
        consumer.start()
        producer.start()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                done.wait(); c.resume()
            }
        }
        let r = result.withLock { $0 }
        let pushed = produced.load(ordering: .acquiring)
        #expect(!r.timedOut)
        #expect(r.errors == 0)
        #expect(pushed >= minimumDelivered, "the producer pushed only \(pushed) numbers in \(producerBudget) s")
        #expect(r.received == pushed)
        #expect(ring.count == 0)
    }
}

/// Counts ``Tracked`` deinits.
private final class DeinitCounter: Sendable {
    let m = Mutex(0)
    var value: Int { m.withLock { $0 } }
}

/// A non-trivial ring element that reports its destruction.
private final class Tracked {
    let counter: DeinitCounter
    init(_ counter: DeinitCounter) { self.counter = counter }
    deinit { counter.m.withLock { $0 += 1 } }
}
