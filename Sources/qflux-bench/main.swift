import Archive
import Foundation

// qflux-bench: throughput and latency of every stage, side by side with the alternatives.
// Plain executable (see swift-nio's NIOPerformanceTester): warm-up, several timed runs, median
// and spread, stages picked by name, and a loud refusal to report from a debug build.

let stages: [any BenchStage] = [
    DecodeStage(),
    RingStage(),
    CandleStage(),
    ArchiveStage(),
    ExportStage(),
    ReplayStage(),
    FanoutStage(),
    FanoutMaxStage(),
    LatencyStage(),
    RedisStage(),
    PostgresStage(),
    BacktestStage(),
    AnalysisStage(),
    SignalsStage(),
]

var options = BenchOptions.parse(CommandLine.arguments.dropFirst(), stages: stages)
#if DEBUG
if !options.allowDebug {
    FileHandle.standardError.write(
        Data(
            """
            qflux-bench: this is a DEBUG build; its figures are meaningless (C++ at -O0 is ~25× slower).
            Build and run the release build:  swift build -c release && .build/release/qflux-bench
            (pass --allow-debug to run anyway, e.g. to test the harness)

            """.utf8))
    exit(2)
}
#endif
do {
    try BenchRunner(options: options, stages: stages).run()
} catch {
    FileHandle.standardError.write(Data("qflux-bench: \(error)\n".utf8))
    exit(1)
}
