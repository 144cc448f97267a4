import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

#if canImport(Glibc)
import Glibc
#endif

/// A real `kill -9`: the built `qflux replay --collect-stream tick` archives ticks fed slowly
/// through its standard input and is SIGKILLed mid-stream.
@Suite("Archive kill -9")
struct ArchiveKillTests {
    @Test(
        "SIGKILL while archiving: closed chunks intact, the open one read to its last block, ≤ ~1 s lost",
        // A hang guard only: the test bounds itself (3 s of input, then SIGKILL). Swift Testing's
        // clock starts when the test is started, and the whole suite is started at once, so the
        // body can wait minutes for a thread (CI's ASan run: 277 s); the guard is far above that.
        .timeLimit(.minutes(15)), .enabled(if: Dependency.lz4, Dependency.needsLZ4))
    func killMidStream() throws {
        guard let qflux = qfluxBinaryPath() else {
            Issue.record(
                "qflux binary not found next to the tests or in .build/debug: build it first (swift build --build-tests)"
            )
            return
        }
        let dir = TempDir()
        let data = dir.path + "/data"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qflux)
        process.arguments = ["replay", "--collect-stream", "tick", "--data-dir", data, "--tick-chunk-size", "25", "-q"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var killed = false
        defer { if !killed { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        signal(SIGPIPE, SIG_IGN)  // a child that died early must fail the test, not kill the runner
        let fd = input.fileHandleForWriting.fileDescriptor

        // 3 assets, 40 ticks/s for ~3 s, each line written (and its send time noted) on its own.
        let assets = ["EURUSD_otc", "GBPUSD_otc", "#AAPL_otc"]
        var encoder = CDPFrameEncoder(form: .cdp)
        var bytes: [UInt8] = []
        encoder.event(
            json:
                #"{"method":"Network.webSocketCreated","params":{"requestId":"9.1","url":"wss://demo.invalid/socket.io/?EIO=4&transport=websocket"}}"#,
            into: &bytes)
        encoder.frame(
            requestId: "9.1", timestamp: 1, opcode: 1,
            payload: Array(
                #"0{"sid":"k","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#.utf8),
            into: &bytes)
        try Self.writeAll(fd, bytes)
        var sent: [[(time: Double, price: Double, at: Double)]] = assets.map { _ in [] }
        var rng = SeededRNG(seed: 99)
        var prices = [1.08342, 1.31712, 188.405]
        let start = Self.clockSeconds()
        var ms = Int64(1_756_866_774_962)
        var i = 0
        while Self.clockSeconds() - start < 3.0 {
            let a = i % assets.count
            ms += Int64.random(in: 1...40, using: &rng)
            prices[a] = ((prices[a] * 1e5).rounded() + Double(Int.random(in: -20...20, using: &rng))) / 1e5
            let time = Double(ms) / 1000
            bytes.removeAll(keepingCapacity: true)
            encoder.updateStream(
                requestId: "9.1", timestamp: 2 + Double(i), ticks: [(assets[a], time, prices[a])], into: &bytes)
            try Self.writeAll(fd, bytes)
            sent[a].append((time, prices[a], Self.clockSeconds()))
            i += 1
            usleep(25_000)  // pacing: ~40 lines a second, each with its send time, until the kill
        }
        let killedAt = Self.clockSeconds()
        #expect(kill(process.processIdentifier, SIGKILL) == 0)
        process.waitUntilExit()
        killed = true
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        // Closed chunks: intact for the lz4 CLI and our reader. Open ones: a prefix.
        let chunks = try ArchiveIndex.chunkPaths(in: data)
        let closed = chunks.filter { !$0.hasSuffix(ChunkNaming.openSuffix) }
        let open = chunks.filter { $0.hasSuffix(ChunkNaming.openSuffix) }
        #expect(closed.count >= 3, "expected closed chunks (25 ticks each), got \(chunks)")
        #expect(open.count <= assets.count)
        let reader = try ArchiveReader()
        var archived: [String: [TickRecord]] = [:]
        for path in chunks.sorted(by: { Self.sequence($0) < Self.sequence($1) }) {
            let chunk = try reader.read(path)
            if path.hasSuffix(ChunkNaming.openSuffix) {
                #expect(chunk.summary.condition == .truncated, "\(path): \(chunk.summary.condition)")
            } else {
                #expect(chunk.summary.condition == .complete, "\(path): \(chunk.summary.condition)")
                let (status, output) = try ArchiveTestData.run(Dependency.lz4Binary, ["-t", path])
                #expect(status == 0, "lz4 -t \(path): \(output)")
                #expect(chunk.ticks.count == 25)
            }
            archived[chunk.summary.header.asset, default: []] += chunk.ticks
        }

        // Per asset: exactly a prefix of what was sent, missing at most the last ~1 s.
        var worstLoss = 0.0
        for (a, name) in assets.enumerated() {
            let got = archived[name] ?? []
            let want = sent[a]
            #expect(got.count <= want.count)
            for (g, w) in zip(got, want) where g.time != w.time || g.price != w.price {
                Issue.record("\(name): archived \(g) where \(w) was sent")
                break
            }
            let firstMissing = got.count < want.count ? want[got.count].at : killedAt
            worstLoss = max(worstLoss, killedAt - firstMissing)
            let mustHave = want.filter { $0.at < killedAt - 1.5 }.count
            #expect(
                got.count >= mustHave,
                "\(name): \(got.count) archived, \(mustHave) were sent more than 1.5 s before the kill")
        }
        print(
            "archive kill -9: \(i) ticks sent over 3 s, \(closed.count) closed + \(open.count) open chunks, at most \(String(format: "%.2f", worstLoss)) s of ticks lost"
        )
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += n
            }
        }
    }

    /// The sequence number of a chunk name (`…_000003.qfa.lz4[.open]`).
    private static func sequence(_ path: String) -> Int {
        let name = (path as NSString).lastPathComponent
        let stem = name.components(separatedBy: ".qfa")[0]
        return Int(stem.split(separator: "_").last ?? "") ?? 0
    }

    private static func clockSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
