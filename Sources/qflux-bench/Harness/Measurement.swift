#if canImport(Glibc)
import Candles
import Glibc
#endif

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU time (user + system) of this whole process, in seconds.
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// CPU time of the calling thread, in seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Timings of several runs of the same work.
struct Samples {
    var seconds: [Double] = []

    var median: Double {
        let s = seconds.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    var min: Double { seconds.min() ?? .nan }
    var max: Double { seconds.max() ?? .nan }
    /// (max - min) / median, as a percentage.
    var spreadPercent: Double { median > 0 ? (max - min) / median * 100 : 0 }
}

/// Runs `body` `warmups` times untimed, then `runs` times timed. `body` returns a value that
/// depends on the work (checked by the caller) so it cannot be optimised away.
func measure(warmups: Int, runs: Int, _ body: () -> Int) -> (Samples, Int) {
    var sink = 0
    for _ in 0..<warmups { sink &+= body() }
    var samples = Samples()
    for _ in 0..<runs {
        let t0 = now()
        sink &+= body()
        samples.seconds.append(now() - t0)
    }
    return (samples, sink)
}

/// One printed figure.
struct Figure {
    var stage: String
    var name: String
    var value: Double
    var unit: String
    var spreadPercent: Double?
    /// A target this figure is held to: (comparison, value). Reported, never enforced in CI.
    var target: Target?
    var note: String?

    enum Target {
        case atLeast(Double)
        case atMost(Double)
        func met(_ v: Double) -> Bool {
            switch self {
            case let .atLeast(t): v >= t
            case let .atMost(t): v <= t
            }
        }
        var text: String {
            switch self {
            case let .atLeast(t): "≥ \(formatNumber(t))"
            case let .atMost(t): "≤ \(formatNumber(t))"
            }
        }
    }
}

/// 1234567 → "1,234,567"; 12.345 → "12.3"; 0.01234 → "0.0123".
func formatNumber(_ v: Double) -> String {
    guard v.isFinite else { return "n/a" }
    if abs(v) >= 1000 {
        let n = Int(v.rounded())
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
    if abs(v) >= 100 { return String(Int(v.rounded())) }
    if abs(v) >= 1 { return String((v * 10).rounded() / 10) }
    if v == 0 { return "0" }
    var scale = 1.0
    while abs(v) * scale < 100 { scale *= 10 }
    return String((v * scale).rounded() / scale)
}
