import Foundation
import Testing

/// Programs and Python modules some tests need, each probed once (on first use). A test that
/// needs one carries `.enabled(if: Dependency.python, Dependency.needsPython)` (and so on), so a
/// missing dependency shows as a skip with its reason, never as a pass. Under `CI=true` a missing
/// dependency fails ``TestDependencyTests/ciHasEveryDependency()`` as well.
/// `scripts/setup.sh --test` installs all of them.
enum Dependency {
    /// python3 with python-socketio (asyncio client), aiohttp, websocket-client and lz4.
    static let python = succeeds("/usr/bin/env", ["python3", "-c", "import socketio, aiohttp, websocket, lz4.frame"])
    static let needsPython: Comment =
        #"needs python3 with python-socketio, aiohttp, websocket-client, lz4 (pip install "python-socketio[asyncio_client]" aiohttp websocket-client lz4)"#

    /// python3 with PyPI `ta-lib` and numpy (the indicator oracle, as in AnalysisTests).
    static let talib = succeeds("/usr/bin/env", ["python3", "-c", "import talib, numpy"])
    static let needsTALib: Comment = "needs python3 with ta-lib and numpy (pip install ta-lib numpy)"

    /// Chromium or Chrome (`chromium`, `chromium-browser` or `google-chrome` on the PATH).
    static let chromiumPath = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(executable).first
    static var chromium: Bool { chromiumPath != nil }
    static let needsChromium: Comment = "needs chromium (apt-get install -y chromium)"

    /// The stock `lz4` command (`lz4 -V` runs).
    static let lz4Path = executable("lz4").flatMap { succeeds($0, ["-V"]) ? $0 : nil }
    static var lz4: Bool { lz4Path != nil }
    static let needsLZ4: Comment = "needs the lz4 command (apt-get install -y lz4)"

    /// util-linux `prlimit`, for the disk-full test.
    static let prlimitPath = executable("prlimit")
    static var prlimit: Bool { prlimitPath != nil }
    static let needsPrlimit: Comment = "needs prlimit (apt-get install -y util-linux)"

    /// True when the tests run under CI (`CI=true`): a missing dependency is then a failure.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Every dependency: whether it is here, and the skip reason that says what to install.
    static var all: [(present: Bool, reason: Comment)] {
        [
            (python, needsPython), (talib, needsTALib), (chromium, needsChromium), (lz4, needsLZ4),
            (prlimit, needsPrlimit), (postgres, needsPostgres),
        ]
    }

    /// `lz4Path`, for tests already skipped when it is missing.
    static var lz4Binary: String { lz4Path ?? "lz4" }

    /// The first executable named `name` in the PATH directories (then /usr/bin, /bin).
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        return directories.lazy.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// True when the program runs and exits 0 (output discarded; killed after `timeout` seconds).
    static func succeeds(_ program: String, _ arguments: [String], timeout: Double = probeTimeout) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return p.terminationReason == .exit && p.terminationStatus == 0
    }

    /// Seconds a probe may take (python3 importing its modules on a loaded machine).
    static let probeTimeout = 30.0
}

@Suite("Test dependencies")
struct TestDependencyTests {
    @Test(
        "under CI=true every test dependency is installed: a missing one fails here instead of only skipping",
        .enabled(if: Dependency.isCI, "runs only under CI=true"))
    func ciHasEveryDependency() {
        for dependency in Dependency.all {
            #expect(dependency.present, "missing under CI=true: \(dependency.reason.rawValue)")
        }
    }
}
