import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

/// Security defaults of `qflux stream`: loopback only unless told otherwise, the optional token
/// wired from the command line, and no client-supplied path reaching outside the archive
/// directory (the server takes none; asset names cannot steer the writer; listings are relative).
@Suite("Reliability: security defaults", .serialized)
struct ReliabilitySecurityTests {
    /// The local addresses listening on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel writes them).
    static func listeners(port: Int) -> [String] {
        var out: [String] = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                guard f.count > 3, f[3] == "0A" else { continue }  // LISTEN
                let local = f[1].split(separator: ":")
                if local.count == 2, Int(local[1], radix: 16) == port { out.append(String(local[0])) }
            }
        }
        return out
    }

    @Test("the server binds 127.0.0.1 by default, with no token")
    func loopbackDefaults() {
        #expect(StreamServerConfig().bindAddress == "127.0.0.1")
        #expect(LiveStream.Configuration().server.bindAddress == "127.0.0.1")
        #expect(StreamServerConfig().token == nil)
    }

    @Test(
        "qflux stream listens on loopback only and --token is enforced",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func loopbackAndToken() throws {
        guard let qflux = builtQflux() else { return }
        let child = try QfluxChild(qflux, ["stream", "--demo", "--port", "0", "--token", "s3cret"])
        let port = try #require(child.port(), "stream did not start: \(child.stderr)")
        // Only a loopback listener (127.0.0.1 is 0100007F in /proc/net/tcp): nothing on 0.0.0.0 or ::.
        let addresses = Self.listeners(port: port)
        #expect(addresses == ["0100007F"], "listening on \(addresses)")

        let run = try runPythonClient("auth", port: port, args: ["s3cret"], timeout: 30)
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        #expect((r["wrong"] as? String)?.contains("unauthorized") == true, "\(r)")
        #expect((r["missing"] as? String)?.contains("unauthorized") == true, "\(r)")
        #expect(r["right"] as? String == "connected")
        let exit = try #require(child.stop(SIGTERM, timeout: 15))
        #expect(exit.status == 0)
    }

    @Test(
        "HTTP paths never reach the file system: traversal attempts get 404 (or the page for `/.`)",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func httpTraversal() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        let attempts = [
            "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/data/../../etc/passwd",
            "/socket.io/../../etc/passwd", "/index.html/../../etc/passwd", "/.", "/..%2f..%2fetc%2fpasswd",
        ]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Raw requests: an HTTP library would normalise the dot segments away.
        p.arguments =
            [
                "python3", "-c",
                """
                import socket, sys, json
                out = []
                for path in sys.argv[2:]:
                    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
                    s.sendall(("GET " + path + " HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n").encode())
                    data = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk: break
                        data += chunk
                    s.close()
                    out.append(data.decode("latin-1"))
                print(json.dumps(out))
                """, "\(server.boundPort)",
            ] + attempts
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let answers = try #require(try JSONSerialization.jsonObject(with: data) as? [String])
        #expect(answers.count == attempts.count)
        for (path, answer) in zip(attempts, answers) {
            let status = answer.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            // libwebsockets normalises dot segments first: `/.` is `/`, the live page (no file read).
            let page =
                status == "200" && answer.contains("text/html") && answer.contains(String(LivePage.html.suffix(40)))
            #expect(status == "404" || status == "400" || status == "403" || page, "\(path): \(answer.prefix(80))")
            #expect(!answer.contains("root:"), "\(path) leaked a file")
        }
    }

    @Test("asset names cannot steer the archive writer outside its directory")
    func hostileAssetNames() throws {
        let root = TempDir()
        let data = root.path + "/data"
        let assets = AssetDirectory()
        let names = ["../../escape", "/etc/cron.d/x", "..", ".", "a/../../b", "EUR\\..\\USD", "nul\u{0}byte", ""]
        let writer = try ArchiveWriter(
            configuration: .init(directory: data, tickChunkSize: 2), assets: assets,
            logger: ArchiveTestData.logger)
        for (i, name) in names.enumerated() {
            let id = assets.register(name)
            for k in 0..<3 { try writer.append(Tick(asset: id, time: 1_756_866_000 + Double(i * 10 + k), price: 1.5)) }
        }
        try writer.close()
        // Nothing was created next to the data directory…
        let siblings = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(siblings == ["data"], "\(siblings)")
        // …every file inside it sits at <asset>/<kind>/<file> with no dot-segment, and keeps its real name in the header.
        let reader = try ArchiveReader()
        var seen: Set<String> = []
        for path in try ArchiveIndex.chunkPaths(in: data) {
            let relative = String(path.dropFirst(data.count + 1))
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
            #expect(parts.count == 3 && !parts.contains { $0 == ".." || $0 == "." || $0.isEmpty }, "\(relative)")
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            #expect(resolved.hasPrefix(URL(fileURLWithPath: data).resolvingSymlinksInPath().path + "/"), "\(resolved)")
            seen.insert(try reader.read(path).summary.header.asset)
        }
        #expect(seen == Set(names), "\(seen)")
    }

    @Test("get_available_data lists paths relative to the archive, never absolute, never ..")
    func availableDataRelative() throws {
        let root = TempDir()
        let data = root.path + "/data"
        let outside = root.path + "/outside"
        let assets = AssetDirectory()
        let id = assets.register("EURUSD_otc")
        let writer = try ArchiveWriter(
            configuration: .init(directory: data, tickChunkSize: 5), assets: assets,
            logger: ArchiveTestData.logger)
        for k in 0..<12 { try writer.append(Tick(asset: id, time: 1_756_866_000 + Double(k), price: 1.1)) }
        try writer.close()
        // A chunk outside the archive, reachable through a symlink planted inside it.
        try FileManager.default.createDirectory(atPath: outside + "/X/ticks", withIntermediateDirectories: true)
        let some = try #require(try ArchiveIndex.chunkPaths(in: data).first)
        try FileManager.default.copyItem(
            atPath: some, toPath: outside + "/X/ticks/" + (some as NSString).lastPathComponent)
        try FileManager.default.createSymbolicLink(atPath: data + "/link", withDestinationPath: outside)

        var config = PipelineConfiguration()
        config.archive = ArchiveConfiguration(directory: data, collect: .none)
        let pipeline = try MarketPipeline(configuration: config, assets: assets, logger: ArchiveTestData.logger)
        let source = PipelineDataSource(pipeline: pipeline, archiveDirectory: data + "/./", source: nil)
        let files = try source.availableFiles()
        #expect(files.count >= 1)  // one entry per asset × kind (the CSV API's catalog); the linked one is not listed
        for f in files {
            #expect(!f.path.hasPrefix("/") && !f.path.split(separator: "/").contains { $0 == ".." }, "\(f.path)")
            #expect(!f.path.contains(root.path), "\(f.path) leaks the server's directory")
        }
        pipeline.start()
        _ = try pipeline.finish()
    }
}
