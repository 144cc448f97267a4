import Foundation

/// The bench's Python programs, kept as files in Sources/qflux-bench/Scripts (excluded from the
/// Swift target) and found at run time. Each file's docstring says its arguments and its stage.
enum BenchScript: String, CaseIterable {
    /// The latency stage's synthetic Chrome endpoint and Socket.IO client.
    case latencyEndpoint = "latency_cdp_endpoint.py"
    /// The fan-out stage's Flask-SocketIO baseline server.
    case flaskServer = "fanout_flask_server.py"
    /// The decode and replay stages' Python decode pipeline (stdlib json or orjson).
    case decodeBaseline = "decode_python_baseline.py"
    /// The redis stage's redis-py pipelined XADD baseline.
    case redisPy = "redis_py_xadd.py"
    /// The backtest stage's timing of the tests' plain-Python reference.
    case backtestReference = "backtest_reference_timer.py"
    /// The analysis stage's pandas + TA-Lib indicators baseline.
    case pandasTALib = "analysis_pandas_talib.py"
}

/// Finds the directory holding the bench's Python programs (``BenchScript``), in this order:
/// 1. `--scripts DIR` on the command line;
/// 2. the environment variable `QFLUX_BENCH_SCRIPTS`;
/// 3. a `Scripts` folder beside the executable (e.g. `.build/release/Scripts`, copied there);
/// 4. `Sources/qflux-bench/Scripts` of the checkout this binary was built from (`#filePath`):
///    the normal case when run from a checkout.
///
/// An explicit directory (1 or 2) is the only place looked in; otherwise a script is taken from
/// the first of 3 and 4 that holds it.
struct BenchScripts {
    /// Where a script may be, in the order looked in, with the reason each place is looked in.
    let candidates: [(directory: String, origin: String)]

    /// - Parameter option: the `--scripts` value, if given.
    init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let option {
            candidates = [(Self.absolute(option), "--scripts")]
        } else if let variable = environment["QFLUX_BENCH_SCRIPTS"], !variable.isEmpty {
            candidates = [(Self.absolute(variable), "QFLUX_BENCH_SCRIPTS")]
        } else {
            var found: [(String, String)] = []
            if let executable = Bundle.main.executableURL {
                found.append(
                    (
                        executable.deletingLastPathComponent().appendingPathComponent("Scripts").path,
                        "beside the executable"
                    ))
            }
            found.append((Self.sourceDirectory, "source tree"))
            candidates = found
        }
    }

    /// Sources/qflux-bench/Scripts, from this file's path at build time.
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts").path

    /// The script's absolute path; throws a one-line error naming every place looked in when it
    /// is in none of them.
    func path(for script: BenchScript) throws -> String {
        for candidate in candidates {
            let path = candidate.directory + "/" + script.rawValue
            if FileManager.default.isReadableFile(atPath: path) { return path }
        }
        let looked = candidates.map { "\($0.directory) (\($0.origin))" }.joined(separator: ", ")
        throw BenchError(
            "bench script \(script.rawValue) not found; looked in \(looked) – pass --scripts DIR or set QFLUX_BENCH_SCRIPTS"
        )
    }

    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
