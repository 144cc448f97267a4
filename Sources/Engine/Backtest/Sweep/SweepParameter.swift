/// One swept parameter and its values: `name=7..21` (step 1), `name=7..21:2`, `name=0.5..1:0.25`
/// or `name=a,b,c`.
package struct SweepParameter: Sendable, Equatable {
    /// Parameter name (`rsi.period`, `payout`, a rules `$name` without the `$`, ...).
    package var name: String
    /// Values in the order given.
    package var values: [Double]

    /// Creates a parameter from explicit values.
    package init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }

    /// Parses `name=range`; errors say what was expected.
    package static func parse(_ text: String) throws(SweepError) -> SweepParameter {
        guard let eq = text.firstIndex(of: "=") else {
            throw SweepError("sweep \"\(text)\": expected NAME=FROM..TO[:STEP] or NAME=A,B,C")
        }
        let name = String(text[..<eq]).trimmingCharacters
        let spec = String(text[text.index(after: eq)...]).trimmingCharacters
        guard !name.isEmpty else { throw SweepError("sweep \"\(text)\": missing parameter name before '='") }
        func number(_ s: Substring) throws(SweepError) -> Double {
            guard let v = Double(String(s).trimmingCharacters), v.isFinite else {
                throw SweepError("sweep \(name): \"\(s)\" is not a number")
            }
            return v
        }
        if let dot = spec.indices.first(where: {
            spec[$0] == "." && spec.index(after: $0) < spec.endIndex && spec[spec.index(after: $0)] == "."
        }) {
            let from = try number(spec[..<dot])
            var rest = spec[spec.index(dot, offsetBy: 2)...]
            var step = 1.0
            if let colon = rest.firstIndex(of: ":") {
                step = try number(rest[rest.index(after: colon)...])
                rest = rest[..<colon]
            }
            let to = try number(rest)
            guard step > 0 else { throw SweepError("sweep \(name): step must be > 0, got \(step)") }
            guard to >= from else { throw SweepError("sweep \(name): range end \(to) is below its start \(from)") }
            var values: [Double] = []
            var k = 0.0
            while true {
                let v = from + k * step
                if v > to + step * 1e-9 { break }
                values.append(v)
                k += 1
                if values.count > 100_000 { throw SweepError("sweep \(name): more than 100000 values") }
            }
            return SweepParameter(name: name, values: values)
        }
        let values = try spec.split(separator: ",").map { (s) throws(SweepError) -> Double in try number(s) }
        guard !values.isEmpty else { throw SweepError("sweep \(name): no values") }
        return SweepParameter(name: name, values: values)
    }
}

/// A sweep could not be set up; `description` is the message.
package struct SweepError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}

extension String {
    /// The string without surrounding spaces and tabs.
    var trimmingCharacters: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
