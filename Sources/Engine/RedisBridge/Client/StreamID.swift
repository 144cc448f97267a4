/// A Redis stream entry id (`<milliseconds>-<sequence>`), ordered as Redis orders them.
package struct StreamID: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Milliseconds part.
    package var milliseconds: UInt64
    /// Sequence part.
    package var sequence: UInt64

    /// `0-0`, lower than every entry.
    package static let zero = StreamID(milliseconds: 0, sequence: 0)

    /// Creates an id.
    package init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `ms-seq` (or `ms`); nil for anything else.
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ms = UInt64(parts[0]) else { return nil }
        var seq: UInt64 = 0
        if parts.count == 2 {
            guard let s = UInt64(parts[1]) else { return nil }
            seq = s
        }
        self.init(milliseconds: ms, sequence: seq)
    }

    package static func < (a: StreamID, b: StreamID) -> Bool {
        a.milliseconds != b.milliseconds ? a.milliseconds < b.milliseconds : a.sequence < b.sequence
    }

    package var description: String { "\(milliseconds)-\(sequence)" }
}

/// One stream entry as read by `XREAD`, `XRANGE` or `XREADGROUP`.
package struct StreamEntry: Sendable, Equatable {
    /// The entry id.
    package var id: StreamID
    /// Field names and values, in order.
    package var fields: [(name: String, value: String)]

    /// The value of field `name`.
    package func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// A number field, read strictly (``DecimalField``: plain decimal text only); nil when the
    /// field is missing or is anything else (hex floats, `inf`, `nan`, garbage, too long).
    package func double(_ name: String) -> Double? { value(name).flatMap(DecimalField.parse) }

    package static func == (a: StreamEntry, b: StreamEntry) -> Bool {
        a.id == b.id && a.fields.elementsEqual(b.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Entries of an `XRANGE` reply (an array of `[id, [field, value, …]]`); malformed items skipped.
    /// A deleted entry (nil fields, from `XREADGROUP … 0` or `XAUTOCLAIM`) comes back with no fields.
    package static func parse(list reply: RedisReply) -> [StreamEntry] {
        guard let items = reply.elements else { return [] }
        var out: [StreamEntry] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let pair = item.elements, pair.count == 2, let idText = pair[0].text, let id = StreamID(idText) else {
                continue
            }
            var fields: [(String, String)] = []
            if let kv = pair[1].elements {
                var i = 0
                while i + 1 < kv.count {
                    fields.append((kv[i].text ?? "", kv[i + 1].text ?? ""))
                    i += 2
                }
            }
            out.append(StreamEntry(id: id, fields: fields))
        }
        return out
    }

    /// Entries per stream of an `XREAD` / `XREADGROUP` reply (`[[key, entries], …]`; nil: none).
    package static func parse(streams reply: RedisReply) -> [(key: String, entries: [StreamEntry])] {
        guard let streams = reply.elements else { return [] }
        var out: [(String, [StreamEntry])] = []
        for s in streams {
            guard let pair = s.elements, pair.count == 2, let key = pair[0].text else { continue }
            out.append((key, parse(list: pair[1])))
        }
        return out
    }
}
