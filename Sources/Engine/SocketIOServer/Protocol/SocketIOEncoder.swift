import FastDecode
import TextWriters

/// Builds the Engine.IO v4 / Socket.IO v4 text messages the server sends.
package enum SocketIOEncoder {
    /// `0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}` – `upgrades`
    /// is `["websocket"]` for a long-polling handshake, `[]` on a WebSocket.
    package static func open(
        sid: String, upgrades: [String] = [], pingIntervalMs: Int, pingTimeoutMs: Int,
        maxPayload: Int
    ) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.raw("0{\"sid\":")
        w.string(sid)
        w.raw(",\"upgrades\":[")
        for (i, u) in upgrades.enumerated() {
            if i > 0 { w.comma() }
            w.string(u)
        }
        w.raw("],\"pingInterval\":")
        w.integer(pingIntervalMs)
        w.raw(",\"pingTimeout\":")
        w.integer(pingTimeoutMs)
        w.raw(",\"maxPayload\":")
        w.integer(maxPayload)
        w.raw("}")
        return w.bytes
    }

    /// `6`: no-op (answers a held long-polling `GET` while the client upgrades).
    package static let noop: [UInt8] = [UInt8(ascii: "6")]

    /// `1`: the server closes the Engine.IO session (long-polling).
    package static let close: [UInt8] = [UInt8(ascii: "1")]

    /// `2`: the server's ping.
    package static let ping: [UInt8] = [UInt8(ascii: "2")]

    /// `3<payload>`: the answer to a client ping.
    package static func pong(payload: String) -> [UInt8] { [UInt8(ascii: "3")] + Array(payload.utf8) }

    /// `40{"sid":…}`: Socket.IO connect accepted.
    package static func connectAck(sid: String) -> [UInt8] {
        var w = JSONWriter(capacity: 48)
        w.raw("40{\"sid\":")
        w.string(sid)
        w.raw("}")
        return w.bytes
    }

    /// `44[/ns,]{"message":…}`: Socket.IO connect refused.
    package static func connectError(message: String, namespace: String = "/") -> [UInt8] {
        var w = JSONWriter(capacity: 48)
        w.raw("44")
        if namespace != "/" { w.raw(Array(namespace.utf8)); w.comma() }
        w.raw("{\"message\":")
        w.string(message)
        w.raw("}")
        return w.bytes
    }

    /// `41`: the server ends the Socket.IO session.
    package static let disconnect: [UInt8] = Array("41".utf8)

    /// `42["name",payload]` with `payload` already JSON.
    package static func event(_ name: String, payload: [UInt8]) -> [UInt8] {
        var w = JSONWriter(capacity: payload.count + name.utf8.count + 8)
        w.raw("42[")
        w.string(name)
        w.comma()
        w.raw(payload)
        w.raw("]")
        return w.bytes
    }

    /// `43<id>[payload]` with `payload` already JSON.
    package static func ack(id: Int, payload: [UInt8]) -> [UInt8] {
        var w = JSONWriter(capacity: payload.count + 16)
        w.raw("43")
        w.integer(id)
        w.raw("[")
        w.raw(payload)
        w.raw("]")
        return w.bytes
    }
}
