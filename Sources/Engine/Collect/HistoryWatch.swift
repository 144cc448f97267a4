import Candles
import FastDecode
import Foundation
import ThreadSupport

/// A history the broker sent, as the collector sees it.
package struct ReceivedHistory: Sendable {
    /// Arrival order (1, 2, …).
    package var sequence: Int
    /// The broker's asset name.
    package var asset: String
    /// The snapshot (asset id in ``HistoryWatch/assets``).
    package var snapshot: HistorySnapshot
}

/// Watches the DevTools events of the page: decodes every received frame with the same decoder
/// `qflux stream` uses and keeps the history snapshots for the collector; notes the asset of each
/// `changeSymbol` the page sends (only that name is read from the page's own frames, which carry
/// its session and are otherwise never kept).
///
/// Threads: ``handle(_:)`` runs on the DevTools reader thread, which owns the decoder
/// (`ThreadBound`: the first thread to handle a message); the rest from the collecting thread,
/// through `state` (a `Locked`).
///
/// Memory: what waits between two looks of the collector (``take()``, ``takeClosedNewest()``)
/// is bounded: at most ``maxPendingPoints`` history ticks and candles and ``maxPendingClosed``
/// closed newest candles. A page that sends more in that time (the broker sends a few thousand
/// points per history; the collector looks at least every half second while it waits) loses the
/// oldest waiting ones, counted in ``dropped`` and reported by the collector.
package final class HistoryWatch: Sendable {
    /// Asset names (shared by the decoder and the archive writer).
    package let assets: AssetDirectory
    private let reader: ThreadBound<ReaderSide>
    private let arrived = DispatchSemaphore(value: 0)
    private let state = Locked(State())
    /// History ticks and candles waiting for ``take()``, at most.
    package let maxPendingPoints: Int
    /// Closed newest candles waiting for ``takeClosedNewest()``, at most.
    package let maxPendingClosed: Int

    /// The reader thread's: the decoder and the malformed count last published to `state`.
    private struct ReaderSide {
        let decoder: MarketDecoder
        var publishedMalformed = 0
        /// Histories' newest candles until the stream shows them closed.
        var newest = NewestCandleTracker()
    }

    private struct State {
        var histories: [ReceivedHistory] = []
        /// Ticks and candles in `histories`.
        var pendingPoints = 0
        var droppedHistories = 0
        var droppedClosed = 0
        var sequence = 0
        var lastChangeSymbol: String?
        var changeSymbols = 0
        var malformed = 0
        var absurdValues = 0
        /// Newest history candles the stream has shown closed, not taken yet.
        var closedNewest: [Candle] = []
    }
    /// A watch with its own asset directory, keeping at most `maxPendingPoints` history points
    /// and `maxPendingClosed` closed candles between looks.
    package init(maxPendingPoints: Int = 2_000_000, maxPendingClosed: Int = 100_000) throws {
        self.maxPendingPoints = maxPendingPoints
        self.maxPendingClosed = maxPendingClosed
        assets = AssetDirectory()
        reader = ThreadBound(ownedByFirstUser: ReaderSide(decoder: try MarketDecoder(assets: assets)))
    }

    /// One DevTools event message (reader thread).
    package func handle(_ message: UnsafeRawBufferPointer) {
        if Self.hasPrefix(message, Self.sentMethod) {
            if Self.contains(message, Self.changeSymbol), let asset = Self.changeSymbolAsset(message) {
                state.withLock { s in
                    s.lastChangeSymbol = asset
                    s.changeSymbols += 1
                }
            }
            return
        }
        var found: [HistorySnapshot] = []
        var closed: [Candle] = []
        reader.withValue { side in
            side.decoder.decode(line: message) { event in
                switch event {
                case let .history(h):
                    found.append(h)
                    side.newest.history(h, into: &closed)
                case let .tick(t):
                    side.newest.tick(t, into: &closed)
                default:
                    break
                }
            }
            publishSkipped(&side)
        }
        guard !found.isEmpty || !closed.isEmpty else { return }
        let (maxPoints, maxClosed) = (maxPendingPoints, maxPendingClosed)
        state.withLock { s in
            s.closedNewest += closed
            if s.closedNewest.count > maxClosed {
                let over = s.closedNewest.count - maxClosed
                s.closedNewest.removeFirst(over)
                s.droppedClosed += over
            }
            for h in found {
                s.sequence += 1
                s.histories.append(ReceivedHistory(sequence: s.sequence, asset: assets.name(of: h.asset), snapshot: h))
                s.pendingPoints += Self.points(h)
            }
            // the oldest waiting histories go first; the newest is kept even alone over the bound
            var drop = 0
            while s.pendingPoints > maxPoints, drop < s.histories.count - 1 {
                s.pendingPoints -= Self.points(s.histories[drop].snapshot)
                drop += 1
            }
            if drop > 0 {
                s.histories.removeFirst(drop)
                s.droppedHistories += drop
            }
        }
        for _ in found { arrived.signal() }
    }

    /// Publishes the decoder's malformed counts when they changed (reader thread).
    private func publishSkipped(_ side: inout ReaderSide) {
        let malformed = side.decoder.stats.malformedTotal
        guard malformed != side.publishedMalformed else { return }
        side.publishedMalformed = malformed
        let absurd = side.decoder.stats.malformed(.absurdValue)
        state.withLock { s in
            s.malformed = malformed
            s.absurdValues = absurd
        }
    }

    /// Malformed input in the page's frames, counted and skipped by the decoder: every kind, and
    /// of those the times or prices outside `MarketLimits` (absurd, or dated past this machine's
    /// clock plus its tolerance).
    package var skipped: (malformed: Int, absurdValues: Int) { state.withLock { ($0.malformed, $0.absurdValues) } }

    /// Histories and closed newest candles dropped because more arrived between two looks than
    /// the bounds keep (``maxPendingPoints``, ``maxPendingClosed``).
    package var dropped: (histories: Int, closedCandles: Int) {
        state.withLock { ($0.droppedHistories, $0.droppedClosed) }
    }

    private static func points(_ h: HistorySnapshot) -> Int { h.ticks.count + h.candles.count }

    /// The sequence number of the newest history so far (0: none yet).
    package var mark: Int { state.withLock { $0.sequence } }

    /// The asset of the last `changeSymbol` the page sent, and how many it sent.
    package var changeSymbol: (asset: String?, count: Int) {
        state.withLock { ($0.lastChangeSymbol, $0.changeSymbols) }
    }

    /// Takes every history received and not taken yet.
    package func take() -> [ReceivedHistory] {
        state.withLock { s in
            defer {
                s.histories.removeAll()
                s.pendingPoints = 0
            }
            return s.histories
        }
    }

    /// Takes the newest history candles the stream has shown closed since the last call
    /// (``NewestCandleTracker``), in the order they closed.
    package func takeClosedNewest() -> [Candle] {
        state.withLock { s in
            defer { s.closedNewest.removeAll() }
            return s.closedNewest
        }
    }

    /// Waits up to `seconds` for a history to arrive (true) or the time to pass (false).
    package func waitForArrival(seconds: Double) -> Bool {
        arrived.wait(timeout: .now() + .milliseconds(Int(max(0, seconds) * 1000))) == .success
    }

    // MARK: the page's changeSymbol

    /// Chrome writes `method` first in events.
    private static let sentMethod = Array(#"{"method":"Network.webSocketFrameSent""#.utf8)
    private static let changeSymbol = Array("changeSymbol".utf8)

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    private static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count, let first = needle.first else { return false }
        var i = 0
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var j = 1
                while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// `42["changeSymbol",{"asset":"EURUSD_otc","period":60}]` in a sent-frame event → `EURUSD_otc`.
    static func changeSymbolAsset(_ message: UnsafeRawBufferPointer) -> String? {
        guard let event = (try? JSONSerialization.jsonObject(with: Data(message))) as? [String: Any],
            let params = event["params"] as? [String: Any],
            let payload = (params["response"] as? [String: Any])?["payloadData"] as? String,
            let open = payload.firstIndex(of: "[")
        else { return nil }
        guard let array = (try? JSONSerialization.jsonObject(with: Data(payload[open...].utf8))) as? [Any],
            array.first as? String == "changeSymbol", let body = array.dropFirst().first as? [String: Any]
        else { return nil }
        return body["asset"] as? String
    }
}
