import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

@Suite("Archive Python reader")
struct ArchivePythonReaderTests {
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scripts/qfa_ticks.py"
    ).path
    static let docPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/archive-format.md").path

    // Format 1's varint reader fitted in 5 lines; format 2's records are bit-packed (Rice codes with
    // adaptive parameters, escapes), and a bit reader plus the column state take 12 lines.
    @Test("the documented reader and the script copy agree and have at most 12 lines")
    func docMatchesScript() throws {
        let doc = try String(contentsOfFile: Self.docPath, encoding: .utf8)
        let script = try String(contentsOfFile: Self.scriptPath, encoding: .utf8)
        // The format-2 reader under its heading (the format-1 one, earlier in the doc, is legacy).
        let heading = try #require(doc.range(of: "## Reading a tick chunk from Python"))
        let start = try #require(doc.range(of: "```python\n", range: heading.upperBound..<doc.endIndex))
        let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
        let documented = String(doc[start.upperBound..<end.lowerBound])
        #expect(documented + "\n" == script)
        #expect(documented.split(separator: "\n").count <= 12)
    }

    @Test(
        "python3 with lz4.frame decodes tick chunks written here, exactly",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func pythonDecodes() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = ["EURUSD_otc", "#AAPL"].map(assets.register)
        var ticks = ArchiveTestData.randomWalk(assets: [ids[0]], count: 700, seed: 17)
        var t = 1_756_866_000.0
        for (i, v) in ArchiveTestData.oddDoubles.enumerated() {
            t += [1, 0.001, 0.000001, 0.37][i % 4]
            ticks.append(Tick(asset: ids[1], time: t, price: v))
        }
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick, tickChunkSize: 500),
            assets: assets, logger: ArchiveTestData.logger)
        for (i, tick) in ticks.enumerated() {
            try writer.append(tick)
            if i % 50 == 0 { try writer.flush() }
        }
        try writer.close()
        let reader = try ArchiveReader()
        let chunks = dir.chunks()
        #expect(chunks.count == 3)
        for path in chunks {
            let (status, output) = try ArchiveTestData.run("/usr/bin/env", ["python3", Self.scriptPath, path])
            #expect(status == 0, "\(output)")
            let lines = output.split(separator: "\n")
            let records = try reader.read(path).ticks
            #expect(lines.count == records.count)
            for (line, r) in zip(lines, records) {
                let parts = line.split(separator: " ").map { parsePython(String($0)) }
                #expect(parts.count == 2)
                guard parts.count == 2, let pt = parts[0], let pp = parts[1] else {
                    Issue.record("unparsable line: \(line)")
                    continue
                }
                #expect(pt.bitPattern == r.time.bitPattern || (pt.isNaN && r.time.isNaN), "\(line) vs \(r)")
                #expect(pp.bitPattern == r.price.bitPattern || (pp.isNaN && r.price.isNaN), "\(line) vs \(r)")
            }
        }
    }

    private func parsePython(_ s: String) -> Double? {
        switch s {
        case "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: return Double(s)
        }
    }
}
