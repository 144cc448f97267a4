import Candles
import FastDecode
import Metrics

/// What the server asks of the engine. Implemented by the pipeline.
///
/// Threading: ``recentCandles(asset:timeframe:)`` and ``availableFiles()`` run on the server's
/// worker queue (never on the network thread), so they may take locks or read the disk.
/// ``health()`` and ``metricsText()`` run on the network thread while answering `/health` and
/// `/metrics`: they must return at once (read counters; no disk, no waiting on the engine).
package protocol StreamServerDataSource: Sendable {
    /// Recent candles of `asset` at `timeframe`, oldest first (the forming one last, if any).
    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory
    /// The archive files a client may ask about (`get_available_data`).
    func availableFiles() throws -> [AvailableFile]
    /// Figures for `/health`.
    func health() -> HealthSnapshot
    /// Extra Prometheus text appended to `/metrics` (complete lines, each ending in `\n`).
    func metricsText() -> String

    /// The CSV API's listing (`GET /api/available-csv-files[?timeframe=]`, and `get_available_data`):
    /// one entry per asset × kind/timeframe under the data directory. Worker queue.
    /// - Parameter timeframe: `"1m"`, `"5m"`, …, `"tick"`; nil for all.
    func csvFiles(timeframe: String?) throws -> [AvailableFile]
    /// Opens one listed CSV (`GET /api/csv-data/<filename>`) for streaming; nil when no listed
    /// file has that name. Worker queue.
    func openCSV(filename: String) throws -> (any CSVBodySource)?
    /// `run_backtest {file_path, strategy, …}`: the `results` object of `backtest_complete`
    /// (JSON text). Worker queue; throws a ``DataSourceRequestError`` with the user's message.
    func runBacktest(_ request: JSONValue?) throws -> [UInt8]
    /// `calculate_indicators {…}` in the original's format: the `indicators_calculated` payload
    /// (JSON text). A request whose estimated reply is over `maxReplyBytes` (half the client's
    /// byte budget, ``StreamServerConfig/maxAnalysisReplyBytes``) is refused before anything is
    /// computed. Worker queue; throws a ``DataSourceRequestError`` with the user's message.
    func calculateIndicators(_ request: JSONValue?, maxReplyBytes: Int) throws -> [UInt8]
    /// The original GUI's `store_csv_candles`, `generate_signal` and `execute_strategy`: the
    /// success payload (JSON text). Worker queue; throws a ``DataSourceRequestError``
    /// (docs/server-protocol.md). Default: not available (``CompatAnalysisEvent``).
    func compatAnalysis(_ event: CompatAnalysisEvent, _ request: JSONValue?) throws -> [UInt8]
    /// The Redis link this node publishes to (`--publish`), for `get_redis_status`; nil when it
    /// has none. Network thread: must return at once (atomics only).
    func redisLink() -> RedisLinkStatus?
    /// The payouts in force (percent) by asset, from the broker's `updateAssets` (`get_assets`).
    /// Network thread: must return at once. Default: none (Payouts/PayoutPayloads.swift).
    func payoutPercents() -> [AssetID: Double]
    /// `GET /api/signals`: the journal's entries from `since` (epoch seconds), at most `limit`, as
    /// `{"signals":[…],"count":N,"next_since":T|null}`; nil without a journal. HTTP queue.
    /// Default: nil (SignalJournalRoute.swift).
    func signalJournalJSON(since: Int64, limit: Int) throws -> [UInt8]?
}

/// A CSV body produced piece by piece (HTTP chunked transfer): the server pulls the next piece
/// (on a worker thread, one request at a time, only after the previous piece was written), so a
/// large export never sits in memory whole.
package protocol CSVBodySource: AnyObject {
    /// The next piece of the body (any size up to about 64 KB); nil at the end.
    func nextPiece() throws -> [UInt8]?
}

/// A request the data source cannot serve, with the message the client gets.
package struct DataSourceRequestError: Error, Sendable, CustomStringConvertible {
    /// What the client is told (the `error` member of the error event).
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension StreamServerDataSource {
    /// No CSV API: nothing listed.
    package func csvFiles(timeframe: String?) throws -> [AvailableFile] { [] }
    /// No CSV API: nothing found.
    package func openCSV(filename: String) throws -> (any CSVBodySource)? { nil }
    /// No analysis on this node.
    package func runBacktest(_ request: JSONValue?) throws -> [UInt8] {
        throw DataSourceRequestError("backtests are not available on this server")
    }
    /// No analysis on this node.
    package func calculateIndicators(_ request: JSONValue?, maxReplyBytes: Int) throws -> [UInt8] {
        throw DataSourceRequestError("indicators are not available on this server")
    }
}

/// Candles for `historical_candles_loaded`.
package struct CandleHistory: Sendable, Equatable {
    /// Oldest first.
    package var candles: [Candle]
    /// Where they came from, sent as `source` (e.g. `"memory"`, `"archive"`, `"broker"`).
    package var source: String

    /// Creates a history.
    package init(candles: [Candle], source: String) {
        self.candles = candles
        self.source = source
    }
}

/// One entry of `available_data`.
package struct AvailableFile: Sendable, Equatable {
    /// File name without directories.
    package var filename: String
    /// Asset name.
    package var asset: String
    /// `"ticks"` or a timeframe name such as `"1m"`.
    package var timeframe: String
    /// Full path.
    package var path: String
    /// Bytes of the CSV served for it (or a documented estimate); nil when unknown.
    package var size: Int?

    /// Creates an entry.
    package init(filename: String, asset: String, timeframe: String, path: String, size: Int? = nil) {
        self.filename = filename
        self.asset = asset
        self.timeframe = timeframe
        self.path = path
        self.size = size
    }
}

/// Engine figures for `/health`.
package struct HealthSnapshot: Sendable, Equatable {
    /// Ticks the engine has taken in.
    package var ticks: UInt64
    /// Candle updates the engine has formed.
    package var candleUpdates: UInt64
    /// Epoch seconds of the newest tick (broker time), if any.
    package var lastTickTime: Double?
    /// More `/health` members as JSON text (`"name":value` pairs joined by commas, no braces),
    /// e.g. the Redis publisher's state; empty for none.
    package var extraMembers = ""

    /// Creates a snapshot.
    package init(ticks: UInt64, candleUpdates: UInt64 = 0, lastTickTime: Double? = nil) {
        self.ticks = ticks
        self.candleUpdates = candleUpdates
        self.lastTickTime = lastTickTime
    }
}

/// Where prices come from, as shown in `connection_status` and `/health`.
package struct SourceStatus: Sendable, Equatable {
    /// The kind of source.
    package enum Kind: String, Sendable {
        /// Chrome through the DevTools Protocol.
        case chrome
        /// The built-in demo generator.
        case demo
        /// Replay of recorded data.
        case replay
        /// Redis Streams written by another qflux.
        case redis
    }

    /// The kind of source.
    package var kind: Kind
    /// Whether the source is delivering (for `chrome`: connected to Chrome).
    package var connected: Bool

    /// Creates a status.
    package init(kind: Kind, connected: Bool) {
        self.kind = kind
        self.connected = connected
    }
}
