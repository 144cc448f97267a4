import Archive
import ChromeCDP
import Foundation

/// One benchmark stage: measures something real and returns its figures.
protocol BenchStage {
    var name: String { get }
    var summary: String { get }
    func run(_ context: BenchContext) throws -> [Figure]
}

/// What every stage gets: run sizes, a scratch directory, and where the Python programs are.
final class BenchContext {
    let quick: Bool
    let runs: Int
    let pythonBaselines: Bool
    let scripts: BenchScripts
    let scratch: URL

    init(quick: Bool, pythonBaselines: Bool, scripts: BenchScripts) throws {
        self.quick = quick
        self.runs = quick ? 3 : 7
        self.pythonBaselines = pythonBaselines
        self.scripts = scripts
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Writes a scratch file and returns its path.
    func temporaryFile(named name: String, contents: [UInt8]) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(contents).write(to: url)
        return url.path
    }

    /// A fresh scratch subdirectory.
    func temporaryDirectory(named name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A benchmark failed to do its work (not a slow result: those are reported, never fatal).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
