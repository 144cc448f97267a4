import Foundation
import Indicators
import Testing

/// `qflux indicators` with the original tool's DeMarker and Schaff Trend Cycle, as a user runs it.
@Suite("qflux indicators: DeMarker and STC")
struct OriginalIndicatorCLITests {
    @Test("demarker and schaff_tc on a CSV file: their columns, empty before the lookback, the library's values")
    func demarkerAndSTC() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try AnalysisCLITests.writeCSV(dir, count: 300)
        let run = try AnalysisCLITests.qflux([
            "indicators", csvPath, "--indicators", "demarker,schaff_tc", "--format", "csv",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "timestamp,demarker_10,stc_10_20_3_3")
        #expect(lines.count == 301)
        let candles = try CandleCSV.parse(try String(contentsOfFile: csvPath, encoding: .utf8))
        let table = try IndicatorTable.compute(candles, spec: "demarker(10),stc(10,20,3,3)")
        for (i, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map {
                $0.isEmpty ? nil : Double($0)
            }
            #expect(cells == table.values[i], "row \(i): \(line)")
            #expect((cells[0] == nil) == (i < 10) && (cells[1] == nil) == (i < 4), "row \(i): \(line)")
        }
        let help = try AnalysisCLITests.qflux(["indicators", "--help"])
        #expect(help.stdout.contains("demarker(n)") && help.stdout.contains("schaff_tc"))
    }
}
