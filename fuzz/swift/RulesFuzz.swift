// libFuzzer target for the rules language (Sources/Engine/Backtest/Rules: lexer, parser,
// compiler, evaluator), built with `swiftc -sanitize=fuzzer,address` straight from the source
// files with the indicators they use (see scripts/fuzz.sh).
//   byte 0 bit 0 = 0  the rest is the rules text
//   byte 0 bit 0 = 1  the rest is PREFIX 0x00 UNIT 0x00 SUFFIX and the text is PREFIX, UNIT
//                     repeated (byte 1 × 16) times, at most 32 KB, SUFFIX – the shapes of issue 28
//                     (4,000 '(' , 'not' or unary '-', 4,000-term chains: far past every limit)
//                     from a few bytes; the 100 k forms are unit tests (RuleLimitTests)
// A text that parses is compiled and evaluated over 64 candles (with $parameters from a sweep's
// override), and parsed again with the parameters it names.
// Invariants: nothing traps or overflows the stack; an error's line and column lie within the
// text (line ≤ lines, column ≥ 1); parsing is deterministic (equal programs, equal errors).
import Glibc

private let candles: [AnalysisCandle] = (0..<64).map { i in
    let x = Double(i)
    let close = 1.08 + 0.001 * sin(x / 5) + (i % 7 == 0 ? 0.002 : 0)
    return AnalysisCandle(
        timestamp: 1_756_866_000 + x * 60, open: 1.08 + 0.001 * sin((x - 1) / 5), high: close + 0.0005,
        low: close - 0.0005, close: close, volume: 1000 + x)
}

/// The text the input describes.
private func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    let body = UnsafeBufferPointer(start: data + 1, count: size - 1)
    guard data[0] & 1 == 1, size >= 2 else { return String(decoding: body, as: UTF8.self) }
    let parts = Array(body.dropFirst()).split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3 else { return String(decoding: body, as: UTF8.self) }
    let times = Int(body[0]) * 16
    var bytes = Array(parts[0])
    let unit = Array(parts[1])
    // 32 KB at most: far past every limit, small enough for many runs a second (the size
    // limit itself is a unit test's).
    let room = (32 << 10) - bytes.count - parts[2].count
    if !unit.isEmpty {
        bytes.reserveCapacity(min(times * unit.count, max(room, 0)) + bytes.count + parts[2].count)
        for _ in 0..<min(times, max(room, 0) / unit.count) { bytes += unit }
    }
    bytes += parts[2]
    return String(decoding: bytes, as: UTF8.self)
}

private func parse(_ source: String, _ parameters: [String: Double]) -> Result<RuleProgram, RuleError> {
    do {
        return .success(try RuleProgram.parse(source, parameters: parameters))
    } catch {
        return .failure(error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let source = text(data, size)
    let first = parse(source, [:])
    switch (first, parse(source, [:])) {
    case let (.success(a), .success(b)): if a != b { fatalError("two parses differ") }
    case let (.failure(a), .failure(b)): if a != b { fatalError("two errors differ: \(a) / \(b)") }
    default: fatalError("a parse succeeded once and failed once")
    }
    switch first {
    case let .failure(e):
        let lines = source.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        if e.line < 1 || e.line > lines || e.column < 1 { fatalError("error outside the text (\(lines) lines): \(e)") }
        _ = e.description
    case let .success(program):
        let signals = RuleStrategy(program: program).signals(for: candles, window: 0)
        if signals.count != candles.count { fatalError("\(signals.count) signals for \(candles.count) candles") }
        // Every parameter the text names, overridden as a sweep would.
        var overrides: [String: Double] = [:]
        for (i, name) in RuleProgram.parameterNames(in: source).enumerated() { overrides[name] = Double(i) * 7 - 3 }
        if case let .success(swept) = parse(source, overrides) {
            _ = RuleStrategy(program: swept).signals(for: candles, window: 10)
        }
    }
    return 0
}
