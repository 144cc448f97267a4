import Archive
import Backtest
import Engine
import Foundation
import Signals
import Testing
import TextWriters

/// The journal's records and chunks: round trip, pending signals, open chunks, damage.
@Suite("Signal journal archive")
struct SignalJournalArchiveTests {
    static func signal(_ id: UInt64, asset: String = "EURUSD_otc", time: Int64) -> Signal {
        Signal(
            id: id, asset: asset, timeframe: 60, strategy: "rules:my.rules", time: time,
            direction: id % 2 == 0 ? .call : .put,
            entryPrice: 1.08123 + Double(id) * 1e-5, expiry: 60, confidence: id % 3 == 0 ? nil : 0.7,
            payout: id % 4 == 0 ? 0.92 : nil,
            indicators: [SignalIndicator("rsi_14", 28.5), SignalIndicator("close", 1.1)])
    }

    /// Test: records survive the journal writer and reader bit for bit; results pair with their signals.
    @Test("Signals and results round-trip through chunks; unscored signals stay pending")
    func roundTrip() throws {
        let dir = TempDir()
        let writer = SignalJournalWriter(directory: dir.path, chunkSize: 3, durable: false)
        var expected: [SignalRecord] = []
        for id in UInt64(1)...7 {
            let s = Self.signal(id, asset: id % 2 == 0 ? "#AAPL" : "EURUSD_otc", time: 1_756_000_000 + Int64(id) * 60)
            try writer.append(SignalRecord(s))
            expected.append(SignalRecord(s))
            if id != 7 {
                let r = SignalResult(signal: s, exitPrice: s.entryPrice + 1e-5, defaultPayout: 0.8)
                try writer.append(SignalRecord(r))
                expected.append(SignalRecord(r))
            }
        }
        // Before close: the open chunks already hold every record.
        let open = try SignalJournalReader.read(directory: dir.path)
        #expect(open.records.count == expected.count)
        #expect(open.damaged == 0)
        try writer.close()
        let journal = try SignalJournalReader.read(directory: dir.path)
        #expect(journal.damaged == 0)
        #expect(journal.chunks == 5)  // 13 records of both assets in chunks of 3 (one run-level stream)
        let byAsset = { (a: String) in expected.filter { $0.asset == a } }
        #expect(journal.records.filter { $0.asset == "#AAPL" } == byAsset("#AAPL"))
        #expect(journal.records.filter { $0.asset == "EURUSD_otc" } == byAsset("EURUSD_otc"))
        #expect(journal.records == expected)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/" + ChunkNaming.journalFolder))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/%23AAPL"))
        let entries = try SignalJournalEntry.load(directory: dir.path).entries
        #expect(entries.count == 7)
        #expect(entries.filter { $0.record.outcome == nil }.map(\.record.id) == [7])
        #expect(entries.first?.record.signal == Self.signal(1, time: 1_756_000_060))
        let since = try SignalJournalEntry.load(directory: dir.path, asset: "#AAPL", since: 1_756_000_200).entries
        #expect(since.map(\.record.id) == [4, 6])
        var w = JSONWriter()
        entries[0].jsonLine(into: &w)
        let line = String(decoding: w.bytes, as: UTF8.self)
        #expect(
            line
                == "{\"asset\":\"EURUSD_otc\",\"timeframe\":60,\"strategy\":\"rules:my.rules\",\"time\":1756000060,\"direction\":\"put\",\"entry_price\":1.08124,\"exit_price\":1.08125,\"won\":false,\"profit\":-1,\"payout\":null,\"expiry\":60,\"confidence\":0.7}\n"
        )
    }

    /// Test: a record cut or corrupted in a chunk is reported as damage, the records before it kept.
    @Test("A corrupt record marks the chunk damaged; the records before it are read")
    func damage() throws {
        var bytes: [UInt8] = []
        SignalRecord(Self.signal(1, time: 100)).encode(into: &bytes)
        let first = bytes.count
        SignalRecord(Self.signal(2, time: 160)).encode(into: &bytes)
        bytes[first + 1] = 0xFF  // the second record's length
        bytes.withUnsafeBytes { raw in
            var n = 0
            let end = SignalRecord.scan(raw, from: 0, limit: 10, asset: "EURUSD_otc") { _ in n += 1 }
            #expect(n == 1)
            #expect(end == .cut)
        }
        bytes.withUnsafeBytes { raw in
            #expect(SignalRecord.decode(raw, offset: 0, asset: "A")?.0.id == 1)
            #expect(
                SignalRecord.decode(UnsafeRawBufferPointer(rebasing: raw[0..<(first - 1)]), offset: 0, asset: "A")
                    == nil)
        }
    }
}
