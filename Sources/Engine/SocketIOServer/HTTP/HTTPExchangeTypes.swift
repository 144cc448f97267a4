import Foundation
import Synchronization
import ThreadSupport

/// One HTTP request under way on a connection (network thread). Every HTTP answer goes out from
/// `LWS_CALLBACK_HTTP_WRITEABLE`: whole answers at once, long-polling answers when the session
/// has something to send, CSV streams piece by piece.
final class HTTPExchange {
    enum Kind {
        /// Ready: head and body go out on the next writeable callback.
        case answer(HTTPAnswer)
        /// An asynchronous answer is being built on the HTTP queue.
        case waiting
        /// A held long-polling `GET` of a session.
        case poll(session: UInt64)
        /// A long-polling `POST` whose body is arriving.
        case post(session: UInt64)
        /// A chunked CSV answer.
        case stream(HTTPStream)
    }

    /// The connection's key (its per-session data).
    let connection: UInt64
    /// This request's id (asynchronous results name it; a connection carries requests one after another).
    let request: UInt64
    let wsi: OpaquePointer
    var kind: Kind
    /// Echoed as `Access-Control-Allow-Origin` (long-polling from a page of an accepted origin).
    var allowOrigin: String?
    /// A `POST` body so far.
    var body: [UInt8] = []

    init(connection: UInt64, request: UInt64, wsi: OpaquePointer, kind: Kind, allowOrigin: String? = nil) {
        self.connection = connection
        self.request = request
        self.wsi = wsi
        self.kind = kind
        self.allowOrigin = allowOrigin
    }
}

/// A chunked CSV answer in progress (network thread): at most one piece written and not yet
/// drained by libwebsockets, plus one piece being read or ready – the next is pulled only after
/// the previous one was written.
final class HTTPStream {
    let body: CSVStreamBody
    /// The next piece, read and not yet written.
    var ready: [UInt8]?
    /// A piece is being read on the HTTP queue.
    var fetching = false
    /// The source said there is no more.
    var ended = false
    /// Reading failed: the answer is cut (no terminating chunk, so the client sees it incomplete).
    var failed = false
    var headWritten = false

    init(body: CSVStreamBody) { self.body = body }
}

/// Holds one of the ``StreamServerConfig/maxHTTPStreams`` slots while alive (counted in
/// `httpStreams`, and by peer address in ``HTTPSlotsByAddress``): the worker closure of a
/// listing, or a CSV stream's body. Released on whichever thread drops the last reference.
final class HTTPSlot: Sendable {
    private let counters: ServerCounters
    private let byAddress: HTTPSlotsByAddress
    private let address: String

    init(_ counters: ServerCounters, byAddress: HTTPSlotsByAddress, address: String) {
        self.counters = counters
        self.byAddress = byAddress
        self.address = address
        counters.httpStreams.wrappingAdd(1, ordering: .relaxed)
        byAddress.add(address, 1)
    }

    deinit {
        counters.httpStreams.wrappingSubtract(1, ordering: .relaxed)
        byAddress.add(address, -1)
    }
}

/// The HTTP slots each peer address holds: one address may hold
/// ``StreamServerConfig/maxHTTPStreamsPerAddress`` of them, so stalled downloads from one address cannot make
/// `/api/*` answer 503 to everyone. Slots are released on the HTTP queue's threads, so the
/// counts are behind a ``Locked`` (a pthread mutex, which ThreadSanitizer sees).
final class HTTPSlotsByAddress: Sendable {
    private let counts = Locked<[String: Int]>([:])

    func add(_ address: String, _ n: Int) {
        counts.withLock { counts in
            let v = counts[address, default: 0] + n
            counts[address] = v > 0 ? v : nil
        }
    }

    func count(_ address: String) -> Int {
        counts.withLock { $0[address, default: 0] }
    }
}

/// A CSV source and its slot, handed between the network thread and the HTTP queue. The source
/// is used by one thread at a time (one read in flight per stream, in order under its
/// ``Locked``), and released – file closed, slot freed – when the last reference goes: the
/// stream ended, the client went away, or the result of a read in flight was dropped.
final class CSVStreamBody: Sendable {
    private let source: Locked<any CSVBodySource>
    private let slot: HTTPSlot

    init(source: any CSVBodySource, slot: HTTPSlot) {
        self.source = Locked(source)
        self.slot = slot
    }

    /// The next piece that is not empty, or nil at the end.
    func next() throws -> [UInt8]? {
        try source.withLock { try HTTPExchanges.nextNonEmptyPiece($0) }
    }
}

/// An HTTP answer built on the network thread.
struct HTTPAnswer {
    var status: UInt32
    var contentType: String
    var body: [UInt8]
}
