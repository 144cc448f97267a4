/// Splits rules text into tokens; `#` starts a comment to the end of the line.
package enum RuleLexer {
    /// Tokens of `source`, ending with `.end`.
    /// Text longer than ``RuleLimits/maxSourceBytes`` is refused before it is split.
    package static func tokenize(_ source: String) throws(RuleError) -> [RuleToken] {
        guard source.utf8.count <= RuleLimits.maxSourceBytes else {
            throw RuleError(
                line: 1, column: 1,
                "rules text is \(source.utf8.count) bytes, more than the \(RuleLimits.maxSourceBytes) allowed")
        }
        let chars = Array(source)
        var tokens: [RuleToken] = []
        var i = 0
        var line = 1
        var col = 1
        func isIdentStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        func isIdent(_ c: Character) -> Bool { isIdentStart(c) || (c.isASCII && c.isNumber) }
        while i < chars.count {
            let c = chars[i]
            let startCol = col
            if c == "\n" {
                tokens.append(RuleToken(kind: .newline, line: line, column: col, text: "\n"))
                i += 1
                line += 1
                col = 1
                continue
            }
            if c == " " || c == "\t" || c == "\r" {
                i += 1
                col += 1
                continue
            }
            if c == "#" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if isIdentStart(c) || c == "$" {
                var j = i + 1
                while j < chars.count && isIdent(chars[j]) { j += 1 }
                let text = String(chars[i..<j])
                if c == "$" {
                    guard text.count > 1 else {
                        throw RuleError(line: line, column: col, "expected a parameter name after '$'")
                    }
                    tokens.append(
                        RuleToken(kind: .parameter(String(text.dropFirst())), line: line, column: startCol, text: text))
                } else {
                    tokens.append(
                        RuleToken(kind: .identifier(text.lowercased()), line: line, column: startCol, text: text))
                }
                col += j - i
                i = j
                continue
            }
            if c.isASCII && (c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber)) {
                var j = i
                while j < chars.count && (chars[j].isNumber || chars[j] == ".") { j += 1 }
                if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
                    var k = j + 1
                    if k < chars.count && (chars[k] == "+" || chars[k] == "-") { k += 1 }
                    if k < chars.count && chars[k].isNumber {
                        j = k
                        while j < chars.count && chars[j].isNumber { j += 1 }
                    }
                }
                let text = String(chars[i..<j])
                guard let v = Double(text) else {
                    throw RuleError(line: line, column: col, "'\(text)' is not a number")
                }
                tokens.append(RuleToken(kind: .number(v), line: line, column: startCol, text: text))
                col += j - i
                i = j
                continue
            }
            let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                tokens.append(RuleToken(kind: .symbol(two), line: line, column: startCol, text: two))
                i += 2
                col += 2
                continue
            }
            if "(),.:;=<>+-*/".contains(c) {
                tokens.append(RuleToken(kind: .symbol(String(c)), line: line, column: startCol, text: String(c)))
                i += 1
                col += 1
                continue
            }
            throw RuleError(line: line, column: col, "unexpected character '\(c)'")
        }
        tokens.append(RuleToken(kind: .end, line: line, column: col, text: ""))
        return tokens
    }
}
