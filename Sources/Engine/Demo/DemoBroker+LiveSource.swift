import MarketSource
import Metrics

extension DemoBroker: LiveSource {
    /// ``SourceKind/demo``.
    package var kind: SourceKind { .demo }

    /// Starts the demo thread; it is connected from the start.
    package func start(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) throws {
        try start(feeder: feeder)
        events?.sourceStatusChanged(connected: true)
    }

    /// The number of ticks produced.
    package func metricsText() -> String {
        var out = PrometheusText()
        out.add("qflux_demo_ticks_total", .counter, "Ticks produced by the demo broker.", ticksProduced)
        return out.text
    }
}
