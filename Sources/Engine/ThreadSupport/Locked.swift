#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`: the lock qflux uses for state shared between threads.
///
/// Why not `Synchronization.Mutex`: on Linux it locks with raw futex system calls, which
/// ThreadSanitizer does not intercept, so every access inside `withLock` from two threads is
/// reported as a race and the project's own types had to be suppressed in tsan.supp. A pthread
/// mutex is intercepted, costs the same uncontended (one atomic exchange to lock, one to unlock)
/// and lets the TSan run check qflux's types instead of hiding them. Same `withLock` shape as
/// `Mutex`, so either reads the same at the call site.
package final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only reached inside `withLock`, under `mutex`; the mutex is a C
    // resource this class creates in init and destroys in deinit.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    /// `initialValue`, behind a new mutex.
    package init(_ initialValue: Value) {
        value = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock. Never call it again from inside `body`.
    @inlinable package func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
