// libFuzzer target for the candle CSV byte reader (Sources/Engine/Indicators/Input:
// CandleCSVReader, DecimalBytes, TimestampParser on bytes), built with `swiftc
// -sanitize=fuzzer,address` straight from the source files, with the old String reader
// (Tests/AnalysisTests/Support/LegacyCandleCSV.swift) as a differential oracle.
//   The input is the CSV file's bytes.
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
