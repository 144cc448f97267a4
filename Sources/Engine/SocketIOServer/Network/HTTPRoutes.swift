import CLibWebSockets
import FastDecode
import Foundation
import Logging
import Metrics
import Ring
import Synchronization
import TextWriters
import ThreadSupport

/// What the HTTP part needs from the coordinator (``ServerCore``): the source's status and the
/// start time (for `/health` and `/metrics`), and the limits on headers and CSV answers.
protocol HTTPHost: AnyObject {
    /// The server is stopping: no new CSV answer.
    var closingAll: Bool { get }
    var status: SourceStatus { get }
    /// When the server started (monotonic ns).
    var startedAt: UInt64 { get }
    /// The connection's request is in: the slow-header guard forgets it.
    func headersDone(_ wsi: OpaquePointer)
    /// Why a CSV API request from `address` is refused now, or nil (``ServerLimits/httpStreamRefusal(address:closing:)``).
    func httpStreamRefusal(address: String) -> String?
    /// A slot for one CSV API answer from `address`.
    func httpSlot(address: String) -> HTTPSlot
}

/// HTTP requests on the network thread (owned by ``ServerCore``; the HTTP exchanges and REST
/// part with ``HTTPExchanges``): routing (`/socket.io/` to ``PollingTransport``, `/api/…`, plain
/// paths), the bearer-token check, answers written whole or as chunked CSV streams, the CSV API's
/// work on the HTTP queue, parked connections watched. Reaches the coordinator only through
/// ``HTTPHost``.
final class HTTPRoutes {
    let config: StreamServerConfig
    let counters: ServerCounters
    let logger: Logger
    let sessions: ServerSessions
    let io: ConnectionIO
    let exchanges: HTTPExchanges
    let polling: PollingTransport
    let dataSource: any StreamServerDataSource
    let inbox: ServerInbox
    /// CSV API listings and file reads (a concurrent queue: each stream has at most one read in flight).
    let httpQueue: DispatchQueue
    /// The coordinator, which owns this part and outlives it.
    unowned(unsafe) let host: any HTTPHost

    init(
        host: any HTTPHost, config: StreamServerConfig, counters: ServerCounters, logger: Logger,
        sessions: ServerSessions, io: ConnectionIO, exchanges: HTTPExchanges, polling: PollingTransport,
        dataSource: any StreamServerDataSource, inbox: ServerInbox, httpQueue: DispatchQueue
    ) {
        self.host = host
        self.config = config
        self.counters = counters
        self.logger = logger
        self.sessions = sessions
        self.io = io
        self.exchanges = exchanges
        self.polling = polling
        self.dataSource = dataSource
        self.inbox = inbox
        self.httpQueue = httpQueue
    }

    /// The connection's key, allocated on its first request.
    func connectionKey(_ user: UnsafeMutableRawPointer) -> UInt64 {
        var key = user.load(as: UInt64.self)
        if key == 0 {
            key = sessions.makeID()
            user.storeBytes(of: key, as: UInt64.self)
        }
        return key
    }

    /// The exchange on connection `wsi` named by its per-session data.
    func exchange(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> HTTPExchange? {
        guard let user else { return nil }
        return exchanges.exchange(key: user.load(as: UInt64.self), on: wsi)
    }

    func jsonAnswer(_ status: UInt32, _ json: String) -> HTTPAnswer { HTTPExchanges.jsonAnswer(status, json) }

    /// Answers the request on `wsi` with `answer` (on its next writeable callback).
    @discardableResult
    func respond(_ wsi: OpaquePointer, key: UInt64, _ answer: HTTPAnswer, allowOrigin: String? = nil) -> Int32 {
        exchanges[key] = HTTPExchange(
            connection: key, request: nextRequestID(), wsi: wsi, kind: .answer(answer),
            allowOrigin: allowOrigin)
        lws_callback_on_writable(wsi)
        return 0
    }

    func nextRequestID() -> UInt64 { sessions.makeID() }

    /// `LWS_CALLBACK_HTTP`: routes a request (the path has no query; libwebsockets has decoded
    /// `%xx` and folded `/../`).
    func http(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?, _ len: Int)
        -> Int32
    {
        guard let user else { return -1 }
        var path = "/"
        if let input {
            let count = len > 0 ? len : strlen(input.assumingMemoryBound(to: CChar.self))
            path = String(decoding: UnsafeRawBufferPointer(start: input, count: count), as: UTF8.self)
        }
        let key = connectionKey(user)
        if let why = io.refusal(wsi) {
            return respond(wsi, key: key, jsonAnswer(403, "{\"error\":\"\(why)\"}"))
        }
        // libwebsockets ends the decoded path at a CR or LF (`%0d%0a`), then takes the rest of the
        // request line for a header: such a request has no HTTP version. Other control characters
        // reach the path as they are.
        if qf_lws_has_http_version(wsi) == 0 || path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return respond(wsi, key: key, jsonAnswer(400, "{\"error\":\"Invalid request path (control characters)\"}"))
        }
        if path == "/socket.io" || path == "/socket.io/" {
            return polling.engineIO(wsi, key: key)
        }
        host.headersDone(wsi)  // a body another route gets is discarded, not awaited
        let isAPI = path.hasPrefix("/api/")
        if isAPI || path == "/health" || path == "/metrics", !httpAuthorized(wsi) {
            counters.add(counters.httpAuthFailures)
            return respond(wsi, key: key, jsonAnswer(401, "{\"error\":\"unauthorized\"}"))
        }
        if isAPI { return api(wsi, key: key, path: path) }
        return respond(wsi, key: key, httpAnswer(path: path))
    }

    /// `--protect-http`: the token as `Authorization: Bearer …` or `?token=`.
    private func httpAuthorized(_ wsi: OpaquePointer) -> Bool {
        guard config.protectHTTP, let token = config.token else { return true }
        if let auth = io.header(wsi, qf_lws_token_authorization()), auth.hasPrefix("Bearer ") {
            return AccessPolicy.tokensEqual(String(auth.dropFirst(7)), token)
        }
        guard let given = io.queryArg(wsi, "token=") else { return false }
        return AccessPolicy.tokensEqual(given, token)
    }

    func httpWriteable(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> Int32 {
        guard let ex = exchange(wsi, user) else { return 0 }
        switch ex.kind {
        case .answer(let a):
            exchanges[ex.connection] = nil
            return writeAnswer(ex, a)
        case .poll(let id):
            return polling.pollWriteable(ex, session: id)
        case .stream(let st):
            return streamWriteable(ex, st)
        case .waiting, .post:
            return 0
        }
    }

    /// Writes a whole answer and ends the transaction (-1: close the connection).
    func writeAnswer(_ ex: HTTPExchange, _ a: HTTPAnswer) -> Int32 {
        if qf_lws_write_http_head_ex(ex.wsi, a.status, a.contentType, Int64(a.body.count), ex.allowOrigin) != 0 {
            return -1
        }
        guard io.write(ex.wsi, a.body, LWS_WRITE_HTTP_FINAL) else { return -1 }
        return io.completeTransaction(ex)
    }

    /// After each service turn (at most every 10 ms while connections are parked): a parked
    /// connection that has become readable – its client closed it, or sent something it should
    /// not have – is closed (a long-polling session keeps going without its `GET`).
    func checkParkedConnections() {
        for ex in exchanges.readableParked(now: monotonicNanos(), fd: { lws_get_socket_fd($0) }) {
            guard exchanges[ex.connection] === ex else { continue }
            if case .poll(let id) = ex.kind, let s = sessions[id], s.pendingGET == ex.wsi {
                polling.dropHeldGET(s, ex.wsi)
            } else {
                exchanges[ex.connection] = nil
                io.abort(ex.wsi)
            }
        }
    }

    /// The connection of an exchange closed (or is being destroyed): forget the exchange.
    func exchangeGone(_ ex: HTTPExchange) {
        exchanges[ex.connection] = nil
        switch ex.kind {
        case .poll(let id):
            if let s = sessions[id], s.pendingGET == ex.wsi {
                s.pendingGET = nil
                s.lastPollAt = monotonicNanos()
            }
        case .post(let id):
            sessions[id]?.postInFlight = false
        case .answer, .waiting, .stream:
            break  // a stream's source is released with the last reference to it
        }
    }

    // MARK: the CSV API (asynchronous answers)

    /// `/api/available-csv-files[?timeframe=]` and `/api/csv-data/<filename>`: listing and opening
    /// run on the HTTP queue; the answer comes back through the inbox (``drainHTTP()``).
    private func api(_ wsi: OpaquePointer, key: UInt64, path: String) -> Int32 {
        let route =
            HTTPExchanges.signalsRoute(path: path, since: io.queryArg(wsi, "since="), limit: io.queryArg(wsi, "limit="))
            ?? HTTPExchanges.apiRoute(path: path, timeframe: io.queryArg(wsi, "timeframe="))
        switch route {
        case .invalid(let json):
            return respond(wsi, key: key, jsonAnswer(400, json))
        case .other:
            return respond(wsi, key: key, httpAnswer(path: path))
        case .list, .csv, .signals:
            break
        }
        let address = io.peerAddress(lws_get_socket_fd(wsi)) ?? "unknown"
        if let why = host.httpStreamRefusal(address: address) {
            return respond(wsi, key: key, jsonAnswer(503, "{\"error\":\"\(why)\"}"))
        }
        let request = nextRequestID()
        let ex = HTTPExchange(connection: key, request: request, wsi: wsi, kind: .waiting)
        exchanges[key] = ex
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, Int32(max(1, config.httpStallTimeout)))
        io.park(ex)
        let slot = host.httpSlot(address: address), ds = dataSource, inbox = inbox
        switch route {
        case .invalid, .other:
            break  // answered above
        case .list(let timeframe):
            httpQueue.async {
                let answer: HTTPAnswer
                do {
                    let files = try ds.csvFiles(timeframe: timeframe)
                    answer = HTTPAnswer(
                        status: 200, contentType: HTTPExchanges.jsonContentType,
                        body: HTTPExchanges.csvListingJSON(files))
                } catch {
                    var w = JSONWriter(capacity: 64)
                    w.raw("{\"error\":"); w.string("\(error)"); w.raw("}")
                    answer = HTTPAnswer(status: 500, contentType: HTTPExchanges.jsonContentType, body: w.bytes)
                }
                inbox.post(http: .answer(connection: key, request: request, answer))
                withExtendedLifetime(slot) {}
            }
        case .signals(let since, let limit):
            httpQueue.async {
                let answer: HTTPAnswer
                do {
                    if let body = try ds.signalJournalJSON(since: since, limit: limit) {
                        answer = HTTPAnswer(status: 200, contentType: HTTPExchanges.jsonContentType, body: body)
                    } else {
                        answer = HTTPExchanges.jsonAnswer(404, "{\"error\":\"no signal journal (no --data-dir)\"}")
                    }
                } catch {
                    var w = JSONWriter(capacity: 64)
                    w.raw("{\"error\":"); w.string("\(error)"); w.raw("}")
                    answer = HTTPAnswer(status: 500, contentType: HTTPExchanges.jsonContentType, body: w.bytes)
                }
                inbox.post(http: .answer(connection: key, request: request, answer))
                withExtendedLifetime(slot) {}
            }
        case .csv(let name):
            httpQueue.async {
                do {
                    guard let source = try ds.openCSV(filename: name) else {
                        inbox.post(
                            http: .answer(
                                connection: key, request: request,
                                HTTPAnswer(
                                    status: 404, contentType: HTTPExchanges.jsonContentType,
                                    body: Array("{\"error\":\"File not found\"}".utf8))))
                        return
                    }
                    let body = CSVStreamBody(source: source, slot: slot)
                    let first = try body.next()
                    inbox.post(http: .streamOpened(connection: key, request: request, body, first: first))
                } catch {
                    var w = JSONWriter(capacity: 64)
                    w.raw("{\"error\":"); w.string("\(error)"); w.raw("}")
                    inbox.post(
                        http: .answer(
                            connection: key, request: request,
                            HTTPAnswer(status: 500, contentType: HTTPExchanges.jsonContentType, body: w.bytes)))
                }
            }
        }
        return 0
    }

    /// Takes the asynchronous HTTP results (network thread, on `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drainHTTP() {
        exchanges.takeResults(from: inbox) { lws_callback_on_writable($0) }
    }

    /// Reads the stream's next piece on the HTTP queue.
    private func fetchNext(_ ex: HTTPExchange, _ st: HTTPStream) {
        st.fetching = true
        let body = st.body, inbox = inbox, c = ex.connection, request = ex.request
        httpQueue.async {
            do {
                let piece = try body.next()
                inbox.post(http: .streamPiece(connection: c, request: request, piece: piece, failed: false))
            } catch {
                inbox.post(http: .streamPiece(connection: c, request: request, piece: nil, failed: true))
            }
        }
    }

    private func streamWriteable(_ ex: HTTPExchange, _ st: HTTPStream) -> Int32 {
        if st.failed {
            exchanges[ex.connection] = nil
            logger.info("CSV stream cut: reading the file failed")
            return -1  // no terminating chunk: the client sees an incomplete answer
        }
        if !st.headWritten {
            if qf_lws_write_http_head_ex(ex.wsi, 200, "text/csv; charset=utf-8", -1, nil) != 0 { return -1 }
            st.headWritten = true
        }
        if let piece = st.ready {
            st.ready = nil
            guard io.writeChunk(ex.wsi, piece, last: false) else { return -1 }
            counters.add(counters.csvBytesSent, UInt64(piece.count))
            lws_set_timeout(ex.wsi, PENDING_TIMEOUT_USER_OK, Int32(max(1, config.httpStallTimeout)))
            if st.ended {
                lws_callback_on_writable(ex.wsi)
            } else if !st.fetching {
                fetchNext(ex, st)
            }
            return 0
        }
        if st.ended {
            exchanges[ex.connection] = nil
            guard io.writeChunk(ex.wsi, [], last: true) else { return -1 }
            return io.completeTransaction(ex)
        }
        return 0  // the next piece is being read
    }

    // MARK: plain paths

    /// The answer of a plain path: `/health` and `/metrics` (built from the counters, the source
    /// and the coordinator's status) or the static answers of ``HTTPExchanges/staticAnswer(path:)``.
    func httpAnswer(path: String) -> HTTPAnswer {
        switch path {
        case "/health":
            return HTTPAnswer(status: 200, contentType: "application/json", body: healthJSON())
        case "/metrics":
            return HTTPAnswer(status: 200, contentType: "text/plain; version=0.0.4", body: Array(metricsText().utf8))
        default:
            return HTTPExchanges.staticAnswer(path: path) ?? HTTPExchanges.jsonAnswer(404, "{\"error\":\"not found\"}")
        }
    }

    private var uptimeSeconds: Double { Double(monotonicNanos() - host.startedAt) / 1e9 }

    private func stats() -> StreamServerStats { counters.snapshot(handoffDrops: inbox.candles.dropped) }

    /// `/health`: the original's `status: "healthy"`, `chrome: "connected"|"disconnected"` and
    /// `timestamp` (ISO-8601), then qflux's own members (``HTTPExchanges/healthJSON(_:_:status:uptimeSeconds:)``).
    private func healthJSON() -> [UInt8] {
        HTTPExchanges.healthJSON(dataSource.health(), stats(), status: host.status, uptimeSeconds: uptimeSeconds)
    }

    private func metricsText() -> String {
        HTTPExchanges.metricsText(stats(), uptimeSeconds: uptimeSeconds, sourceMetrics: dataSource.metricsText())
    }
}
