import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The signal that asked the running command to stop (0: none yet). Set by the handlers that
/// ``StopSignals/install(_:)`` installs; polled by the commands.
let stopSignal = Atomic<Int32>(0)

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed) as a request to stop cleanly.
enum StopSignals {
    /// The signals a long-running command stops on.
    static let all = [SIGINT, SIGTERM, SIGHUP]

    /// Installs handlers that only record the signal (async-signal-safe); the commands poll
    /// ``requested`` (the signal may be delivered to any thread, so no read is relied on to be
    /// interrupted).
    static func install(_ signals: [Int32] = all) {
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in stopSignal.store(sig, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }

    /// Unblocks every signal on the calling thread (the main thread, first thing): a parent that
    /// starts qflux from a thread blocking signals (Swift concurrency's threads do, and a child
    /// inherits the mask) would otherwise hand down a mask under which SIGTERM never arrives.
    /// (An `async` main hid this: its main thread waited in `sigsuspend` with an empty mask.)
    static func unblockAll() {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
    }

    /// True once a stop was requested.
    static var requested: Bool { stopSignal.load(ordering: .relaxed) != 0 }

    /// The name of the signal that stopped the command (`SIGINT`, …).
    static var name: String {
        switch stopSignal.load(ordering: .relaxed) {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case let n: "signal \(n)"
        }
    }
}
