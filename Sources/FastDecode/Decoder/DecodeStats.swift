/// Kinds of bad input the decoder counts and skips.
public enum MalformedKind: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Not JSON, or truncated.
    case json
    /// Invalid UTF-8.
    case utf8
    /// JSON, but neither a CDP event nor a perf-log entry.
    case notCDP
    /// A required field is missing or has the wrong type.
    case field
    /// Binary payloadData that is not base64.
    case base64
    /// Over the size limit.
    case tooLarge
    /// A market payload of an unexpected shape.
    case payloadShape
    /// A text frame that is not a valid Engine.IO / Socket.IO packet.
    case engineIO
    /// A WebSocket opcode qflux does not know (not 1 text, 2 binary).
    case opcode
    /// The shim failed internally (allocation); the line was skipped.
    case internalError
    /// A time or price outside ``MarketLimits`` (infinite, negative, `1e300`, …): that tick or
    /// candle was skipped.
    case absurdValue

    /// A stable snake_case name for summaries and metrics.
    public var description: String {
        switch self {
        case .json: "json"
        case .utf8: "utf8"
        case .notCDP: "not_cdp"
        case .field: "field"
        case .base64: "base64"
        case .tooLarge: "too_large"
        case .payloadShape: "payload_shape"
        case .engineIO: "engine_io"
        case .opcode: "opcode"
        case .internalError: "internal"
        case .absurdValue: "absurd_value"
        }
    }
}

/// Everything the decoder counted. Plain integers: updating them costs an add.
public struct DecodeStats: Equatable, Sendable {
    /// Lines (or CDP messages) offered to the decoder, blank ones included.
    public var lines = 0
    /// Blank lines.
    public var emptyLines = 0
    /// Bytes offered.
    public var bytes = 0
    /// WebSocket frames received from the broker.
    public var framesReceived = 0
    /// Frames the page sent (counted, never decoded: they carry the session).
    public var framesSent = 0
    /// CDP events of other methods (and command replies).
    public var otherMethods = 0
    /// Ticks decoded from live updates.
    public var ticks = 0
    /// History events decoded.
    public var historyEvents = 0
    /// Ticks and candles inside history events.
    public var historyTicks = 0, historyCandles = 0
    /// Chart events decoded.
    public var chartEvents = 0
    /// `updateAssets` lists decoded, and the asset payouts in them.
    public var payoutEvents = 0, payoutRows = 0
    /// `updateAssets` rows of another shape (counted and skipped).
    public var payoutRowsSkipped = 0
    /// Engine.IO control packets (open, ping, pong, connect …).
    public var controlPackets = 0
    /// Named Socket.IO events that carry no market data (counted by name in `otherEvents`).
    public var otherEventCount = 0
    /// Binary frames with no pending header whose shape was recognised.
    public var attachmentsByShape = 0
    /// Binary frames with no pending header and no recognisable shape (skipped).
    public var orphanAttachments = 0
    /// Binary headers whose attachments never came (a text frame arrived first).
    public var missingAttachments = 0
    /// Sockets seen opening / closing.
    public var socketsOpened = 0, socketsClosed = 0
    /// Malformed input by kind.
    public var malformed = [Int](repeating: 0, count: MalformedKind.allCases.count)
    /// Named non-market events by name.
    public var otherEvents: [String: Int] = [:]

    /// An empty count.
    public init() {}

    /// How many of one kind of malformed input were seen.
    public func malformed(_ kind: MalformedKind) -> Int { malformed[kind.rawValue] }

    /// All malformed input.
    public var malformedTotal: Int { malformed.reduce(0, +) }

    mutating func count(_ kind: MalformedKind) { malformed[kind.rawValue] += 1 }

    /// Adds another decoder's counts (parallel decoding: one decoder per thread).
    public mutating func merge(_ other: DecodeStats) {
        lines += other.lines; emptyLines += other.emptyLines; bytes += other.bytes
        framesReceived += other.framesReceived; framesSent += other.framesSent; otherMethods += other.otherMethods
        ticks += other.ticks; historyEvents += other.historyEvents
        historyTicks += other.historyTicks; historyCandles += other.historyCandles
        chartEvents += other.chartEvents; controlPackets += other.controlPackets
        payoutEvents += other.payoutEvents; payoutRows += other.payoutRows
        payoutRowsSkipped += other.payoutRowsSkipped
        otherEventCount += other.otherEventCount; attachmentsByShape += other.attachmentsByShape
        orphanAttachments += other.orphanAttachments; missingAttachments += other.missingAttachments
        socketsOpened += other.socketsOpened; socketsClosed += other.socketsClosed
        for i in malformed.indices { malformed[i] += other.malformed[i] }
        otherEvents.merge(other.otherEvents, uniquingKeysWith: +)
    }
}
