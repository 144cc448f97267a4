#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Which thread may touch some thread-confined state now – checked in debug builds, free in
/// release builds.
///
/// The pattern of swift-nio's `NIOLoopBound`: state the compiler cannot prove confined (a class
/// marked `@unchecked Sendable`, state reached through a C callback's user pointer) names its
/// owner thread, and its entry points call ``assertOwner(file:line:)``. Ownership may be handed
/// over with ``claim()`` when a thread start or join orders the handover – for a libwebsockets
/// context: the thread that creates it, then its service thread, then the thread that joined the
/// service thread and destroys the context.
package final class OwnerThreadCheck: Sendable {
    /// The owner's `pthread_self()` as an integer (debug builds; 0 in release builds).
    @usableFromInline let owner = Atomic<UInt>(0)

    /// A check owned by the calling thread.
    package init() { claim() }

    /// A check whose owner is the first thread that calls ``assertOwnerOrClaim(file:line:)``
    /// (state handed to a thread that does not exist yet, like a source's feeder).
    package init(ownedByFirstUser: Void) {}

    /// Like ``assertOwner(file:line:)``, but the first caller becomes the owner.
    @inlinable package func assertOwnerOrClaim(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        if owner.load(ordering: .acquiring) == 0 {
            _ = owner.compareExchange(expected: 0, desired: Self.currentThread, ordering: .acquiringAndReleasing)
        }
        assertOwner(file: file, line: line)
        #endif
    }

    /// The calling thread owns the state from now on.
    @inlinable package func claim() {
        #if DEBUG
        owner.store(Self.currentThread, ordering: .releasing)
        #endif
    }

    /// Traps in debug builds when the calling thread is not the owner; does nothing in release builds.
    @inlinable package func assertOwner(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        let id = owner.load(ordering: .acquiring)
        precondition(Self.isCurrent(id), "thread-confined state used off its owner thread", file: file, line: line)
        #endif
    }

    @inlinable package static var currentThread: UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }

    @inlinable package static func isCurrent(_ id: UInt) -> Bool {
        #if canImport(Darwin)
        id == currentThread
        #else
        pthread_equal(pthread_self(), pthread_t(id)) != 0
        #endif
    }
}
