import CLibWebSockets
import Candles
import FastDecode
import Ring
import Synchronization
import ThreadSupport

/// Work for the network thread, other than candle updates.
enum ServerInput: Sendable {
    case status(SourceStatus)
    case error(String)
    case assetDetected(AssetID)
    /// Frames built off the network thread for one client (replies needing the data source).
    case deliver(client: UInt64, frames: [[UInt8]])
    /// An analysis request's reply (the analysis queue): delivered like `deliver`, and frees a slot.
    case analysisDone(client: UInt64, address: String, frames: [[UInt8]])
    /// A history job's `historical_candles_loaded` frame, for every client waiting on `key`.
    case historyDone(key: SubscriptionKey, frame: [UInt8])
    /// The `get_available_data` listing (`available_data` or `data_error` payload).
    case listingDone(event: String, payload: [UInt8])
    /// A screener signal or result for the subscribers (Signals/SignalSubscriptions.swift).
    case signal(SignalDelivery)
    /// What the screener runs (set once, before clients come).
    case screenedSignals([ScreenedSignalSpec])
    /// Who starts on-demand signal evaluations (set once, before clients come).
    case signalControl(any SignalEvaluationControl)
}

/// An asynchronous HTTP answer's next step, from the worker queue (the CSV API). Kept apart from
/// ``ServerInput`` (whose handling belongs to the routing code) and drained by `Network/`.
enum HTTPResult: Sendable {
    /// A whole answer (listings, `404 File not found`, errors) for request `request` on connection `connection`.
    case answer(connection: UInt64, request: UInt64, HTTPAnswer)
    /// A CSV opened for streaming, with its first piece (nil: empty file).
    case streamOpened(connection: UInt64, request: UInt64, CSVStreamBody, first: [UInt8]?)
    /// The next piece of a stream (nil: the end); `failed` when reading it failed (the answer is cut).
    case streamPiece(connection: UInt64, request: UInt64, piece: [UInt8]?, failed: Bool)
}

/// The handoff from other threads to the network thread.
///
/// - Candle updates: a lock-free ``SPSCRing`` (one producer: the engine thread); a batch is
///   staged, published with one store and announced with one `lws_cancel_service`.
/// - Rare control inputs (status, errors, replies built by the worker queue), and the steps of
///   asynchronous HTTP answers: arrays behind a ``Locked`` (a pthread mutex ThreadSanitizer
///   sees), swapped out whole by the network thread.
/// - The wake-up itself takes no lock: publishers register in `wakers` while they use the context
///   pointer, and ``detach()`` waits for them before the context is destroyed.
final class ServerInbox: Sendable {
    let candles: SPSCRing<Candle>
    /// Fan-out timings (off unless ``StreamServerConfig/traceFanout``).
    let trace: FanoutTrace
    /// ``StreamServer/stop()`` was called: the network thread says goodbye to every client.
    let stopping = Atomic<Bool>(false)
    private let inputs = Locked<[ServerInput]>([])
    private let httpResults = Locked<[HTTPResult]>([])
    private let target = Atomic<Int>(0)
    private let wakers = Atomic<Int>(0)

    init(capacity: Int, traceFanout: Bool = false) {
        candles = SPSCRing(capacity: capacity)
        trace = FanoutTrace(enabled: traceFanout)
    }

    /// Stages a batch of candle updates, publishes it once and wakes the network thread once.
    /// Engine thread only (single producer). Returns how many were refused because the ring was full.
    @discardableResult
    func post<C: Collection>(candles batch: C) -> Int where C.Element == Candle {
        guard !batch.isEmpty else { return 0 }
        trace.posting()
        var refused = 0
        for c in batch where !candles.push(c) { refused += 1 }
        candles.publish()
        wake()
        return refused
    }

    /// Appends one control input and wakes the network thread.
    func post(_ input: ServerInput) {
        inputs.withLock { $0.append(input) }
        wake()
    }

    /// Wakes the network thread (`lws_cancel_service`), if the server runs.
    func wake() {
        wakers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        let p = target.load(ordering: .sequentiallyConsistent)
        if p != 0, let context = OpaquePointer(bitPattern: p) { lws_cancel_service(context) }
        wakers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }

    /// Appends one asynchronous HTTP step and wakes the network thread.
    func post(http result: HTTPResult) {
        httpResults.withLock { $0.append(result) }
        wake()
    }

    /// Takes the HTTP steps posted so far, leaving `spare` (emptied) in place for reuse.
    func takeHTTPResults(_ spare: inout [HTTPResult]) {
        spare.removeAll(keepingCapacity: true)
        httpResults.withLock { swap(&$0, &spare) }
    }

    /// Takes the control inputs posted so far, leaving `spare` (emptied) in place for reuse.
    func takeInputs(_ spare: inout [ServerInput]) {
        spare.removeAll(keepingCapacity: true)
        inputs.withLock { swap(&$0, &spare) }
    }

    /// Lets ``wake()`` reach `context`.
    func attach(_ context: OpaquePointer) {
        target.store(Int(bitPattern: UnsafeRawPointer(context)), ordering: .sequentiallyConsistent)
    }

    /// Stops wake-ups and waits until no publisher still uses the context pointer.
    func detach() {
        target.store(0, ordering: .sequentiallyConsistent)
        while wakers.load(ordering: .sequentiallyConsistent) != 0 { sched_yield() }
    }
}
