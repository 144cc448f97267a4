import Candles
import FastDecode
import Metrics
import ThreadSupport
import TextWriters

/// `GET /`, `/health`, `/metrics`, the CSV API's listing JSON and 404s (`Network/` routes
/// `/socket.io/` and `/api/…` before these).
extension ServerCore {
    /// The answer of a plain path: `/health` and `/metrics` (built from the core's state) or the
    /// static answers of ``HTTPExchanges/staticAnswer(path:)``.
    func httpAnswer(path: String) -> HTTPAnswer {
        switch path {
        case "/health":
            return HTTPAnswer(status: 200, contentType: "application/json", body: healthJSON())
        case "/metrics":
            return HTTPAnswer(status: 200, contentType: "text/plain; version=0.0.4", body: Array(metricsText().utf8))
        default:
            return HTTPExchanges.staticAnswer(path: path) ?? HTTPExchanges.jsonAnswer(404, "{\"error\":\"not found\"}")
        }
    }

    var uptimeSeconds: Double { Double(monotonicNanos() - startedAt) / 1e9 }

    /// `/health`: the original's `status: "healthy"`, `chrome: "connected"|"disconnected"` and
    /// `timestamp` (ISO-8601), then qflux's own members (``HTTPExchanges/healthJSON(_:_:status:uptimeSeconds:)``).
    func healthJSON() -> [UInt8] {
        HTTPExchanges.healthJSON(dataSource.health(), stats(), status: status, uptimeSeconds: uptimeSeconds)
    }

    func metricsText() -> String {
        HTTPExchanges.metricsText(stats(), uptimeSeconds: uptimeSeconds, sourceMetrics: dataSource.metricsText())
    }
}
