// libFuzzer target for the candle CSV byte reader (Sources/Engine/Indicators/Input:
// CandleCSVReader, DecimalBytes, TimestampParser on bytes), built with `swiftc
// -sanitize=fuzzer,address` straight from the source files, with the old String reader
// (Tests/AnalysisTests/Support/LegacyCandleCSV.swift) as a differential oracle.
//   The input is the CSV file's bytes. It is also written to a file and read in windows of whole
// lines (`CandleCSVReader.read(path:window:splitAbove:)`, a window of 16 to 79 bytes, a second
// thread from 64 bytes on; every fourth input), and in memory with a second thread from 64 bytes
// on: the same candles, or the same error on the same line.
// Invariants: nothing traps; an error names a line of the input (1 ≤ line ≤ lines); every candle
// read has sane times and prices (MarketLimits) and finite values; on ASCII input without "\r\n"
// (where the String reader's Characters are its bytes) the byte reader gives the String reader's
// candles, bit for bit, or its error, word for word.
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let result = Result { () throws(CandleCSVError) in try CandleCSVReader.read(UnsafeRawBufferPointer(bytes)) }
    let lines = bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    switch result {
    case let .failure(error):
        guard error.line >= 1 && error.line <= lines else {
            fatalError("error names line \(error.line) of \(lines): \(error)")
        }
    case let .success(columns):
        for i in 0..<columns.count {
            let c = columns[i]
            guard MarketLimits.isSane(time: c.timestamp), MarketLimits.isSane(price: c.open),
                MarketLimits.isSane(price: c.high), MarketLimits.isSane(price: c.low),
                MarketLimits.isSane(price: c.close), c.volume.isFinite
            else { fatalError("implausible candle \(c)") }
        }
    }
    // One input in four (a file per input costs syscalls; the in-memory reader keeps its pace).
    inputs &+= 1
    if inputs % 4 == 0 { windowed(bytes, matches: result) }
    var crlf = false
    for i in 0..<size where bytes[i] >= 0x80 || (bytes[i] == 0x0D && i + 1 < size && bytes[i + 1] == 0x0A) {
        crlf = true
        break
    }
    if !crlf {
        let old = Result { () throws(CandleCSVError) in
            try LegacyCandleCSV.parse(String(decoding: bytes, as: UTF8.self))
        }
        switch (result, old) {
        case let (.success(a), .success(b)):
            let x = a.rows
            guard x.count == b.count,
                zip(x, b).allSatisfy({
                    $0.timestamp.bitPattern == $1.timestamp.bitPattern && $0.open.bitPattern == $1.open.bitPattern
                        && $0.high.bitPattern == $1.high.bitPattern && $0.low.bitPattern == $1.low.bitPattern
                        && $0.close.bitPattern == $1.close.bitPattern && $0.volume.bitPattern == $1.volume.bitPattern
                })
            else { fatalError("candles differ from the String reader's") }
        case let (.failure(a), .failure(b)):
            guard a == b else { fatalError("errors differ: \(a) vs \(b)") }
        default:
            fatalError("byte reader \(result) vs String reader \(old)")
        }
    }
    return 0
}

/// Inputs seen.
nonisolated(unsafe) var inputs = 0

/// The file of `bytes`, read in small windows (split from 64 bytes on), gives `expected`.
func windowed(_ bytes: UnsafeBufferPointer<UInt8>, matches expected: Result<CandleColumns, CandleCSVError>) {
    let path = "/tmp/qflux-fuzz-csv-\(getpid()).csv"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(path)") }
    var written = 0
    while written < bytes.count {
        let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
        guard n > 0 else { fatalError("cannot write \(path)") }
        written += n
    }
    close(fd)
    defer { unlink(path) }
    // In memory, a second thread from 64 bytes on.
    let split = Result { () throws(CandleCSVError) in
        try CandleCSVReader.read(UnsafeRawBufferPointer(bytes), splitAbove: 64)
    }
    switch (expected, split) {
    case let (.success(a), .success(b)):
        guard a.count == b.count, a.rows.map(bits) == b.rows.map(bits) else { fatalError("split: candles differ") }
    case let (.failure(a), .failure(b)):
        guard a == b else { fatalError("split: \(b) vs \(a)") }
    default:
        fatalError("split: \(split) vs one thread \(expected)")
    }
    let window = 16 + bytes.count % 64
    let read = Result { () throws(CandleCSVError) in
        try CandleCSVReader.read(path: path, window: window, splitAbove: 64)
    }
    switch (expected, read) {
    case let (.success(a), .success(b)):
        guard a == b || (a.count == b.count && a.rows.map(bits) == b.rows.map(bits)) else {
            fatalError("windows of \(window): candles differ from the bytes' in memory")
        }
    case let (.failure(a), .failure(b)):
        let worded = "\(path): " + (a.line > 0 ? "line \(a.line): " : "") + a.message
        guard a.line == b.line, b.message == worded else { fatalError("windows of \(window): \(b) vs \(a)") }
    default:
        fatalError("windows of \(window): \(read) vs in memory \(expected)")
    }
}

/// A candle's fields as bits (NaN-safe equality).
func bits(_ c: AnalysisCandle) -> [UInt64] {
    [c.timestamp, c.open, c.high, c.low, c.close, c.volume].map(\.bitPattern)
}
