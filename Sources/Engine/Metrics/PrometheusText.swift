/// Builds Prometheus text exposition lines (`# HELP`, `# TYPE`, the sample) for `/metrics`.
package struct PrometheusText {
    /// The kind of a metric.
    package enum Kind: String, Sendable { case counter, gauge }

    /// The text so far.
    package private(set) var text = ""

    /// An empty exposition.
    package init() {}

    /// Appends lines made elsewhere (complete, each ending in a newline).
    package mutating func append(_ lines: String) { text += lines }

    /// Appends one metric with its help and type lines.
    package mutating func add(_ name: String, _ kind: Kind, _ help: String, _ value: some CustomStringConvertible) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n\(name) \(value)\n"
    }
}
