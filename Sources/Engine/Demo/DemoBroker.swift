import FastDecode
import Foundation
import MarketSource
import Synchronization

/// The built-in simulated broker: a random-walk market rendered as PocketOption frames in CDP
/// form (`451-["updateStream",…]` + base64 binary attachment, an `updateCharts` and an
/// `updateHistoryNewFast` at start), fed through the same decoder as Chrome's frames. Runs on
/// its own thread, paced to a tick rate; needs no Chrome and no broker account.
package final class DemoBroker: Sendable {
    /// How the demo runs.
    package struct Configuration: Sendable {
        /// Ticks per second over all assets (default: ~2 per asset per second).
        package var ticksPerSecond: Double = 16
        /// Assets simulated.
        package var assets: Int = 8
        /// Seed of the random walk.
        package var seed: UInt64 = UInt64(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)))
        /// Minutes of history sent at start for each asset (an `updateHistoryNewFast`).
        package var historyMinutes: Int = 60
        /// When set, every tick produced is written here as a JSON line (`{"asset","time","price"}`):
        /// tests compare what clients receive against it.
        package var tickLogPath: String?

        /// Defaults.
        package init() {}
    }

    private let configuration: Configuration
    private let stopFlag = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    /// Ticks produced so far.
    package var ticksProduced: Int { produced.load(ordering: .relaxed) }
    private let produced = Atomic<Int>(0)

    /// A demo broker (not yet running).
    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Starts producing into `feeder` on a new thread.
    package func start(feeder: any FrameFeeder) throws {
        // The log is opened here (so a bad path fails the start) and handed to the demo thread as
        // a descriptor; the thread owns its FILE from then on.
        var logDescriptor: Int32 = -1
        if let path = configuration.tickLogPath {
            logDescriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard logDescriptor >= 0 else {
                throw DemoError(message: "cannot write the demo tick log \(path): \(String(cString: strerror(errno)))")
            }
        }
        let thread = Thread { [self, logDescriptor] in
            let log = logDescriptor >= 0 ? fdopen(logDescriptor, "w") : nil
            run(feeder: feeder, log: log)
            if let log { fclose(log) }
            done.signal()
        }
        thread.name = "qflux-demo"
        thread.start()
    }

    /// Stops producing and waits for the thread to end.
    package func stop() {
        stopFlag.store(true, ordering: .releasing)
        done.wait()
        done.signal()  // stop() may be called again
    }

    private func run(feeder: any FrameFeeder, log: UnsafeMutablePointer<FILE>?) {
        var market = SimulatedMarket(assetCount: configuration.assets, seed: configuration.seed)
        var encoder = CDPFrameEncoder(form: .cdp)
        var lines: [UInt8] = []
        var cdpTime = 1000.0
        let socket = "4242.1"
        func flush() {
            // Feed line by line from the buffer (padded so lines parse in place).
            lines.append(contentsOf: repeatElement(0, count: 64))
            lines.withUnsafeBytes { raw in
                var start = 0
                let end = raw.count - 64
                while start < end {
                    var i = start
                    while raw[i] != 0x0A { i += 1 }
                    feeder.feed(line: UnsafeRawBufferPointer(rebasing: raw[start..<i]), readable: raw.count - start)
                    start = i + 1
                }
            }
            lines.removeAll(keepingCapacity: true)
        }
        // Socket opening, chart focus and history, as the broker sends them after login.
        encoder.event(
            json:
                #"{"method":"Network.webSocketCreated","params":{"requestId":"\#(socket)","url":"wss://demo.qflux.invalid/socket.io/?EIO=4&transport=websocket"}}"#,
            into: &lines)
        encoder.frame(
            requestId: socket, timestamp: cdpTime, opcode: 1,
            payload: Array(
                #"0{"sid":"demo","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#.utf8),
            into: &lines)
        let now = Date().timeIntervalSince1970
        let focus = market.assets[0].name
        let settings =
            #"{\"chartId\":\"chart-1\",\"chartType\":2,\"chartPeriod\":4,\"symbol\":\"\#(focus)\",\"fastTimeframe\":60}"#
        encoder.frame(
            requestId: socket, timestamp: cdpTime, opcode: 1,
            payload: Array(#"451-["updateCharts",{"_placeholder":true,"num":0}]"#.utf8), into: &lines)
        encoder.frame(
            requestId: socket, timestamp: cdpTime, opcode: 2,
            payload: Array(#"[{"chart_id":"chart-1","settings":"\#(settings)"}]"#.utf8), into: &lines)
        if configuration.historyMinutes > 0 {
            for index in market.assets.indices {
                var body = #"{"asset":"\#(market.assets[index].name)","period":60,"history":["#
                let count = configuration.historyMinutes * 60 * 2
                var t = now - Double(configuration.historyMinutes * 60)
                for i in 0..<count {
                    if i > 0 { body += "," }
                    t += 0.5
                    body += "[\((t * 1000).rounded() / 1000),\(market.step(index))]"
                }
                body += #"],"candles":[]}"#
                encoder.frame(
                    requestId: socket, timestamp: cdpTime, opcode: 1,
                    payload: Array(#"451-["updateHistoryNewFast",{"_placeholder":true,"num":0}]"#.utf8), into: &lines)
                encoder.frame(requestId: socket, timestamp: cdpTime, opcode: 2, payload: Array(body.utf8), into: &lines)
                flush()  // one asset's history at a time: keeps the start-up peak (and RSS) small
            }
        }
        flush()

        // Live ticks, paced: each step sends the ticks due since the start.
        let rate = max(0.1, configuration.ticksPerSecond)
        let startClock = monotonic()
        var sent = 0
        var logBuffer: [UInt8] = []
        while !stopFlag.load(ordering: .acquiring) {
            let due = Int((monotonic() - startClock) * rate)
            if due <= sent {
                let wait = (Double(sent + 1) / rate) - (monotonic() - startClock)
                usleep(UInt32(max(200, min(wait, 0.05) * 1e6)))
                continue
            }
            let batch = min(due - sent, 4096)
            let wall = Date().timeIntervalSince1970
            for _ in 0..<batch {
                let a = market.randomAsset()
                let tick = (asset: market.assets[a].name, time: (wall * 1000).rounded() / 1000, price: market.step(a))
                cdpTime += 0.0001
                encoder.updateStream(requestId: socket, timestamp: cdpTime, ticks: [tick], into: &lines)
                if log != nil {
                    logBuffer.append(
                        contentsOf: #"{"asset":"\#(tick.asset)","time":\#(tick.time),"price":\#(tick.price)}"#.utf8)
                    logBuffer.append(0x0A)
                }
            }
            flush()
            if let log, !logBuffer.isEmpty {
                _ = logBuffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, log) }
                fflush(log)
                logBuffer.removeAll(keepingCapacity: true)
            }
            sent += batch
            produced.store(sent, ordering: .relaxed)
        }
    }

    private func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The demo could not start.
package struct DemoError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    package var message: String
    package var description: String { message }
}
