import TextWriters

extension JSONWriter {
    /// Appends a client's JSON value as JSON text (object members in no particular order;
    /// nesting is bounded by ``JSONValueParser/maxDepth``, so the recursion is too).
    mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): raw(b ? "true" : "false")
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let items):
            raw("[")
            for (i, item) in items.enumerated() {
                if i > 0 { comma() }
                value(item)
            }
            raw("]")
        case .object(let members):
            raw("{")
            for (i, (k, item)) in members.enumerated() {
                if i > 0 { comma() }
                string(k)
                raw(":")
                value(item)
            }
            raw("}")
        }
    }
}
