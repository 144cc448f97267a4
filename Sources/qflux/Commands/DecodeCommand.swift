import ArgumentParser
import FastDecode
import TextWriters

/// `qflux decode`: recorded CDP / perf-log JSONL → one JSON object per market event.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode recorded CDP or Selenium performance-log JSONL into market events (JSON lines).",
        discussion: """
            Each input line is a Chrome DevTools Protocol event ({"method":"Network.webSocketFrameReceived",…}) \
            or a Selenium performance-log entry ({"level":…,"message":"{\\"message\\":{…}}",…}); the form is \
            detected per line. PocketOption Socket.IO frames are decoded into:

              {"type":"tick","asset":"EURUSD_otc","time":1756869696.775,"price":0.87654}
              {"type":"history","source":"updateHistoryNewFast","asset":…,"period":60,"ticks":[[t,p]…],"candles":[{…}…]}
              {"type":"chart","asset":"GBPUSD_otc","chartPeriod":4,"fastTimeframe":120}

            Times are the broker's epoch seconds with full precision; prices are exactly as sent. \
            A summary (lines, events, malformed input by kind, throughput) goes to standard error. \
            Malformed lines are counted and skipped: the exit status is 0 whenever the input could be read, \
            1 (with one line `qflux decode: cannot read FILE: …` on standard error) when a file cannot.
            """
    )

    @Argument(help: "JSONL files to read; none or '-' reads standard input.")
    var files: [String] = []

    @Flag(name: .customLong("sockets"), help: "Also print socket_opened / socket_closed events.")
    var includeSockets = false

    @Flag(name: .shortAndLong, help: "Print no summary on standard error.")
    var quiet = false

    /// Output is written in pieces of about this many bytes.
    static let outputBatchBytes = 1 << 16

    func run() throws {
        let decoder = try MarketDecoder()
        var writer = JSONWriter(capacity: 2 * Self.outputBatchBytes)
        var counts = EventCounts()
        let started = monotonicSeconds()
        var bytesRead = 0
        var outputOpen = true
        for path in files.isEmpty ? ["-"] : files {
            let reader = try LineReader(path: path)
            try reader.forEachLine { line, readable in
                decoder.decode(line: line, readable: readable) { event in
                    counts.count(event)
                    if case .socketOpened = event, !includeSockets { return }
                    if case .socketClosed = event, !includeSockets { return }
                    writer.event(event, assets: decoder.assets)
                    writer.newline()
                }
                if writer.bytes.count >= Self.outputBatchBytes {
                    if outputOpen { outputOpen = StandardStreams.out(writer.bytes) }
                    writer.removeAll()
                }
            }
            bytesRead += reader.bytesRead
        }
        if outputOpen { StandardStreams.out(writer.bytes) }
        let elapsed = monotonicSeconds() - started
        if !quiet {
            StandardStreams.err(
                DecodeSummary.text(stats: decoder.stats, counts: counts, bytes: bytesRead, seconds: elapsed))
        }
    }
}

/// Events handed out, by type.
struct EventCounts {
    var ticks = 0, histories = 0, charts = 0, sockets = 0, payouts = 0
    mutating func count(_ event: DecodedEvent) {
        switch event {
        case .tick: ticks += 1
        case .history: histories += 1
        case .chart: charts += 1
        case .payouts: payouts += 1
        case .socketOpened, .socketClosed: sockets += 1
        }
    }
}

/// The human summary printed after decoding.
enum DecodeSummary {
    /// How many kinds of skipped (non-market) events the summary names, most frequent first.
    static let namedSkippedEvents = 8

    static func text(stats: DecodeStats, counts: EventCounts, bytes: Int, seconds: Double) -> String {
        var lines: [String] = []
        let mb = Double(bytes) / 1e6
        let rate = seconds > 0 ? mb / seconds : 0
        lines.append(
            "qflux decode: \(stats.lines) lines, \(format(mb)) MB in \(format(seconds * 1000)) ms (\(format(rate)) MB/s)"
        )
        lines.append(
            "  frames: \(stats.framesReceived) received, \(stats.framesSent) sent (skipped), \(stats.controlPackets) Engine.IO control"
        )
        lines.append(
            "  events: \(counts.ticks) ticks, \(counts.histories) history (\(stats.historyTicks) ticks, \(stats.historyCandles) candles), \(counts.charts) chart, \(stats.socketsOpened) sockets opened, \(stats.socketsClosed) closed"
        )
        if stats.otherEventCount > 0 {
            let top = stats.otherEvents.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(namedSkippedEvents).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(
                "  skipped: \(stats.otherEventCount) non-market events (\(top)\(stats.otherEvents.count > namedSkippedEvents ? ", …" : ""))"
            )
        }
        if stats.attachmentsByShape + stats.orphanAttachments + stats.missingAttachments > 0 {
            lines.append(
                "  attachments: \(stats.attachmentsByShape) recognised by shape, \(stats.orphanAttachments) unrecognised, \(stats.missingAttachments) headers without their data"
            )
        }
        if stats.malformedTotal > 0 {
            let kinds = MalformedKind.allCases.filter { stats.malformed($0) > 0 }
                .map { "\($0) \(stats.malformed($0))" }.joined(separator: ", ")
            lines.append("  malformed: \(stats.malformedTotal) (\(kinds))")
        } else {
            lines.append("  malformed: 0")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
