/// A text frame classified by its Engine.IO / Socket.IO header, without copying.
///
/// ```
/// 0{…}  open          2 / 3  ping / pong       40 / 41  connect / disconnect
/// 42[…] event          42<ack>[…]              43<ack>[…] ack
/// 45N-[…] binary event with N attachments      46N-<ack>[…] binary ack
/// ```
enum EngineIOPacket: Equatable {
    /// Engine.IO open.
    case open
    /// Engine.IO close, ping, pong, upgrade, noop; Socket.IO connect, disconnect, connect error, ack.
    case control
    /// Socket.IO event; `arrayOffset` is where its JSON array starts in the frame.
    case event(arrayOffset: Int)
    /// Socket.IO binary event or binary ack with `attachments` binary frames to follow.
    case binaryEvent(attachments: Int, arrayOffset: Int)
    /// Not a valid packet.
    case invalid

    /// Classifies a text frame.
    static func classify(_ text: UnsafeRawBufferPointer) -> EngineIOPacket {
        guard let first = text.first else { return .invalid }
        switch first {
        case UInt8(ascii: "0"): return .open
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6"):
            return .control
        case UInt8(ascii: "4"):
            break
        default:
            return .invalid
        }
        guard text.count >= 2 else { return .invalid }
        var i = 2
        switch text[1] {
        case UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "3"), UInt8(ascii: "4"):
            return .control
        case UInt8(ascii: "2"):
            guard let start = arrayStart(text, from: &i) else { return .invalid }
            return .event(arrayOffset: start)
        case UInt8(ascii: "5"), UInt8(ascii: "6"):
            var n = 0
            var digits = 0
            while i < text.count, let d = digit(text[i]) {
                n = n * 10 + d
                digits += 1
                i += 1
                if digits > 6 { return .invalid }
            }
            guard digits > 0, i < text.count, text[i] == UInt8(ascii: "-") else { return .invalid }
            i += 1
            guard let start = arrayStart(text, from: &i) else { return .invalid }
            return .binaryEvent(attachments: n, arrayOffset: start)
        default:
            return .invalid
        }
    }

    /// Skips an optional namespace (`/ns,`) and ack id, returning the offset of `[`.
    private static func arrayStart(_ text: UnsafeRawBufferPointer, from i: inout Int) -> Int? {
        if i < text.count, text[i] == UInt8(ascii: "/") {
            while i < text.count, text[i] != UInt8(ascii: ",") { i += 1 }
            i += 1
        }
        while i < text.count, digit(text[i]) != nil { i += 1 }
        guard i < text.count, text[i] == UInt8(ascii: "[") else { return nil }
        return i
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
