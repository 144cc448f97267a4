/// A small integer naming an asset, handed out by ``AssetInterner`` in order of first sight.
public struct AssetID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index of the asset in its ``AssetDirectory``.
    public let rawValue: UInt32

    /// Wraps an index.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public static func < (lhs: AssetID, rhs: AssetID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "asset#\(rawValue)" }
}

/// One price update: the broker's tick time (epoch seconds, sub-second precision kept) and price.
public struct Tick: Equatable, Sendable {
    /// The asset the price is for.
    public var asset: AssetID
    /// Epoch seconds from the broker's clock. Never the local clock.
    public var time: Double
    /// The price exactly as the broker sent it (the same Double `JSON` parsing gives).
    public var price: Double

    /// Creates a tick.
    @inlinable public init(asset: AssetID, time: Double, price: Double) {
        self.asset = asset
        self.time = time
        self.price = price
    }
}

/// A price point of a history event: the asset is the event's.
public struct PricePoint: Equatable, Sendable {
    /// Epoch seconds.
    public var time: Double
    /// Price.
    public var price: Double

    /// Creates a point.
    public init(time: Double, price: Double) {
        self.time = time
        self.price = price
    }
}

/// A candle as the broker sent it in a history event.
public struct BrokerCandle: Equatable, Sendable {
    /// Candle start, epoch seconds.
    public var time: Double
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    /// Volume, when the broker sent one.
    public var volume: Double?

    /// Creates a candle.
    public init(time: Double, open: Double, high: Double, low: Double, close: Double, volume: Double? = nil) {
        self.time = time
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

/// Which broker event a history snapshot came from.
public enum HistorySource: String, Sendable {
    /// `updateHistoryNewFast`: recent ticks plus newest-first candles.
    case updateHistoryNewFast
    /// `loadHistoryPeriodFast`: a page of older candles.
    case loadHistoryPeriodFast
}

/// Past prices the broker sent for one asset. Candles are sorted oldest first, whatever order
/// the broker used (`updateHistoryNewFast` sends them newest first).
public struct HistorySnapshot: Equatable, Sendable {
    /// The event this came from.
    public var source: HistorySource
    /// The asset.
    public var asset: AssetID
    /// Candle period in seconds, when the broker said.
    public var period: Int?
    /// History ticks, oldest first.
    public var ticks: [PricePoint]
    /// Candles, oldest first.
    public var candles: [BrokerCandle]

    /// Creates a snapshot.
    public init(source: HistorySource, asset: AssetID, period: Int?, ticks: [PricePoint], candles: [BrokerCandle]) {
        self.source = source
        self.asset = asset
        self.period = period
        self.ticks = ticks
        self.candles = candles
    }
}

/// The asset a broker chart shows (from `updateCharts`).
public struct ChartFocus: Equatable, Sendable {
    /// The asset on the chart.
    public var asset: AssetID
    /// `chartPeriod` as the broker sent it: an index into its own list, not seconds.
    public var chartPeriod: Int?
    /// `fastTimeframe` seconds, when present.
    public var fastTimeframe: Int?

    /// Creates a chart focus.
    public init(asset: AssetID, chartPeriod: Int?, fastTimeframe: Int?) {
        self.asset = asset
        self.chartPeriod = chartPeriod
        self.fastTimeframe = fastTimeframe
    }
}

/// A broker WebSocket as seen through Chrome: a small index per CDP `requestId`.
public struct SocketRef: Equatable, Hashable, Sendable {
    /// Index in order of first sight.
    public var index: UInt32

    /// Creates a reference.
    public init(index: UInt32) { self.index = index }
}

/// What the decoder hands on, one value per market fact. Passing a `.tick` allocates nothing.
public enum DecodedEvent: Equatable, Sendable {
    /// A live price update.
    case tick(Tick)
    /// Past prices for one asset.
    case history(HistorySnapshot)
    /// The broker's chart shows this asset.
    case chart(ChartFocus)
    /// The broker's asset list with each asset's payout (`updateAssets`).
    case payouts(PayoutSnapshot)
    /// A broker WebSocket opened (`webSocketCreated` or an Engine.IO open packet).
    case socketOpened(SocketRef)
    /// A broker WebSocket closed.
    case socketClosed(SocketRef)
}
