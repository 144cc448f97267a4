/// A byte-by-byte state machine that reads the Engine.IO v4 / Socket.IO v4 text messages a client
/// sends over WebSocket. Feed the fragments of one message in order (``feed(_:)``), then call
/// ``finish()`` at the message end; the parser is then ready for the next message.
///
/// The header (`4`, packet type, `/namespace,`, ack id) is read one byte at a time; the JSON part is
/// collected (bounded by ``maxMessageBytes``) and decoded once at the end. Pure Swift, no I/O.
@usableFromInline package struct SocketIOParser: Sendable {
    /// The largest message accepted, in bytes.
    @usableFromInline package let maxMessageBytes: Int

    @usableFromInline enum State: Sendable, Equatable {
        case start, socketType, afterType, namespace, afterNamespace, ackID, payload
        case failed(SocketIOParseError)
    }

    @usableFromInline var state: State = .start
    @usableFromInline var engineType: UInt8 = 0
    @usableFromInline var socketType: UInt8 = 0
    @usableFromInline var namespace: [UInt8] = []
    @usableFromInline var ackID: Int?
    @usableFromInline var ackDigits = 0
    @usableFromInline var body: [UInt8] = []
    @usableFromInline var total = 0

    static let maxNamespace = 128
    static let maxAckDigits = 9

    /// A parser accepting messages up to `maxMessageBytes` long.
    @usableFromInline package init(maxMessageBytes: Int = 1_000_000) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes received so far for the current message.
    @usableFromInline package var pendingBytes: Int { total }

    /// True when the current message is already known to be bad (the rest can be skipped).
    @usableFromInline package var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    /// Feeds the next fragment of the current message.
    @usableFromInline package mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes {
            if case .failed = state { return }
            step(b)
        }
    }

    /// Feeds the next fragment of the current message.
    @usableFromInline package mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Marks the current message as binary (unsupported): ``finish()`` will report it.
    @usableFromInline package mutating func rejectBinary() {
        state = .failed(.binaryUnsupported)
    }

    @usableFromInline mutating func step(_ b: UInt8) {
        total += 1
        if total > maxMessageBytes {
            state = .failed(.tooLarge(limit: maxMessageBytes))
            return
        }
        switch state {
        case .start:
            switch b {
            case ascii("1"), ascii("2"), ascii("3"), ascii("5"), ascii("6"):
                engineType = b
                state = .payload
            case ascii("4"):
                engineType = b
                state = .socketType
            default:
                state = .failed(.badEngineType(b))
            }
        case .socketType:
            switch b {
            case ascii("0"), ascii("1"), ascii("2"), ascii("3"):
                socketType = b
                state = .afterType
            case ascii("5"), ascii("6"):
                state = .failed(.binaryUnsupported)
            default:
                state = .failed(.badSocketType(b))
            }
        case .afterType:
            if b == ascii("/") {
                namespace.append(b)
                state = .namespace
            } else {
                afterNamespace(b)
            }
        case .namespace:
            if b == ascii(",") {
                state = .afterNamespace
            } else if namespace.count >= Self.maxNamespace || b < 0x21 {
                state = .failed(.badNamespace)
            } else {
                namespace.append(b)
            }
        case .afterNamespace:
            afterNamespace(b)
        case .ackID:
            if let d = digit(b) {
                ackDigits += 1
                if ackDigits > Self.maxAckDigits {
                    state = .failed(.badAckID)
                    return
                }
                ackID = (ackID ?? 0) * 10 + d
            } else {
                body.append(b)
                state = .payload
            }
        case .payload:
            body.append(b)
        case .failed:
            break
        }
    }

    @usableFromInline mutating func afterNamespace(_ b: UInt8) {
        if let d = digit(b), socketType == ascii("2") || socketType == ascii("3") {
            ackID = d
            ackDigits = 1
            state = .ackID
        } else {
            body.append(b)
            state = .payload
        }
    }

    /// Ends the current message: returns the packet or why it is bad, and resets for the next one.
    @usableFromInline package mutating func finish() -> Result<EngineIOInbound, SocketIOParseError> {
        defer { reset() }
        switch state {
        case .failed(let e): return .failure(e)
        case .start: return .failure(.empty)
        case .socketType: return .failure(.badSocketType(0))
        default: break
        }
        switch engineType {
        case ascii("1"): return .success(.close)
        case ascii("2"): return .success(.ping(payload: String(decoding: body, as: UTF8.self)))
        case ascii("3"): return .success(.pong)
        case ascii("5"): return .success(.upgrade)
        case ascii("6"): return .success(.noop)
        default: break
        }
        let ns = namespace.isEmpty ? "/" : String(decoding: namespace, as: UTF8.self)
        switch socketType {
        case ascii("0"):
            if body.isEmpty { return .success(.socket(.connect(namespace: ns, auth: nil))) }
            guard let v = try? JSONValue.parse(body), case .object = v else { return .failure(.badJSON) }
            return .success(.socket(.connect(namespace: ns, auth: v)))
        case ascii("1"):
            return .success(.socket(.disconnect(namespace: ns)))
        case ascii("2"):
            guard let v = try? JSONValue.parse(body), case .array(let items) = v else { return .failure(.badJSON) }
            guard case .string(let name)? = items.first else { return .failure(.missingEventName) }
            return .success(.socket(.event(namespace: ns, ackID: ackID, name: name, args: Array(items.dropFirst()))))
        default:  // "3"
            guard let id = ackID else { return .failure(.badAckID) }
            guard let v = try? JSONValue.parse(body), case .array(let items) = v else { return .failure(.badJSON) }
            return .success(.socket(.ack(namespace: ns, ackID: id, args: items)))
        }
    }

    /// Forgets any partial message.
    @usableFromInline package mutating func reset() {
        state = .start
        engineType = 0
        socketType = 0
        namespace.removeAll(keepingCapacity: true)
        ackID = nil
        ackDigits = 0
        body.removeAll(keepingCapacity: body.capacity <= 64 * 1024)
        total = 0
    }
}

@usableFromInline func ascii(_ s: Unicode.Scalar) -> UInt8 { UInt8(s.value) }

@usableFromInline func digit(_ b: UInt8) -> Int? {
    b >= 0x30 && b <= 0x39 ? Int(b - 0x30) : nil
}
