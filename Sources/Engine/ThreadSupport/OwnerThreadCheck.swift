import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which thread may touch some thread-confined state now. The check runs in release builds too:
/// it is one atomic load and one `pthread_equal`, a nanosecond or two.
///
/// The pattern of swift-nio's `NIOLoopBound`: state the compiler cannot prove confined names its
/// owner thread, and its entry points call ``assertOwner(file:line:)``. Prefer ``ThreadBound``,
/// which makes the check part of every access; this type is for state reached some other way (a
/// C callback's user pointer, a class whose hot path checks once per batch).
///
/// Ownership may be handed over with ``claim()`` when a thread start or join orders the handover –
/// for a libwebsockets context: the thread that creates it, then its service thread, then the
/// thread that joined the service thread and destroys the context.
package final class OwnerThreadCheck: Sendable {
    /// The owner's `pthread_self()` as an integer; 0 while unowned.
    @usableFromInline let owner = Atomic<UInt>(0)

    /// A check owned by the calling thread.
    package init() { claim() }

    /// A check whose owner is the first thread that calls ``assertOwnerOrClaim(file:line:)``
    /// (state handed to a thread that does not exist yet, like a source's feeder).
    package init(ownedByFirstUser: Void) {}

    /// Like ``assertOwner(file:line:)``, but the first caller becomes the owner.
    @inlinable package func assertOwnerOrClaim(file: StaticString = #fileID, line: UInt = #line) {
        let id = owner.load(ordering: .acquiring)
        if id == 0 {
            let (exchanged, current) = owner.compareExchange(
                expected: 0, desired: Self.currentThread, ordering: .acquiringAndReleasing)
            if exchanged { return }
            precondition(
                Self.isCurrent(current), "thread-confined state used off its owner thread", file: file, line: line)
            return
        }
        precondition(Self.isCurrent(id), "thread-confined state used off its owner thread", file: file, line: line)
    }

    /// The calling thread owns the state from now on. Only call it where a thread start or join
    /// orders this thread after the previous owner's last use.
    @inlinable package func claim() {
        owner.store(Self.currentThread, ordering: .releasing)
    }

    /// Gives the state up: the next ``assertOwnerOrClaim(file:line:)`` caller becomes the owner.
    @inlinable package func release() {
        owner.store(0, ordering: .releasing)
    }

    /// Whether the calling thread is the owner.
    @inlinable package var isOwnedByCurrentThread: Bool {
        let id = owner.load(ordering: .acquiring)
        return id != 0 && Self.isCurrent(id)
    }

    /// Traps when the calling thread is not the owner (in release builds too).
    @inlinable package func assertOwner(file: StaticString = #fileID, line: UInt = #line) {
        let id = owner.load(ordering: .acquiring)
        precondition(
            id != 0 && Self.isCurrent(id), "thread-confined state used off its owner thread", file: file, line: line)
    }

    /// The calling thread's `pthread_self()` as an integer.
    @inlinable package static var currentThread: UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }

    /// Whether `id` (a ``currentThread`` value) is the calling thread.
    @inlinable package static func isCurrent(_ id: UInt) -> Bool {
        #if canImport(Darwin)
        id == currentThread
        #else
        pthread_equal(pthread_self(), pthread_t(id)) != 0
        #endif
    }
}
