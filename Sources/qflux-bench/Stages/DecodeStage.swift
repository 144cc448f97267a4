import Archive
import CDecodeShim
import Candles
import ChromeCDP
import Engine
import FastDecode
import SocketIOServer

/// Decode throughput: the synthetic corpus through `MarketDecoder`, in place, per form; and the
/// original tool's Python pipeline (stdlib json ×3 + base64, and orjson) on the same bytes.
struct DecodeStage: BenchStage {
    let name = "decode"
    let summary = "CDP / perf-log JSONL → ticks (MarketDecoder) vs the Python pipelines on the same corpus"

    func run(_ context: BenchContext) throws -> [Figure] {
        var figures: [Figure] = []
        let frames = context.quick ? 100_000 : 400_000
        var perfLogRate = Double.nan
        for form in [CDPFrameEncoder.Form.perfLog, .cdp] {
            let label = form == .perfLog ? "perf-log" : "CDP"
            let corpus = CorpusGenerator(form: form, frames: frames)
            let decoder = try MarketDecoder()
            let (samples, sink) = corpus.withPaddedBytes { raw in
                measure(warmups: 1, runs: context.runs) {
                    var ticks = 0
                    forEachLine(raw) { line, readable in
                        decoder.decode(line: line, readable: readable) { event in
                            if case .tick = event { ticks += 1 }
                        }
                    }
                    return ticks
                }
            }
            // The C shim alone (frame parse + payload decode, no Socket.IO state, no events).
            // Interleaved so machine noise hits both alike.
            var fastSamples = Samples(), plainSamples = Samples()
            corpus.withPaddedBytes { raw in
                for run in 0..<(context.runs * 2 + 2) {
                    let fast = run % 2 == 0
                    qf_decode_set_fast_paths(fast ? 1 : 0)
                    let t0 = now()
                    _ = ShimOnly.parseAll(raw)
                    if run >= 2 {
                        if fast {
                            fastSamples.seconds.append(now() - t0)
                        } else {
                            plainSamples.seconds.append(now() - t0)
                        }
                    }
                }
                qf_decode_set_fast_paths(1)
            }
            figures.append(
                Figure(
                    stage: name, name: "\(label) C shim line parse, fast paths",
                    value: fastSamples.median / Double(corpus.lines) * 1e9,
                    unit: "ns", spreadPercent: fastSamples.spreadPercent))
            figures.append(
                Figure(
                    stage: name, name: "\(label) C shim line parse, simdjson only",
                    value: plainSamples.median / Double(corpus.lines) * 1e9,
                    unit: "ns", spreadPercent: plainSamples.spreadPercent))
            // The Swift layer's share: the whole decode and the whole C shim of it (line + payload),
            // alternated in the same run; the difference per entry is what is spent above the shim.
            var decodeSamples = Samples(), fullShimSamples = Samples()
            corpus.withPaddedBytes { raw in
                for run in 0..<(context.runs + 1) {
                    var ticks = 0
                    let t0 = now()
                    forEachLine(raw) { line, readable in
                        decoder.decode(line: line, readable: readable) { event in
                            if case .tick = event { ticks += 1 }
                        }
                    }
                    let t1 = now()
                    let shimTicks = ShimOnly.parseAllWithPayloads(raw)
                    let t2 = now()
                    precondition(ticks == corpus.ticks && shimTicks >= corpus.ticks, "decode/shim tick counts")
                    if run >= 1 {
                        decodeSamples.seconds.append(t1 - t0)
                        fullShimSamples.seconds.append(t2 - t1)
                    }
                }
            }
            let lines = Double(corpus.lines)
            figures.append(
                Figure(
                    stage: name, name: "\(label) C shim, line + payload", value: fullShimSamples.median / lines * 1e9,
                    unit: "ns", spreadPercent: fullShimSamples.spreadPercent))
            figures.append(
                Figure(
                    stage: name, name: "\(label) per entry above the shim (decode − shim, same run)",
                    value: (decodeSamples.median - fullShimSamples.median) / lines * 1e9, unit: "ns",
                    spreadPercent: decodeSamples.spreadPercent, target: .atMost(100)))
            let expected = corpus.ticks * (context.runs + 1)
            guard sink == expected else {
                throw BenchError("decode (\(label)): decoded \(sink) ticks, expected \(expected)")
            }
            let seconds = samples.median
            let bytes = Double(corpus.bytes.count)
            let perEntry = seconds / Double(corpus.lines) * 1e9
            let mbps = bytes / seconds / 1e6
            if form == .perfLog { perfLogRate = Double(corpus.lines) / seconds }
            let avg = Int(bytes / Double(corpus.lines))
            figures.append(
                Figure(
                    stage: name, name: "\(label) throughput (avg entry \(avg) B)", value: mbps, unit: "MB/s",
                    spreadPercent: samples.spreadPercent, target: form == .perfLog ? .atLeast(1000) : nil))
            figures.append(
                Figure(
                    stage: name, name: "\(label) per entry", value: perEntry, unit: "ns",
                    spreadPercent: samples.spreadPercent,
                    target: form == .perfLog ? .atMost(400 * Double(avg) / 405) : nil,
                    note: form == .perfLog ? "target scaled from 400 ns per 405-byte entry" : nil))
            figures.append(
                Figure(
                    stage: name, name: "\(label) entries/s", value: Double(corpus.lines) / seconds, unit: "entries/s",
                    spreadPercent: samples.spreadPercent))
            if form == .perfLog, context.pythonBaselines {
                figures += try pythonBaselines(corpus: corpus, qfluxEntriesPerSecond: perfLogRate, context: context)
            }
        }
        return figures
    }

    private func pythonBaselines(corpus: CorpusGenerator, qfluxEntriesPerSecond: Double, context: BenchContext) throws
        -> [Figure]
    {
        guard let python = PythonBaseline.findPython() else {
            return [
                Figure(stage: name, name: "Python baselines", value: .nan, unit: "", note: "python3 not found: skipped")
            ]
        }
        let script = try context.scripts.path(for: .decodeBaseline)
        let file = try context.temporaryFile(named: "corpus.perflog.jsonl", contents: corpus.bytes)
        var figures: [Figure] = []
        for variant in [PythonBaseline.Variant.stdlib, .orjson] {
            let result = try PythonBaseline.run(
                python: python, script: script, variant: variant, file: file, runs: context.quick ? 1 : 3)
            guard let result else {
                figures.append(
                    Figure(
                        stage: name, name: "Python \(variant.rawValue) pipeline", value: .nan, unit: "",
                        note: "\(variant.rawValue) not installed: skipped"))
                continue
            }
            if result.ticks != corpus.ticks {
                throw BenchError(
                    "Python \(variant.rawValue) baseline found \(result.ticks) ticks, expected \(corpus.ticks)")
            }
            let rate = Double(corpus.lines) / result.seconds
            figures.append(
                Figure(
                    stage: name, name: "Python \(variant.rawValue) pipeline (same perf-log corpus)", value: rate,
                    unit: "entries/s"))
            figures.append(
                Figure(
                    stage: name, name: "qflux ÷ Python \(variant.rawValue)", value: qfluxEntriesPerSecond / rate,
                    unit: "×",
                    target: .atLeast(variant == .stdlib ? 20 : 5)))
        }
        return figures
    }
}

/// Calls `body` for each newline-terminated line of `raw` with how many bytes are readable from
/// its start (the buffer is padded by 64 bytes).
func forEachLine(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
    guard let base = raw.baseAddress else { return }
    var start = 0
    let end = raw.count
    while start < end {
        let p = memchr(base + start, 0x0A, end - start)
        let lineEnd = p.map { UnsafeRawPointer($0) - base } ?? end
        body(UnsafeRawBufferPointer(start: base + start, count: lineEnd - start), end + 64 - start)
        start = lineEnd + 1
    }
}

#if canImport(Glibc)
import Glibc
#endif
