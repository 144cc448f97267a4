import CSupport
import FastDecode
import Synchronization

/// A libwebsockets context pointer that may be handed across threads (only used under the inbox lock).
struct ContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Work for the network thread, other than candle updates.
enum ServerInput: Sendable {
    case status(SourceStatus)
    case error(String)
    case assetDetected(AssetID)
    /// Frames built off the network thread for one client (replies needing the data source).
    case deliver(client: UInt64, frames: [[UInt8]])
    case stop
}

/// The handoff from other threads to the network thread: a `Mutex`-protected batch, swapped out
/// whole by the network thread; one lock and one `lws_cancel_service` per batch.
final class ServerInbox: Sendable {
    struct State {
        var candles: [Candle] = []
        var inputs: [ServerInput] = []
        var context: ContextHandle?
    }

    let state = Mutex(State())

    /// Appends a batch of candle updates and wakes the network thread once.
    func post<C: Collection>(candles: C) where C.Element == Candle {
        guard !candles.isEmpty else { return }
        state.withLock { s in
            s.candles.append(contentsOf: candles)
            if let c = s.context { lws_cancel_service(c.pointer) }
        }
    }

    /// Appends one control input and wakes the network thread.
    func post(_ input: ServerInput) {
        state.withLock { s in
            s.inputs.append(input)
            if let c = s.context { lws_cancel_service(c.pointer) }
        }
    }

    /// Wakes the network thread without posting anything.
    func wake() {
        state.withLock { s in
            if let c = s.context { lws_cancel_service(c.pointer) }
        }
    }

    /// Takes everything posted so far, leaving `spare` arrays (emptied) in place for reuse.
    func take(candles spareCandles: inout [Candle], inputs spareInputs: inout [ServerInput]) {
        spareCandles.removeAll(keepingCapacity: true)
        spareInputs.removeAll(keepingCapacity: true)
        state.withLock { s in
            swap(&s.candles, &spareCandles)
            swap(&s.inputs, &spareInputs)
        }
    }

    func setContext(_ c: ContextHandle?) {
        state.withLock { $0.context = c }
    }
}
