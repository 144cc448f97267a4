/// A RESP reply as Swift values.
package enum RedisReply: Sendable, Equatable {
    /// A bulk string (binary safe).
    case string([UInt8])
    /// A status reply (`+OK`).
    case status(String)
    /// An integer reply.
    case integer(Int64)
    /// An array (multi-bulk) reply.
    case array([RedisReply])
    /// A nil bulk or nil array.
    case null
    /// An error reply (`-ERR …`), kept as a value inside pipelined or nested replies.
    case error(String)

    /// The bulk or status text, decoded as UTF-8.
    package var text: String? {
        switch self {
        case let .string(bytes): String(decoding: bytes, as: UTF8.self)
        case let .status(s): s
        default: nil
        }
    }

    /// The elements of an array reply (empty for nil).
    package var elements: [RedisReply]? {
        switch self {
        case let .array(items): items
        case .null: []
        default: nil
        }
    }

    /// The integer, or a bulk string holding one.
    package var integer: Int64? {
        switch self {
        case let .integer(n): n
        case let .string(bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }
}
