import Foundation
import Testing
import ThreadSupport

/// `ThreadBound` and `OwnerThreadCheck`: the owner reads and writes; any other thread traps, in
/// release builds too (the exit tests run the body in a child process).
@Suite("ThreadBound")
struct ThreadBoundTests {
    /// Runs `body` on a new thread and waits for it.
    static func onOtherThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
        done.wait()
    }

    @Test("the creating thread owns the value: reads, writes and withValue")
    func ownerReadsAndWrites() {
        let bound = ThreadBound([1, 2])
        bound.value.append(3)
        let sum = bound.withValue { values -> Int in
            values.append(4)
            return values.reduce(0, +)
        }
        #expect(bound.value == [1, 2, 3, 4])
        #expect(sum == 10)
        #expect(bound.isOwnedByCurrentThread)
    }

    @Test("ownedByFirstUser: the first thread that touches the value owns it")
    func firstUserClaims() {
        let bound = ThreadBound(ownedByFirstUser: 0)
        #expect(!bound.isOwnedByCurrentThread)
        let ownedThere = Locked(false)
        Self.onOtherThread {
            bound.value += 41
            bound.value += 1
            ownedThere.withLock { $0 = bound.isOwnedByCurrentThread }
        }
        #expect(ownedThere.withLock { $0 })
        #expect(!bound.isOwnedByCurrentThread)
    }

    @Test("claim hands the value over after a join")
    func claimAfterJoin() {
        let bound = ThreadBound(ownedByFirstUser: "")
        Self.onOtherThread { bound.value = "written by the worker" }
        bound.claim()  // the worker has finished: the semaphore orders its writes before this
        #expect(bound.value == "written by the worker")
    }

    @Test("release lets the next thread become the owner")
    func releaseHandsOver() {
        let bound = ThreadBound(7)
        bound.release()
        Self.onOtherThread { bound.value *= 6 }
        bound.claim()
        #expect(bound.value == 42)
    }

    @Test("another thread's read traps")
    func otherThreadTraps() async {
        await #expect(processExitsWith: .failure) {
            let bound = ThreadBound(1)
            ThreadBoundTests.onOtherThread { _ = bound.value }
        }
    }

    @Test("another thread's withValue traps after the first user claimed it")
    func secondUserTraps() async {
        await #expect(processExitsWith: .failure) {
            let bound = ThreadBound(ownedByFirstUser: 1)
            bound.value += 1
            ThreadBoundTests.onOtherThread { bound.withValue { $0 += 1 } }
        }
    }

    @Test("OwnerThreadCheck traps off its owner thread")
    func ownerCheckTraps() async {
        await #expect(processExitsWith: .failure) {
            let check = OwnerThreadCheck()
            ThreadBoundTests.onOtherThread { check.assertOwner() }
        }
    }

    @Test("OwnerThreadCheck passes on its owner and after a claim")
    func ownerCheckPasses() {
        let check = OwnerThreadCheck(ownedByFirstUser: ())
        Self.onOtherThread { check.assertOwnerOrClaim() }
        check.claim()
        check.assertOwner()
        #expect(check.isOwnedByCurrentThread)
    }
}

@Suite("Locked")
struct LockedTests {
    @Test("increments from several threads are not lost")
    func concurrentIncrements() {
        let counter = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test("withLock returns the body's result and rethrows its error")
    func resultAndError() {
        struct Refused: Error {}
        let names = Locked(["a"])
        let count = names.withLock { names -> Int in
            names.append("b")
            return names.count
        }
        #expect(count == 2)
        #expect(throws: Refused.self) { try names.withLock { _ in throw Refused() } }
        #expect(names.withLock { $0 } == ["a", "b"])
    }
}

@Suite("Monotonic clock")
struct MonotonicClockTests {
    @Test("nanoseconds and seconds agree and never go back")
    func monotonic() {
        var last = monotonicNanos()
        for _ in 0..<1_000 {
            let now = monotonicNanos()
            #expect(now >= last)
            last = now
        }
        let seconds = monotonicNow()
        #expect(abs(seconds - Double(monotonicNanos()) / 1e9) < 1)
    }
}
