// libFuzzer target for the server front's Engine.IO / Socket.IO parser
// (Sources/Engine/Server/Protocol), built with `swiftc -sanitize=fuzzer,address` straight from
// those source files (see scripts/fuzz.sh). The first byte sets how the message is cut into
// WebSocket fragments (1…8 bytes each, or whole) and whether the size limit is small (64 bytes).
// Invariants checked: nothing traps; the result does not depend on fragmentation; the parser is
// reusable after every message (a valid ping parses right after); a message over the limit is
// `tooLarge` unless it was already known bad within the limit.
nonisolated(unsafe) private var whole = SocketIOParser(maxMessageBytes: 4096)
nonisolated(unsafe) private var pieces = SocketIOParser(maxMessageBytes: 4096)
nonisolated(unsafe) private var small = SocketIOParser(maxMessageBytes: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let step = Int(data[0] & 7) + 1
    let message = UnsafeRawBufferPointer(start: data + 1, count: size - 1)

    whole.feed(message)
    let a = whole.finish()

    var i = 0
    repeat {
        let n = min(step, message.count - i)
        pieces.feed(UnsafeRawBufferPointer(rebasing: message[i..<(i + n)]))
        i += n
    } while i < message.count
    let b = pieces.finish()
    if a != b { fatalError("fragmented parse differs: \(a) vs \(b)") }
    // Over the limit: `tooLarge`, unless the message was already known bad before the limit.
    if message.count > 4096, case .success = a { fatalError("over the limit but \(a)") }

    small.feed(message)
    let c = small.finish()
    if message.count > 64 {
        if case .success = c { fatalError("over the small limit but \(c)") }
        if c != .failure(.tooLarge(limit: 64)), c != a { fatalError("small limit: \(c), large: \(a)") }
    } else if c != a {
        fatalError("limit changed a small message's result: \(a) vs \(c)")
    }
    if data[0] & 0x80 != 0 {
        // The next message on the same parser is unaffected.
        whole.feed(Array("2probe".utf8))
        if whole.finish() != .success(.ping(payload: "probe")) { fatalError("parser not reset") }
    }
    return 0
}
