/// A value that only its owner thread may read or change, checked on every access in release
/// builds too – swift-nio's `NIOLoopBoundBox`, with a thread in place of an event loop.
///
/// This is how qflux states thread confinement as a type instead of a comment: a class that is
/// shared across threads (a handle others call `stop()` on, an object a C callback reaches through
/// its user pointer) keeps its thread-owned state in a `ThreadBound`, and stays plainly `Sendable`
/// itself. A wrong thread traps with the caller's file and line instead of racing.
///
/// Ownership starts with the creating thread, or with the first user
/// (``init(ownedByFirstUser:)``: state made for a thread that does not run yet). ``claim()`` hands
/// it over where a thread start or join orders the handover.
///
/// Hot paths read the value once per batch through ``withValue(file:line:_:)`` rather than once
/// per tick.
package final class ThreadBound<Value>: @unchecked Sendable {
    // @unchecked: `storage` is only reached after `owner` passed its check on the calling thread,
    // so every access happens on one thread at a time, ordered by thread start/join at handovers.
    @usableFromInline let owner: OwnerThreadCheck
    // No dynamic exclusivity check (a swift_beginAccess / swift_endAccess pair per access, which
    // showed per line on the feeder's path): the owner check already confines `storage` to one
    // thread, and on that thread ``withValue(file:line:_:)`` must not be entered again from its
    // own body (as with `Locked.withLock`).
    @exclusivity(unchecked) @usableFromInline var storage: Value

    /// `value`, owned by the calling thread.
    @inlinable package init(_ value: Value) {
        storage = value
        owner = OwnerThreadCheck()
    }

    /// `value`, owned by the first thread that touches it.
    @inlinable package init(ownedByFirstUser value: Value) {
        storage = value
        owner = OwnerThreadCheck(ownedByFirstUser: ())
    }

    /// The value; traps off the owner thread.
    @inlinable package var value: Value {
        get {
            owner.assertOwnerOrClaim()
            return storage
        }
        _modify {
            owner.assertOwnerOrClaim()
            yield &storage
        }
    }

    /// Runs `body` with the value (one check for the whole body); traps off the owner thread.
    /// Never call it (or ``value``) on the same `ThreadBound` from inside `body`.
    @inlinable package func withValue<Result>(
        file: StaticString = #fileID, line: UInt = #line, _ body: (inout Value) throws -> Result
    ) rethrows -> Result {
        owner.assertOwnerOrClaim(file: file, line: line)
        return try body(&storage)
    }

    /// The calling thread owns the value from now on (a thread start or join must order it after
    /// the previous owner's last access).
    @inlinable package func claim() { owner.claim() }

    /// Gives the value up: the next thread to touch it becomes its owner. For state handed to a
    /// thread started right after.
    @inlinable package func release() { owner.release() }

    /// Whether the calling thread owns the value.
    @inlinable package var isOwnedByCurrentThread: Bool { owner.isOwnedByCurrentThread }
}
