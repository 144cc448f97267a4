/// Where a live stream gets its frames: something that feeds a ``FrameFeeder`` from a thread of
/// its own and reports whether it is delivering. The demo broker and the Chrome source are two;
/// the composition root (`Engine`) wires any of them to the pipeline.
package protocol LiveSource: AnyObject, Sendable {
    /// The kind shown to clients in `connection_status` and `/health`.
    var kind: SourceKind { get }
    /// Starts feeding on the source's own thread (the only thread that calls `feeder`); status
    /// changes and errors go to `events`, from that thread.
    func start(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) throws
    /// Stops feeding and waits for the source's thread to end. Safe to call twice.
    func stop()
    /// Prometheus lines of the source's own counters (complete lines ending in `\n`).
    func metricsText() -> String
}

/// What a source reports while it runs (called from the source's thread).
package protocol LiveSourceEvents: Sendable {
    /// The source started or stopped delivering (for Chrome: a page attached or lost).
    func sourceStatusChanged(connected: Bool)
    /// Something went wrong that clients should hear about (`stream_error`).
    func sourceError(_ message: String)
}

/// The kinds of source qflux has, as clients see them (`connection_status.source`).
package enum SourceKind: String, Sendable {
    /// The user's Chrome through the DevTools Protocol.
    case chrome
    /// The built-in demo generator.
    case demo
    /// Recorded data (`qflux replay`).
    case replay
    /// Redis Streams written by another qflux (`qflux stream --source redis://…`).
    case redis
}
