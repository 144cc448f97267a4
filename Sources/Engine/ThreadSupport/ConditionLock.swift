#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `pthread_mutex_t` with one `pthread_cond_t`: for work handed between threads that wait for
/// one another's progress (the indicator writer's compute / format / write tasks), where a task
/// runs with the lock released and the state is updated with it held again – a shape
/// ``Locked``'s closure does not fit. pthread (not futex) primitives, so ThreadSanitizer sees
/// them, as for ``Locked``.
package final class ConditionLock: @unchecked Sendable {
    // @unchecked: the mutex and the condition are C resources made in init and destroyed in
    // deinit; everything else is the caller's, reached only with the lock held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// A new, unlocked lock.
    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        rc = pthread_cond_init(condition, nil)
        precondition(rc == 0, "pthread_cond_init failed: \(rc)")
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Takes the lock.
    package func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock.
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// With the lock held: releases it until ``broadcast()`` (or a spurious wake-up), then holds
    /// it again. Check the awaited state in a loop around it.
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every thread in ``wait()``.
    package func broadcast() { pthread_cond_broadcast(condition) }
}
