import CDecodeShim
import Foundation
import Testing

@testable import FastDecode

@Suite("Input granularity and interleaving")
struct SplitAndShuffleTests {
    /// Reads a file through LineReader with a given block size and decodes it.
    private func decodeFile(_ url: URL, blockSize: Int) throws -> [String] {
        let decoder = try MarketDecoder()
        let reader = try LineReader(path: url.path, blockSize: blockSize)
        var events: [DecodedEvent] = []
        try reader.forEachLine { line, readable in
            decoder.decode(line: line, readable: readable) { events.append($0) }
        }
        #expect(decoder.stats.malformedTotal == 0)
        return named(events, decoder.assets)
    }

    @Test("whole file vs tiny reads split at arbitrary bytes give the same events", arguments: [7, 64, 1000, 4096])
    func splitReads(blockSize: Int) throws {
        let url = Fixture.url("pocketoption-20250903_012215.perflog.jsonl")
        let whole = try decodeFile(url, blockSize: 1 << 22)
        let split = try decodeFile(url, blockSize: blockSize)
        #expect(whole.count > 100)
        #expect(split == whole)
    }

    @Test("a file without a trailing newline still yields its last line")
    func lastLineWithoutNewline() throws {
        let lines = Fixture.lines("pocketoption-20250903_003350.cdp.jsonl").prefix(4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("x.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let events = try decodeFile(file, blockSize: 16)
        #expect(events.filter { $0.contains("\"tick\"") }.count == 2)
    }

    @Test(
        "sockets shuffled against each other (order kept within each socket) give the same per-asset ticks",
        arguments: [1, 2, 3])
    func interleavedSockets(seed: UInt64) throws {
        let lines = Fixture.lines("pocketoption-20250903_003350.cdp.jsonl")
        // Group lines per requestId, then interleave the groups randomly.
        var groups: [String: [String]] = [:]
        var order: [String] = []
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let rid = (obj["params"] as! [String: Any])["requestId"] as! String
            if groups[rid] == nil { order.append(rid) }
            groups[rid, default: []].append(line)
        }
        #expect(order.count >= 3)
        var rng = SeededGenerator(seed: seed)
        var cursors = order.map { ($0, 0) }
        var shuffled: [String] = []
        while !cursors.isEmpty {
            let i = Int.random(in: 0..<cursors.count, using: &rng)
            let (rid, pos) = cursors[i]
            shuffled.append(groups[rid]![pos])
            if pos + 1 == groups[rid]!.count { cursors.remove(at: i) } else { cursors[i].1 = pos + 1 }
        }
        let original = decodeAll(lines).ticks
        let mixed = decodeAll(shuffled).ticks
        #expect(mixed.count == original.count)
        // One asset may stream on two sockets: compare each asset's ticks as a set, by time.
        let byAsset = { (ticks: [NamedTick]) in
            Dictionary(grouping: ticks, by: \.asset).mapValues {
                $0.sorted { ($0.time, $0.price) < ($1.time, $1.price) }
            }
        }
        let same = byAsset(mixed) == byAsset(original)
        #expect(same)
    }

    @Test("attaching mid-stream: a binary frame whose header came before is classified by shape")
    func attachMidStream() {
        let lines = Fixture.lines("pocketoption-20250903_003350.cdp.jsonl")
        // Drop the very first line: the header of the first tick's binary frame.
        let result = decodeAll(Array(lines.dropFirst()))
        let full = decodeAll(lines)
        #expect(result.ticks == full.ticks)
        #expect(result.decoder.stats.attachmentsByShape == 1)
    }
}

@Suite("qf_jsonl_next")
struct JSONLIterationTests {
    @Test("lines in place, CRLF, a partial last line kept until final")
    func lines() {
        let text = Array("{\"a\":1}\r\n\n{\"b\":2}\n{\"c\"".utf8)
        var offset = 0
        var line = qf_bytes()
        var got: [String] = []
        text.withUnsafeBufferPointer { buf in
            while qf_jsonl_next(buf.baseAddress, buf.count, &offset, 0, &line) == 1 {
                got.append(String(decoding: UnsafeRawBufferPointer(start: line.ptr, count: line.len), as: UTF8.self))
            }
            #expect(got == ["{\"a\":1}", "", "{\"b\":2}"])
            #expect(qf_jsonl_next(buf.baseAddress, buf.count, &offset, 1, &line) == 1)
            #expect(
                String(decoding: UnsafeRawBufferPointer(start: line.ptr, count: line.len), as: UTF8.self) == "{\"c\"")
            #expect(qf_jsonl_next(buf.baseAddress, buf.count, &offset, 1, &line) == 0)
        }
    }
}
