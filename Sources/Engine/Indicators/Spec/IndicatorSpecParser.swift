/// Reads indicator specs like `sma(20),ema(20),rsi(14),macd(12,26,9),bbands(20,2),atr(14),stoch(14,3,3)`.
///
/// Names are case-insensitive; parentheses may be left out to take the defaults (`rsi` = `rsi(14)`).
package enum IndicatorSpecParser {
    /// Parses a comma-separated list of specs; duplicates are kept once.
    package static func parse(_ text: String) throws(IndicatorSpecError) -> [IndicatorSpec] {
        var specs: [IndicatorSpec] = []
        var depth = 0
        var current = ""
        var pieces: [String] = []
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if depth < 0 { throw IndicatorSpecError("unbalanced ')' in indicator spec \"\(text)\"") }
            if ch == "," && depth == 0 {
                pieces.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        if depth != 0 { throw IndicatorSpecError("missing ')' in indicator spec \"\(text)\"") }
        pieces.append(current)
        for piece in pieces {
            let trimmed = piece.trimmingSpaces
            if trimmed.isEmpty { throw IndicatorSpecError("empty entry in indicator spec \"\(text)\"") }
            let spec = try parseOne(trimmed)
            if !specs.contains(spec) { specs.append(spec) }
        }
        return specs
    }

    /// Parses one spec such as `bbands(20,2.5)`.
    package static func parseOne(_ text: String) throws(IndicatorSpecError) -> IndicatorSpec {
        let s = text.trimmingSpaces
        var name = s
        var args: [String] = []
        if let open = s.firstIndex(of: "(") {
            guard s.hasSuffix(")") else { throw IndicatorSpecError("\"\(s)\": expected ')' at the end") }
            name = String(s[..<open]).trimmingSpaces
            let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
            let trimmedInner = String(inner).trimmingSpaces
            if !trimmedInner.isEmpty {
                args = trimmedInner.split(separator: ",", omittingEmptySubsequences: false).map {
                    String($0).trimmingSpaces
                }
            }
        }
        let lower = name.lowercased()
        guard let kind = IndicatorKind(rawValue: lower) ?? IndicatorKind.aliases[lower] else {
            let known = IndicatorKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw IndicatorSpecError("unknown indicator \"\(name)\" (known: \(known))")
        }
        var values: [Double] = []
        for (i, a) in args.enumerated() {
            guard !a.isEmpty, let v = Double(a), v.isFinite else {
                let pname = i < kind.parameterNames.count ? kind.parameterNames[i] : "parameter \(i + 1)"
                throw IndicatorSpecError("\(kind.rawValue): \(pname) \"\(a)\" is not a number")
            }
            values.append(v)
        }
        return try IndicatorSpec(kind: kind, parameters: values)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    package var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
