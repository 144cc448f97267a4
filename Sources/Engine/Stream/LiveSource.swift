/// Where a ``LiveStream`` gets its frames: something that feeds a ``PipelineFeeder`` from a thread
/// of its own and reports whether it is delivering. The demo broker and ``ChromeSource`` are the two.
public protocol LiveSource: AnyObject, Sendable {
    /// The kind shown to clients in `connection_status` and `/health`.
    var kind: SourceStatus.Kind { get }
    /// Starts feeding on the source's own thread (the only thread that calls `feeder`); status
    /// changes and errors go to `events`, from that thread.
    func start(feeder: PipelineFeeder, events: (any LiveSourceEvents)?) throws
    /// Stops feeding and waits for the source's thread to end. Safe to call twice.
    func stop()
    /// Prometheus lines of the source's own counters (complete lines ending in `\n`).
    func metricsText() -> String
}

/// What a source reports while it runs (called from the source's thread).
public protocol LiveSourceEvents: Sendable {
    /// The source started or stopped delivering (for Chrome: a page attached or lost).
    func sourceStatusChanged(connected: Bool)
    /// Something went wrong that clients should hear about (`stream_error`).
    func sourceError(_ message: String)
}

extension DemoBroker: LiveSource {
    /// ``SourceStatus/Kind/demo``.
    public var kind: SourceStatus.Kind { .demo }

    /// Starts the demo thread; it is connected from the start.
    public func start(feeder: PipelineFeeder, events: (any LiveSourceEvents)?) throws {
        try start(feeder: feeder)
        events?.sourceStatusChanged(connected: true)
    }

    /// The number of ticks produced.
    public func metricsText() -> String {
        var out = PrometheusText()
        out.add("qflux_demo_ticks_total", .counter, "Ticks produced by the demo broker.", ticksProduced)
        return out.text
    }
}
