import Archive
import ChromeCDP
import Foundation

/// Command-line options of qflux-bench (kept dependency-free: the bench links only the engine).
struct BenchOptions {
    var quick = false
    var json = false
    var check = false
    var allowDebug = false
    var pythonBaselines = true
    /// `--scripts DIR`: where the Python programs are (``BenchScripts`` has the default order).
    var scriptsDirectory: String?
    var selected: [String] = []

    static let usage = """
        USAGE: qflux-bench [--quick] [--json] [--check] [--no-python] [--scripts DIR] [STAGE ...]

        Measures qflux's stages in this build (use the release build) and prints median figures,
        their spread over the runs, and the targets they are held to, with ratios against baselines
        measured in the same run (the original tool's Python pipelines).

        OPTIONS:
          --quick        small corpora and 3 runs per figure (under a minute)
          --json         machine-readable results on standard output
          --check        exit 3 when a figure misses its target (for humans; CI never uses it)
          --no-python    skip the Python baselines
          --scripts DIR  where the bench's Python programs are (default: $QFLUX_BENCH_SCRIPTS, else
                         Scripts beside the executable, else Sources/qflux-bench/Scripts of the
                         checkout it was built from)
          --list         list the stages and exit
          -h, --help     show this help
        STAGES: run only these (default: all)
        """

    static func parse(_ args: ArraySlice<String>, stages: [any BenchStage]) -> BenchOptions {
        var o = BenchOptions()
        var args = args.makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--quick": o.quick = true
            case "--json": o.json = true
            case "--check": o.check = true
            case "--allow-debug": o.allowDebug = true
            case "--no-python": o.pythonBaselines = false
            case "--scripts":
                guard let dir = args.next(), !dir.isEmpty else { fail("--scripts needs a directory") }
                o.scriptsDirectory = dir
            case _ where arg.hasPrefix("--scripts="):
                let dir = String(arg.dropFirst("--scripts=".count))
                guard !dir.isEmpty else { fail("--scripts needs a directory") }
                o.scriptsDirectory = dir
            case "--list":
                for s in stages { print("\(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
                exit(0)
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if arg.hasPrefix("-") || !stages.contains(where: { $0.name == arg }) {
                    fail("unknown option or stage '\(arg)' (see --list)")
                }
                o.selected.append(arg)
            }
        }
        return o
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("qflux-bench: \(message)\n".utf8))
        exit(64)
    }
}
