import FastDecode
import Foundation
import TextWriters

/// HTTP exchanges and REST (network thread, owned by ``ServerCore``): the request under way on
/// each connection (by the connection's key), the asynchronous CSV API results applied to them,
/// the watch on parked connections, and the plain answers (`/`, 404, the CSV listing JSON, the
/// checks of CSV names and timeframes). Holds connections as opaque handles: writing answers and
/// the libwebsockets calls are `Network/HTTPExchange.swift`'s.
final class HTTPExchanges {
    static let pollingContentType = "text/plain; charset=UTF-8"
    static let jsonContentType = "application/json"
    static let csvDataPrefix = "/api/csv-data/"

    private var table: [UInt64: HTTPExchange] = [:]
    /// Reused by ``readableParked(now:fd:)`` and ``takeResults(from:_:)``.
    private var parkedScratch: [HTTPExchange] = []
    private var pollScratch: [pollfd] = []
    private var resultScratch: [HTTPResult] = []
    private var lastParkedCheck: UInt64 = 0

    init() {}

    /// The exchange of connection `key`.
    subscript(key: UInt64) -> HTTPExchange? {
        get { table[key] }
        set { table[key] = newValue }
    }

    /// The exchange of connection `key` if it is still on connection `wsi`.
    func exchange(key: UInt64, on wsi: OpaquePointer) -> HTTPExchange? {
        guard let ex = table[key], ex.wsi == wsi else { return nil }
        return ex
    }

    var isEmpty: Bool { table.isEmpty }
    var count: Int { table.count }

    // MARK: asynchronous results

    /// Takes the results the HTTP queue posted and applies each (``apply(_:)``); `wake` gets the
    /// connection of every exchange that now has something to write.
    func takeResults(from inbox: ServerInbox, _ wake: (OpaquePointer) -> Void) {
        inbox.takeHTTPResults(&resultScratch)
        defer { resultScratch.removeAll(keepingCapacity: true) }
        for result in resultScratch {
            if let wsi = apply(result) { wake(wsi) }
        }
    }

    /// Applies one asynchronous result to its exchange, if that request is still the one under way
    /// on its connection; the connection to ask a write for, or nil when the result is stale.
    func apply(_ result: HTTPResult) -> OpaquePointer? {
        switch result {
        case .answer(let c, let request, let answer):
            guard let ex = table[c], ex.request == request, case .waiting = ex.kind else { return nil }
            ex.kind = .answer(answer)
            return ex.wsi
        case .streamOpened(let c, let request, let body, let first):
            guard let ex = table[c], ex.request == request, case .waiting = ex.kind else { return nil }
            let st = HTTPStream(body: body)
            if let first { st.ready = first } else { st.ended = true }
            ex.kind = .stream(st)
            return ex.wsi
        case .streamPiece(let c, let request, let piece, let failed):
            guard let ex = table[c], ex.request == request, case .stream(let st) = ex.kind else { return nil }
            st.fetching = false
            if failed { st.failed = true } else if let piece { st.ready = piece } else { st.ended = true }
            return ex.wsi
        }
    }

    // MARK: parked connections

    /// How often parked connections are looked at (ns).
    static let parkedCheckInterval: UInt64 = 10_000_000

    /// The parked exchanges (held polls, asynchronous answers, streams) whose connection has
    /// become readable – closed by its client, or sent something it should not have; looked at
    /// most every ``parkedCheckInterval``. `fd` gives a connection's socket (negative: none).
    /// Still-registered exchanges only; none is kept past this call.
    func readableParked(now: UInt64, fd: (OpaquePointer) -> Int32) -> [HTTPExchange] {
        guard now &- lastParkedCheck >= Self.parkedCheckInterval else { return [] }
        lastParkedCheck = now
        defer { parkedScratch.removeAll(keepingCapacity: true) }
        parkedScratch.removeAll(keepingCapacity: true)
        pollScratch.removeAll(keepingCapacity: true)
        for ex in table.values {
            switch ex.kind {
            case .poll, .waiting, .stream:
                let f = fd(ex.wsi)
                guard f >= 0 else { continue }
                parkedScratch.append(ex)
                pollScratch.append(pollfd(fd: f, events: Int16(POLLIN), revents: 0))
            case .answer, .post:
                continue
            }
        }
        guard !pollScratch.isEmpty, poll(&pollScratch, nfds_t(pollScratch.count), 0) > 0 else { return [] }
        var readable: [HTTPExchange] = []
        for (i, p) in pollScratch.enumerated()
        where p.revents != 0 && table[parkedScratch[i].connection] === parkedScratch[i] {
            readable.append(parkedScratch[i])
        }
        return readable
    }

    // MARK: REST

    /// A JSON answer.
    static func jsonAnswer(_ status: UInt32, _ json: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: jsonContentType, body: Array(json.utf8))
    }

    /// `GET /` (the chart page) and the 404 of an unknown path; nil for `/health` and `/metrics`
    /// (the core's: they read its state).
    static func staticAnswer(path: String) -> HTTPAnswer? {
        switch path {
        case "/", "/index.html":
            return HTTPAnswer(status: 200, contentType: "text/html; charset=utf-8", body: Array(LivePage.html.utf8))
        case "/health", "/metrics":
            return nil
        default:
            var w = JSONWriter()
            w.raw("{\"error\":\"not found\",\"path\":"); w.string(path); w.raw("}")
            return HTTPAnswer(status: 404, contentType: "application/json", body: w.bytes)
        }
    }

    /// What an `/api/…` path asks for.
    enum APIRoute: Equatable {
        /// `/api/available-csv-files[?timeframe=]` (nil: every timeframe).
        case list(timeframe: String?)
        /// `/api/csv-data/<filename>`.
        case csv(String)
        /// `/api/signals?since=&limit=` (SignalJournalRoute.swift).
        case signals(since: Int64, limit: Int)
        /// Refused at once with 400 and this JSON.
        case invalid(String)
        /// Not an API route (answered like any other path).
        case other
    }

    /// Routes an `/api/…` path; `timeframe` is its `?timeframe=` argument, if any.
    static func apiRoute(path: String, timeframe: String?) -> APIRoute {
        if path == "/api/available-csv-files" || path == "/api/available-csv-files/" {
            if let timeframe, !isSafeTimeframe(timeframe) { return .invalid("{\"error\":\"Invalid timeframe\"}") }
            return .list(timeframe: timeframe.flatMap { $0.isEmpty ? nil : $0 })
        }
        if path.hasPrefix(csvDataPrefix) {
            let name = String(path.dropFirst(csvDataPrefix.count))
            guard isSafeCSVName(name) else { return .invalid("{\"error\":\"Invalid filename\"}") }
            return .csv(name)
        }
        return .other
    }

    /// `GET /api/available-csv-files`: `{"files":[{"path","filename","asset","timeframe","size"}],"count":N}`
    /// (`size` null when unknown).
    static func csvListingJSON(_ files: [AvailableFile]) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + files.count * 160)
        w.raw("{\"files\":[")
        for (i, f) in files.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"path\":"); w.string(f.path)
            w.raw(",\"filename\":"); w.string(f.filename)
            w.raw(",\"asset\":"); w.string(f.asset)
            w.raw(",\"timeframe\":"); w.string(f.timeframe)
            w.raw(",\"size\":")
            if let size = f.size { w.integer(size) } else { w.raw("null") }
            w.raw("}")
        }
        w.raw("],\"count\":"); w.integer(files.count); w.raw("}")
        return w.bytes
    }

    /// A file name the CSV route passes on: one path component, no `..`, no `%` (libwebsockets
    /// has decoded the URL once already; a second decoding never happens), no control or
    /// separator characters, not hidden, at most 255 bytes.
    static func isSafeCSVName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, bytes[0] != UInt8(ascii: "."), !name.contains("..") else {
            return false
        }
        for b in bytes {
            if b < 0x20 || b == 0x7F { return false }
            switch b {
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "%"), UInt8(ascii: ":"), UInt8(ascii: "?"),
                UInt8(ascii: "*"), UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"):
                return false
            default:
                continue
            }
        }
        return true
    }

    /// `?timeframe=` values: `1m`, `5m`, `1h`, `tick`, … – letters and digits, at most 12.
    static func isSafeTimeframe(_ tf: String) -> Bool {
        tf.utf8.count <= 12
            && tf.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    /// The next piece that is not empty (an empty chunk would end a chunked body), or nil at the end.
    static func nextNonEmptyPiece(_ source: any CSVBodySource) throws -> [UInt8]? {
        while true {
            guard let piece = try source.nextPiece() else { return nil }
            if !piece.isEmpty { return piece }
        }
    }
}
