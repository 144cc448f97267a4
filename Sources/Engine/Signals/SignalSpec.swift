import Backtest
import Foundation

/// What to evaluate: a strategy, optionally on one timeframe only (`quantum_flux@1m`).
///
/// Grammar: `quantum_flux`, `quantum_flux_ta` or `rules:FILE`, then optionally `@TIMEFRAME`
/// (`5s`, `1m`, `4h`, `1d` or seconds). Without a timeframe the strategy runs on every timeframe
/// whose candles close.
package struct SignalSpec: Sendable {
    /// The label signals carry (`quantum_flux`, `rules:my.rules`).
    package var label: String
    /// The strategy.
    package var kind: Kind
    /// Only this timeframe (seconds), or every timeframe.
    package var timeframe: Int?

    /// The strategies.
    package enum Kind: Sendable {
        /// The original's strategy.
        case quantumFlux
        /// The original's scoring on real indicators.
        case quantumFluxTA(QuantumFluxTA.Parameters)
        /// A rules program.
        case rules(RuleProgram)
    }

    /// Creates a spec.
    package init(label: String, kind: Kind, timeframe: Int?) {
        self.label = label
        self.kind = kind
        self.timeframe = timeframe
    }

    /// Parses one spec; `readFile` returns a rules file's text (throws when unreadable).
    package static func parse(
        _ text: String, readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) throws(SignalSpecError) -> SignalSpec {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var timeframe: Int?
        if let at = body.lastIndex(of: "@") {
            let tf = body[body.index(after: at)...]
            guard let seconds = parseTimeframe(String(tf)) else {
                throw SignalSpecError(
                    "bad signal spec '\(text)': '\(tf)' is not a timeframe (5s, 1m, 4h, 1d or seconds)")
            }
            timeframe = seconds
            body = body[..<at]
        }
        if body == "quantum_flux" { return SignalSpec(label: "quantum_flux", kind: .quantumFlux, timeframe: timeframe) }
        if body == "quantum_flux_ta" {
            return SignalSpec(label: "quantum_flux_ta", kind: .quantumFluxTA(.init()), timeframe: timeframe)
        }
        if body.hasPrefix("rules:") {
            let file = String(body.dropFirst("rules:".count))
            guard !file.isEmpty else { throw SignalSpecError("bad signal spec '\(text)': rules: needs a file") }
            let source: String
            do { source = try readFile(file) } catch {
                throw SignalSpecError("bad signal spec '\(text)': cannot read \(file)")
            }
            do {
                let program = try RuleProgram.parse(source)
                return SignalSpec(label: "rules:\(file)", kind: .rules(program), timeframe: timeframe)
            } catch {
                throw SignalSpecError("bad signal spec '\(text)': \(file): \(error.description)")
            }
        }
        throw SignalSpecError(
            "unknown strategy '\(body)' in signal spec '\(text)' (known: quantum_flux, quantum_flux_ta, rules:FILE)")
    }

    /// Parses a comma-separated list of specs (at least one).
    package static func parseList(
        _ text: String, readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) throws(SignalSpecError) -> [SignalSpec] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var out: [SignalSpec] = []
        for p in parts { out.append(try parse(String(p), readFile: readFile)) }
        if out.isEmpty { throw SignalSpecError("no signal spec given") }
        return out
    }

    /// `5s`, `1m`, `4h`, `1d` or plain seconds, > 0.
    package static func parseTimeframe(_ text: String) -> Int? {
        guard let last = text.last else { return nil }
        let multiplier: Int
        var digits = Substring(text)
        switch last {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86400
        default:
            guard last.isNumber else { return nil }
            multiplier = 1
        }
        if !last.isNumber { digits = digits.dropLast() }
        guard let n = Int(digits), n > 0, n <= 7 * 86400 else { return nil }
        let seconds = n * multiplier
        return seconds <= 7 * 86400 ? seconds : nil
    }
}

/// A signal spec could not be used; `description` is the message.
package struct SignalSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}
