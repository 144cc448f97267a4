import Synchronization
import ThreadSupport

/// Progress of a parameter sweep on standard error, updated from the sweep's worker threads:
/// on a terminal a bar redrawn at most 5 times a second (`\r`, cleared at the end); otherwise a
/// plain line `qflux backtest: sweep 40% (40 of 100 runs)` at every 10 %.
final class SweepProgress: Sendable {
    private struct State {
        var lastDraw = 0.0
        var lastDecile = 0
        var shown = false
    }

    private let total: Int
    private let terminal: Bool
    private let enabled: Bool
    private let started: Double
    private let state = Locked(State())

    init(total: Int, terminal: Bool, enabled: Bool) {
        self.total = total
        self.terminal = terminal
        self.enabled = enabled
        started = monotonicSeconds()
    }

    /// Seconds between redraws of the bar.
    private static let redrawInterval = 0.2
    /// Characters of the bar.
    private static let width = 30

    /// `done` runs of `total` have finished.
    func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        let fraction = Double(done) / Double(total)
        let percent = Int(fraction * 100)
        if terminal {
            let now = monotonicSeconds()
            let line: String? = state.withLock { s in
                guard now - s.lastDraw >= Self.redrawInterval || done == total else { return nil }
                s.lastDraw = now
                s.shown = true
                let filled = min(Self.width, Int(fraction * Double(Self.width)))
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.width - filled)
                let elapsed = now - started
                let eta =
                    done > 0 && done < total
                    ? ", ~\(Int((elapsed / Double(done) * Double(total - done)).rounded())) s left" : ""
                return "\rsweep [\(bar)] \(percent)% (\(done) of \(total) runs\(eta))\u{1B}[K"
            }
            if let line { Self.write(line) }
        } else {
            let decile = percent / 10
            let report: Bool = state.withLock { s in
                guard decile > s.lastDecile else { return false }
                s.lastDecile = decile
                return true
            }
            if report { StandardStreams.err("qflux backtest: sweep \(decile * 10)% (\(done) of \(total) runs)") }
        }
    }

    /// Clears the bar.
    func finish() {
        let shown = state.withLock { s in
            defer { s.shown = false }
            return s.shown
        }
        if terminal, shown { Self.write("\r\u{1B}[K") }
    }

    private static func write(_ text: String) {
        var copy = text
        copy.withUTF8 { _ = StandardStreams.write(UnsafeRawBufferPointer($0), to: 2) }
    }
}
