import Archive
import Foundation

/// Runs the selected stages and prints their figures (table or JSON).
struct BenchRunner {
    var options: BenchOptions
    var stages: [any BenchStage]

    func run() throws {
        let context = try BenchContext(
            quick: options.quick, pythonBaselines: options.pythonBaselines,
            scripts: BenchScripts(option: options.scriptsDirectory))
        let chosen = options.selected.isEmpty ? stages : stages.filter { options.selected.contains($0.name) }
        var all: [Figure] = []
        if !options.json {
            print("qflux-bench – \(machineLine()) – \(options.quick ? "quick" : "full") run, median of \(context.runs)")
        }
        for stage in chosen {
            if !options.json { FileHandle.standardError.write(Data("running \(stage.name)…\n".utf8)) }
            let figures = try stage.run(context)
            all += figures
            if !options.json { printTable(figures) }
        }
        if options.json { printJSON(all) }
        if options.check, all.contains(where: { f in f.target.map { !$0.met(f.value) } ?? false }) {
            exit(3)
        }
    }

    private func printTable(_ figures: [Figure]) {
        for f in figures {
            var line =
                "  \(f.stage.padding(toLength: 8, withPad: " ", startingAt: 0)) \(f.name.padding(toLength: 52, withPad: " ", startingAt: 0)) "
            let value = "\(formatNumber(f.value)) \(f.unit)"
            line += value.padding(toLength: 22, withPad: " ", startingAt: 0)
            if let s = f.spreadPercent {
                line += " ±\(formatNumber(s / 2))%".padding(toLength: 9, withPad: " ", startingAt: 0)
            } else {
                line += String(repeating: " ", count: 9)
            }
            if let t = f.target {
                line += " target \(t.text) \(f.unit): \(t.met(f.value) ? "met" : "MISSED")"
            }
            if let n = f.note { line += "  (\(n))" }
            print(line)
        }
    }

    private func printJSON(_ figures: [Figure]) {
        var items: [[String: Any]] = []
        for f in figures {
            var d: [String: Any] = ["stage": f.stage, "name": f.name, "unit": f.unit]
            d["value"] = f.value.isFinite ? f.value : NSNull()
            if let s = f.spreadPercent { d["spread_percent"] = s }
            if let t = f.target {
                switch t {
                case let .atLeast(v): d["target"] = [">=", v]
                case let .atMost(v): d["target"] = ["<=", v]
                }
                d["target_met"] = t.met(f.value)
            }
            if let n = f.note { d["note"] = n }
            items.append(d)
        }
        let doc: [String: Any] = ["machine": machineLine(), "quick": options.quick, "figures": items]
        let data = try! JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func machineLine() -> String {
        var cpu = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let name = line.split(separator: ":", maxSplits: 1).last
        {
            cpu = name.trimmingCharacters(in: .whitespaces)
        }
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
