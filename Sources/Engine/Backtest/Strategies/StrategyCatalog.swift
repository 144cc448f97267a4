import Indicators

/// Builds strategies by name, with parameters: what the CLI's `--strategy NAME` resolves through.
///
/// Names: `quantum_flux` (the original, no parameters), `quantum_flux_ta` (parameters
/// `rsi.period`, `rsi.low`, ... see `QuantumFluxTA.Parameters.names`), and rules text for user
/// strategies (`StrategyCatalog.make(rules:parameters:)`; their parameters are the `$names`).
package enum StrategyCatalog {
    /// Built-in strategy names.
    package static let names = ["quantum_flux", "quantum_flux_ta"]

    /// A strategy or an error message (the original's wording for unknown names: `Unknown strategy: NAME`).
    package static func make(name: String, parameters: [String: Double] = [:]) -> Result<
        any SignalStrategy, StrategyError
    > {
        switch name {
        case "quantum_flux":
            if let k = parameters.keys.sorted().first {
                return .failure(StrategyError("quantum_flux has no parameters (got \(k))"))
            }
            return .success(QuantumFlux())
        case "quantum_flux_ta":
            var p = QuantumFluxTA.Parameters()
            for (k, v) in parameters.sorted(by: { $0.key < $1.key }) {
                if let e = p.set(k, v) { return .failure(StrategyError(e)) }
            }
            return .success(QuantumFluxTA(parameters: p))
        default:
            return .failure(StrategyError("Unknown strategy: \(name)"))
        }
    }

    /// A rules strategy from rules text with parameter values.
    package static func make(rules: String, parameters: [String: Double] = [:]) -> Result<
        any SignalStrategy, StrategyError
    > {
        do {
            return .success(try RuleStrategy(source: rules, parameters: parameters))
        } catch {
            return .failure(StrategyError(error.description))
        }
    }
}

/// A strategy could not be built; `description` is the message.
package struct StrategyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}
