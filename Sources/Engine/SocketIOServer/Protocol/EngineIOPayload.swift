/// Engine.IO v4 long-polling payloads: the packets of one HTTP body, separated by the record
/// separator `0x1e` (text packets only; binary `b…` packets are not supported).
package enum EngineIOPayload {
    /// The separator between packets in a payload.
    package static let separator: UInt8 = 0x1E

    /// The packets of a `POST` body, in order (empty pieces included: the parser refuses them).
    /// At most `maxPackets` are returned; `nil` when the body holds more.
    package static func split(_ body: [UInt8], maxPackets: Int = .max) -> [ArraySlice<UInt8>]? {
        var out: [ArraySlice<UInt8>] = []
        var start = body.startIndex
        for i in body.indices where body[i] == separator {
            out.append(body[start..<i])
            if out.count > maxPackets { return nil }
            start = i + 1
        }
        out.append(body[start..<body.endIndex])
        return out.count > maxPackets ? nil : out
    }

    /// Joins packets into one payload.
    package static func join<S: Sequence>(_ packets: S) -> [UInt8] where S.Element == [UInt8] {
        var out: [UInt8] = []
        for (i, p) in packets.enumerated() {
            if i > 0 { out.append(separator) }
            out.append(contentsOf: p)
        }
        return out
    }
}
