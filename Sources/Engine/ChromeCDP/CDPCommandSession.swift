import Foundation
import ThreadSupport

/// A DevTools connection that sends commands and waits for their answers – what `qflux collect`
/// drives the broker's page with (`Runtime.evaluate`, `Input.dispatchMouseEvent`,
/// `Network.enable`) – while every event message goes, whole and as received, to a handler.
///
/// Unlike ``ChromeSource`` (which only listens) it is used from one controlling thread that calls
/// ``call(_:_:timeout:)``; a reader thread of its own receives answers and events. A second
/// DevTools client on the same page (a running `qflux stream`) is no problem: Chrome serves both.
///
/// Threads: ``call(_:_:timeout:)``, ``evaluate(_:timeout:)`` and ``close()`` from any thread;
/// the event handler runs on the reader thread, one message at a time, in order.
package final class CDPCommandSession: Sendable {  // answers cross threads in `state` (a `Locked`)
    /// What the page's script threw, or what Chrome refused.
    package struct CommandError: Error, CustomStringConvertible {
        /// The command.
        package var method: String
        /// Chrome's message or the exception text.
        package var message: String
        package var description: String { "\(method): \(message)" }
    }

    private struct State {
        var nextID = 1
        var answers: [Int: [UInt8]] = [:]
        var waiting: [Int: DispatchSemaphore] = [:]
        var closedReason: String?
    }

    private let socket: DevToolsSocket
    private let state = Locked(State())
    private let maxMessageBytes: Int
    private let readerDone = DispatchSemaphore(value: 0)

    /// Connects to `target`'s DevTools WebSocket at `numericHost:port` and starts reading;
    /// `onEvent` gets every event message (not the answers).
    package init(
        target: ChromeTarget, numericHost: String, port: Int, connectTimeout: Double = 1, timeout: Double = 3,
        maxMessageBytes: Int = 512 << 20, onEvent: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
    ) throws(ChromeError) {
        socket = try DevToolsSocket(
            address: numericHost, port: port, path: target.debuggerPath,
            connectTimeout: connectTimeout, timeout: timeout)
        self.maxMessageBytes = maxMessageBytes
        let thread = Thread { [self] in
            read(onEvent)
            readerDone.signal()
        }
        thread.name = "qflux-cdp-commands"
        thread.start()
    }

    /// Finds the page `matcher` picks at `address` and connects to it.
    package static func attach(
        address: CDPAddress, matcher: TargetMatcher, connectTimeout: Double = 1, timeout: Double = 3,
        onEvent: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
    ) throws(ChromeError)
        -> (session: CDPCommandSession, target: ChromeTarget)
    {
        let listing = try TargetDiscovery.list(at: address, connectTimeout: connectTimeout, timeout: timeout)
        guard let target = matcher.pick(listing.targets) else {
            let pages = listing.targets.filter { $0.type == "page" }.count
            throw ChromeError(
                code: .targetList,
                cause:
                    "Chrome runs at \(address) but no page matches \(matcher.summary) (\(pages) page\(pages == 1 ? "" : "s") open)"
            )
        }
        let session = try CDPCommandSession(
            target: target, numericHost: listing.numericHost, port: address.port,
            connectTimeout: connectTimeout, timeout: timeout, onEvent: onEvent)
        return (session, target)
    }

    deinit { close() }

    /// Closes the connection and waits for the reader thread; pending calls fail. Safe to call twice.
    package func close() {
        socket.close()
        readerDone.wait()
        readerDone.signal()
    }

    /// Why the connection ended, nil while it is open.
    package var closedReason: String? { state.withLock { $0.closedReason } }

    /// Sends `method` with `params` and returns its `result`, waiting up to `timeout` seconds.
    /// Throws ``ChromeError`` when the connection fails or the answer does not come in time,
    /// ``CommandError`` when Chrome answers with an error.
    @discardableResult
    package func call(_ method: String, _ params: [String: Any] = [:], timeout: Double = 10) throws -> [String: Any] {
        let semaphore = DispatchSemaphore(value: 0)
        let id = try state.withLock { s throws(ChromeError) -> Int in
            if let why = s.closedReason { throw ChromeError(code: .webSocket, cause: why) }
            defer { s.nextID += 1 }
            s.waiting[s.nextID] = semaphore
            return s.nextID
        }
        let body = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        do {
            try socket.send(text: String(decoding: body, as: UTF8.self))
        } catch {
            _ = state.withLock { $0.waiting.removeValue(forKey: id) }
            throw error
        }
        let answered = semaphore.wait(timeout: .now() + .milliseconds(Int(timeout * 1000))) == .success
        let (bytes, why) = state.withLock { s in
            s.waiting.removeValue(forKey: id)
            return (s.answers.removeValue(forKey: id), s.closedReason)
        }
        guard answered, let bytes, let answer = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        else {
            throw ChromeError(code: .webSocket, cause: why ?? "no answer to \(method) within \(timeout) s")
        }
        if let error = answer["error"] as? [String: Any] {
            throw CommandError(method: method, message: error["message"] as? String ?? "\(error)")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// Runs `expression` in the page (`Runtime.evaluate`, awaiting promises, returning by value)
    /// and returns its value (JSON types; nil for `undefined`/`null`). A thrown exception is a
    /// ``CommandError`` with its text.
    package func evaluate(_ expression: String, timeout: Double = 10) throws -> Any? {
        let result = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true],
            timeout: timeout)
        if let details = result["exceptionDetails"] as? [String: Any] {
            let exception = (details["exception"] as? [String: Any])?["description"] as? String
            throw CommandError(
                method: "Runtime.evaluate", message: exception ?? details["text"] as? String ?? "exception")
        }
        let value = (result["result"] as? [String: Any])?["value"]
        return value is NSNull ? nil : value
    }

    // MARK: reader thread

    private func read(_ onEvent: @Sendable (UnsafeRawBufferPointer) -> Void) {
        var why = "Chrome closed the DevTools connection"
        do throws(ChromeError) {
            while let message = try socket.receive(maxBytes: maxMessageBytes) {
                // Chrome writes "id" first in answers and "method" first in events.
                if message.count > 6, message[1] == UInt8(ascii: "\""), message[2] == UInt8(ascii: "i"),
                    message[3] == UInt8(ascii: "d")
                {
                    deliver(answer: message)
                } else {
                    message.withUnsafeBytes { onEvent($0) }
                }
            }
        } catch {
            why = error.cause
        }
        state.withLock { s in
            if s.closedReason == nil { s.closedReason = why }
            for semaphore in s.waiting.values { semaphore.signal() }
        }
    }

    /// Files an answer under its id (`{"id":N,…}`: the digits after `"id":`) for the waiting call.
    private func deliver(answer bytes: [UInt8]) {
        var id = 0
        var i = 6  // past {"id":
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            id = id * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            i += 1
        }
        guard i > 6 else { return }
        state.withLock { s in
            guard let semaphore = s.waiting[id] else { return }
            s.answers[id] = bytes
            semaphore.signal()
        }
    }
}

extension ChromeTarget {
    /// The page's scheme, host and path, for messages (queries and fragments may carry session data).
    package var displayURL: String { ChromeSource.displayURL(url) }
}
