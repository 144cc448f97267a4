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
    var selected: [String] = []

    static let usage = """
    USAGE: qflux-bench [--quick] [--json] [--check] [--no-python] [STAGE ...]

    Measures qflux's stages in this build (use the release build) and prints median figures,
    their spread over the runs, and the targets they are held to, with ratios against baselines
    measured in the same run (the original tool's Python pipelines).

    OPTIONS:
      --quick        small corpora and 3 runs per figure (under a minute)
      --json         machine-readable results on standard output
      --check        exit 3 when a figure misses its target (for humans; CI never uses it)
      --no-python    skip the Python baselines
      --list         list the stages and exit
      -h, --help     show this help
    STAGES: run only these (default: all)
    """

    static func parse(_ args: ArraySlice<String>, stages: [any BenchStage]) -> BenchOptions {
        var o = BenchOptions()
        for arg in args {
            switch arg {
            case "--quick": o.quick = true
            case "--json": o.json = true
            case "--check": o.check = true
            case "--allow-debug": o.allowDebug = true
            case "--no-python": o.pythonBaselines = false
            case "--list":
                for s in stages { print("\(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
                exit(0)
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if arg.hasPrefix("-") || !stages.contains(where: { $0.name == arg }) {
                    FileHandle.standardError.write(Data("qflux-bench: unknown option or stage '\(arg)' (see --list)\n".utf8))
                    exit(64)
                }
                o.selected.append(arg)
            }
        }
        return o
    }
}
