import Foundation
import Indicators

/// Runs `Scripts/talib_oracle.py` on candles and compares qflux's indicator columns with TA-Lib's.
enum TALibOracle {
    /// TA-Lib's columns for `specs` over `candles` (nil = NaN / before the lookback).
    static func columns(_ candles: [AnalysisCandle], specs: [IndicatorSpec]) throws -> [String: [Double?]] {
        let specJSON = specs.map { s in
            "[\"\(s.kind.rawValue)\",[" + s.parameters.map { "\($0)" }.joined(separator: ",") + "]]"
        }
        let input =
            "{\"candles\":\(AnalysisTestSupport.candlesJSON(candles)),\"specs\":[\(specJSON.joined(separator: ","))]}"
        let inURL = AnalysisTestSupport.temporaryFile(".json")
        let outURL = AnalysisTestSupport.temporaryFile(".json")
        defer {
            try? FileManager.default.removeItem(at: inURL)
            try? FileManager.default.removeItem(at: outURL)
        }
        try input.write(to: inURL, atomically: true, encoding: .utf8)
        let r = try AnalysisTestSupport.runScript("talib_oracle.py", [inURL.path, outURL.path], timeout: 300)
        guard r.status == 0 else { throw OracleFailure(message: "talib_oracle.py exited \(r.status): \(r.stderr)") }
        var columns: [String: [Double?]] = [:]
        for line in try String(contentsOf: outURL, encoding: .utf8).split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let values = line[line.index(after: tab)...].split(separator: ",", omittingEmptySubsequences: false).map {
                (s: Substring) -> Double? in
                guard let v = Double(s), !v.isNaN else { return nil }
                return v
            }
            columns[String(line[..<tab])] = values
        }
        return columns
    }

    /// An oracle run failed.
    struct OracleFailure: Error, CustomStringConvertible {
        /// What happened.
        var message: String
        /// The message.
        var description: String { message }
    }

    /// Result of comparing one column.
    struct Mismatch: CustomStringConvertible {
        /// Column.
        var column: String
        /// Row.
        var index: Int
        /// qflux's value.
        var ours: Double?
        /// TA-Lib's value.
        var theirs: Double?
        /// Readable form.
        var description: String {
            "\(column)[\(index)]: qflux \(ours.map { "\($0)" } ?? "nil") vs TA-Lib \(theirs.map { "\($0)" } ?? "nil")"
        }
    }

    /// Summary of a comparison.
    struct Report {
        /// Values compared (both present).
        var compared = 0
        /// Of those, bit-identical.
        var identical = 0
        /// Largest relative difference seen.
        var maxRelative = 0.0
        /// Values outside the tolerance, or present on one side only.
        var mismatches: [Mismatch] = []
        /// Columns with values that are close but not bit-identical (column: count).
        var inexactColumns: [String: Int] = [:]
    }

    /// Compares qflux's `IndicatorTable` with TA-Lib's columns: same presence (lookback) and
    /// `|a - b| <= 1e-9 * max(|a|, |b|)` (relative 1e-9).
    static func compare(_ candles: [AnalysisCandle], specs: [IndicatorSpec]) throws -> Report {
        let table = IndicatorTable.compute(candles, specs: specs)
        let theirs = try columns(candles, specs: specs)
        var report = Report()
        for (k, name) in table.columns.enumerated() {
            guard let col = theirs[name] else {
                report.mismatches.append(
                    Mismatch(column: name + " (missing from oracle)", index: -1, ours: nil, theirs: nil))
                continue
            }
            guard col.count == table.values.count else {
                report.mismatches.append(
                    Mismatch(
                        column: name + " (length \(col.count) vs \(table.values.count))", index: -1, ours: nil,
                        theirs: nil))
                continue
            }
            for i in 0..<col.count {
                let a = table.values[i][k]
                let b = col[i]
                switch (a, b) {
                case (nil, nil): continue
                case (let x?, let y?):
                    report.compared += 1
                    if x.bitPattern == y.bitPattern || x == y {
                        report.identical += 1
                        continue
                    }
                    report.inexactColumns[name, default: 0] += 1
                    let rel = abs(x - y) / Swift.max(abs(x), abs(y))
                    report.maxRelative = Swift.max(report.maxRelative, rel)
                    if rel > 1e-9 { report.mismatches.append(Mismatch(column: name, index: i, ours: x, theirs: y)) }
                default:
                    report.mismatches.append(Mismatch(column: name, index: i, ours: a, theirs: b))
                }
            }
        }
        return report
    }
}
