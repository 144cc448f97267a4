/// Builds Prometheus text exposition lines (`# HELP`, `# TYPE`, the sample) for `/metrics`.
public struct PrometheusText {
    /// The kind of a metric.
    public enum Kind: String, Sendable { case counter, gauge }

    /// The text so far.
    public private(set) var text = ""

    /// An empty exposition.
    public init() {}

    /// Appends lines made elsewhere (complete, each ending in a newline).
    public mutating func append(_ lines: String) { text += lines }

    /// Appends one metric with its help and type lines.
    public mutating func add(_ name: String, _ kind: Kind, _ help: String, _ value: some CustomStringConvertible) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n\(name) \(value)\n"
    }
}
