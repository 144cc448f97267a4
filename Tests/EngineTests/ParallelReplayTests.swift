import Engine
import FastDecode
import Foundation
import Testing

/// Parallel decoding of a recorded file hands the engine exactly the events one decoder would.
@Suite("Parallel replay decoding")
struct ParallelReplayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FastDecodeTests/Fixtures")
    static let corpus = [
        "pocketoption-20250903_003350.perflog.jsonl", "pocketoption-20250903_003350.cdp.jsonl",
        "pocketoption-20250903_012215.perflog.jsonl", "pocketoption-20250903_012215.cdp.jsonl",
    ]

    /// Market events (ticks, history, chart focus) of one serial decode; socket bookkeeping
    /// events are left out (their references are per decoder).
    static func serialEvents(_ path: String) throws -> (events: [DecodedEvent], stats: DecodeStats, names: [String]) {
        let decoder = try MarketDecoder(assets: AssetDirectory())
        var events: [DecodedEvent] = []
        let reader = try LineReader(path: path)
        try reader.forEachLine { line, readable in
            decoder.decode(line: line, readable: readable) { if Self.isMarket($0) { events.append($0) } }
        }
        return (events, decoder.stats, decoder.assets.allNames)
    }

    static func parallelEvents(_ path: String, threads: Int, piece: Int, mapsFile: Bool = true) throws -> (
        events: [DecodedEvent], stats: DecodeStats, names: [String]
    ) {
        let assets = AssetDirectory()
        var events: [DecodedEvent] = []
        let result = try ParallelFileDecoder(
            path: path, threads: threads, segmentBytes: piece, assets: assets, mapsFile: mapsFile
        ).run {
            if Self.isMarket($0) { events.append($0) }
        }
        return (events, result.stats, assets.allNames)
    }

    static func isMarket(_ e: DecodedEvent) -> Bool {
        switch e {
        case .socketOpened, .socketClosed: false
        default: true
        }
    }

    /// Events with asset ids replaced by names (the directories number assets in the order the
    /// decoders first saw them).
    static func named(_ events: [DecodedEvent], _ names: [String]) -> [String] {
        events.map { e in
            switch e {
            case .tick(let t): "tick \(names[Int(t.asset.rawValue)]) \(t.time) \(t.price)"
            case .history(let h):
                "history \(names[Int(h.asset.rawValue)]) \(h.source) \(h.period ?? -1) \(h.ticks.count) \(h.candles.count) \(h.ticks.last?.price ?? 0) \(h.candles.last?.close ?? 0)"
            case .chart(let c): "chart \(names[Int(c.asset.rawValue)]) \(c.chartPeriod ?? -1) \(c.fastTimeframe ?? -1)"
            case .payouts(let p):
                "payouts \(p.payouts.count) \(p.payouts.map { "\(names[Int($0.asset.rawValue)])=\($0.percent)" }.joined(separator: ","))"
            default: "socket"
            }
        }
    }

    /// All four corpus files in one, so pieces also cut between captures.
    static func concatenated() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qflux-parallel-\(UUID().uuidString).jsonl"
        ).path
        var all = Data()
        for name in corpus { all.append(try Data(contentsOf: fixtures.appendingPathComponent(name))) }
        try all.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(
        "the same market events in the same order as one decoder, for any piece size and thread count",
        arguments: [(2, 997), (2, 4096), (3, 1 << 16), (4, 333)])
    func sameEvents(threads: Int, piece: Int) throws {
        let path = try Self.concatenated()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let serial = try Self.serialEvents(path)
        let parallel = try Self.parallelEvents(path, threads: threads, piece: piece)
        #expect(serial.stats.ticks > 500)
        #expect(serial.stats.historyEvents > 0)
        #expect(parallel.stats.ticks == serial.stats.ticks)
        #expect(parallel.stats.historyEvents == serial.stats.historyEvents)
        #expect(parallel.stats.lines == serial.stats.lines)
        // No piece starts right before an attachment. A piece may start between a 451- header and
        // its attachment when other sockets' frames come between them – in the captures only the
        // updateAssets lists: such an attachment is recognised by shape, and the same list is
        // handed on (the events below are equal).
        #expect(parallel.stats.payoutEvents == serial.stats.payoutEvents)
        #expect(parallel.stats.attachmentsByShape >= serial.stats.attachmentsByShape)
        #expect(parallel.stats.attachmentsByShape - serial.stats.attachmentsByShape <= serial.stats.payoutEvents)
        // (missingAttachments may differ: a header left dangling at the end of one capture is
        // noticed by one decoder only when the same socket id speaks again, and each piece starts
        // with fresh socket state.)
        #expect(parallel.stats.malformedTotal == serial.stats.malformedTotal)
        #expect(parallel.events.count == serial.events.count)
        #expect(Self.named(parallel.events, parallel.names) == Self.named(serial.events, serial.names))
    }

    @Test("pieces read through the mapping and with pread give the same events")
    func mappedAndRead() throws {
        let path = try Self.concatenated()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let mapped = try Self.parallelEvents(path, threads: 2, piece: 1 << 16, mapsFile: true)
        let read = try Self.parallelEvents(path, threads: 2, piece: 1 << 16, mapsFile: false)
        #expect(mapped.stats.ticks > 500)
        #expect(mapped.stats.lines == read.stats.lines)
        #expect(Self.named(mapped.events, mapped.names) == Self.named(read.events, read.names))
    }

    @Test(
        "files ending just before, at and after a page boundary: the last piece is read when the mapping has no room for its padding",
        arguments: [-1, 0, 1, 40, 100])
    func pageBoundaries(past: Int) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // tick frames up to about 2 pages, then one line of spaces to end exactly at 2 pages + `past`
        var encoder = CDPFrameEncoder(form: .cdp)
        var bytes: [UInt8] = []
        var next: [UInt8] = []
        var i = 0
        while true {
            next.removeAll()
            encoder.updateStream(
                requestId: "1.1", timestamp: 1000 + Double(i),
                ticks: [("EURUSD_otc", 1_756_866_774 + Double(i), 1.1 + Double(i) / 1e4)], into: &next)
            guard bytes.count + next.count <= 2 * page + past - 8 else { break }
            bytes += next
            i += 1
        }
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * page + past - bytes.count - 1) + [UInt8(ascii: "\n")]
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.utf8.count == 2 * page + past)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qflux-page-\(UUID().uuidString).jsonl"
        ).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let serial = try Self.serialEvents(path)
        let parallel = try Self.parallelEvents(path, threads: 2, piece: 1000)
        #expect(serial.stats.ticks > 0)
        #expect(Self.named(parallel.events, parallel.names) == Self.named(serial.events, serial.names))
    }

    @Test("a file that shrank after it was mapped is not read through the mapping (no SIGBUS)")
    func shrunkFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qflux-shrink-\(UUID().uuidString).jsonl"
        ).path
        try String(repeating: "x", count: 3 * 4096).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDWR)
        #expect(fd >= 0)
        defer { close(fd) }
        let mapping = try #require(FileMapping(fd: fd, size: 3 * 4096))
        #expect(mapping.piece(at: 0, count: 4096, padding: 64) != nil)
        #expect(mapping.piece(at: 4096, count: 2 * 4096, padding: 64) == nil)  // no room for the padding
        #expect(ftruncate(fd, 100) == 0)
        #expect(mapping.piece(at: 0, count: 4096, padding: 64) == nil)
    }

    @Test("every corpus file on its own, pieces smaller than a line")
    func eachFile() throws {
        for name in Self.corpus {
            let path = Self.fixtures.appendingPathComponent(name).path
            let serial = try Self.serialEvents(path)
            let parallel = try Self.parallelEvents(path, threads: 2, piece: 64)
            #expect(Self.named(parallel.events, parallel.names) == Self.named(serial.events, serial.names), "\(name)")
        }
    }

    @Test("an empty file and a file without a final newline")
    func edges() throws {
        let dir = FileManager.default.temporaryDirectory
        let empty = dir.appendingPathComponent("qflux-empty-\(UUID().uuidString).jsonl").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let none = try Self.parallelEvents(empty, threads: 2, piece: 16)
        #expect(none.events.isEmpty && none.stats.lines == 0)

        let source = try String(contentsOf: Self.fixtures.appendingPathComponent(Self.corpus[1]), encoding: .utf8)
        let trimmed = dir.appendingPathComponent("qflux-trim-\(UUID().uuidString).jsonl").path
        try String(source.dropLast(while: { $0 == "\n" })).write(toFile: trimmed, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: trimmed) }
        let serial = try Self.serialEvents(trimmed)
        let parallel = try Self.parallelEvents(trimmed, threads: 2, piece: 500)
        #expect(Self.named(parallel.events, parallel.names) == Self.named(serial.events, serial.names))
    }

    @Test("a missing file is a decode error, not a crash")
    func missing() {
        #expect(throws: DecodeError.self) {
            _ = try ParallelFileDecoder(path: "/nonexistent/qflux.jsonl", threads: 2, assets: AssetDirectory()).run {
                _ in
            }
        }
    }

    @Test("qflux replay: the same candles, ticks and archive with one decoding thread and with three")
    func replayCommand() throws {
        let path = try Self.concatenated()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var outputs: [[String]] = []
        for threads in ["1", "3"] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-par-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let replay = try CLITests.qflux([
                "replay", path, "--decode-threads", threads, "--decode-piece-bytes", "2000",
                "--print", "candles", "--collect-stream", "both", "--data-dir", dir,
            ])
            #expect(replay.status == 0, "\(replay.stderr)")
            let ticks = try CLITests.qflux([
                "replay", path, "--decode-threads", threads, "--decode-piece-bytes", "2000",
                "--print", "ticks",
            ])
            let export = try CLITests.qflux(["export", dir, "--format", "jsonl"])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(!replay.stdout.isEmpty && !ticks.stdout.isEmpty && !export.stdout.isEmpty)
            outputs.append([replay.stdout, ticks.stdout, export.stdout])
        }
        #expect(outputs[0][0] == outputs[1][0], "closed candles differ")
        #expect(outputs[0][1] == outputs[1][1], "ticks differ")
        #expect(outputs[0][2] == outputs[1][2], "archives differ")
    }

    @Test("a cut never falls before a binary frame, in CDP and perf-log spelling")
    func binaryFrameSpotting() {
        #expect(
            ReplaySegments.isBinaryFrame(
                Array(
                    #"{"method":"Network.webSocketFrameReceived","params":{"response":{"opcode":2,"payloadData":"W10="}}}"#
                        .utf8)))
        #expect(
            ReplaySegments.isBinaryFrame(
                Array(#"{"message":"{\"message\":{\"params\":{\"response\":{\"opcode\":2,\"mask\":false}}}}"}"#.utf8)))
        #expect(!ReplaySegments.isBinaryFrame(Array(#"{"params":{"response":{"opcode":1,"payloadData":"2"}}}"#.utf8)))
        #expect(!ReplaySegments.isBinaryFrame(Array(#"{"params":{"response":{"opcode":21}}}"#.utf8)))
    }
}

extension String {
    fileprivate func dropLast(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
