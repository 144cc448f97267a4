internal import CHiredis

#if canImport(Glibc)
import Glibc
#endif

/// One synchronous connection to a Redis server through hiredis: owns the `redisContext` (freed in
/// `deinit`), turns every hiredis status and error reply into a ``RedisError`` and every reply into
/// a ``RedisReply``.
///
/// Pipelining: ``append(_:)`` / ``appendEncoded(_:)`` queue commands in hiredis' output buffer
/// (nothing is sent yet); the first ``reply()`` writes the whole buffer in one go and each call then
/// reads one reply, in order. After an I/O error the connection is dead (``isBroken``): open a new one.
///
/// Threads: one thread at a time (the publisher's, the source's, the archiver's).
package final class RedisConnection {
    /// Where it is connected.
    package let address: RedisAddress
    private let context: UnsafeMutablePointer<redisContext>
    /// True after an I/O or protocol error: nothing more can be sent on this connection.
    package private(set) var isBroken = false

    /// Connects (TCP, `connectTimeout` seconds), sets the socket timeout for replies
    /// (`ioTimeout` seconds; a blocking `XREAD BLOCK` must ask for less) and selects the database.
    package init(address: RedisAddress, connectTimeout: Double = 1, ioTimeout: Double = 5) throws(RedisError) {
        self.address = address
        guard let c = qf_redis_connect(address.host, Int32(address.port), Int32(max(1, connectTimeout * 1000))) else {
            throw RedisError(.connect, "\(address): out of memory")
        }
        if qf_redis_err(c) != 0 {
            let why = String(cString: qf_redis_errstr(c))
            redisFree(c)
            throw RedisError(.connect, "\(address): \(why)")
        }
        context = c
        if qf_redis_set_timeout(c, Int32(max(1, ioTimeout * 1000))) != REDIS_OK {
            throw RedisError(.connect, "\(address): cannot set the socket timeout")
        }
        if address.database != 0 {
            _ = try command(["SELECT", String(address.database)])
        }
    }

    deinit { redisFree(context) }

    // MARK: - Commands

    /// Sends one command and waits for its reply. An error reply throws ``RedisError/Code/server``.
    @discardableResult
    package func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try append(arguments)
        let r = try reply()
        if case let .error(message) = r { throw RedisError(.server, message) }
        return r
    }

    /// Queues one command (pipelining; sent by the next ``reply()``).
    package func append(_ arguments: [String]) throws(RedisError) {
        try checkUsable()
        var lengths = arguments.map { $0.utf8.count }
        let status: Int32 = withCStrings(arguments) { pointers in
            lengths.withUnsafeMutableBufferPointer { lens in
                redisAppendCommandArgv(context, Int32(arguments.count), pointers, lens.baseAddress)
            }
        }
        if status != REDIS_OK { throw brokenError() }
    }

    /// Queues commands already encoded as RESP (``RESPWriter``): one copy into hiredis' buffer,
    /// no formatting. The caller reads one reply per command it encoded.
    package func appendEncoded(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        try checkUsable()
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if redisAppendFormattedCommand(context, base.assumingMemoryBound(to: CChar.self), bytes.count) != REDIS_OK {
            throw brokenError()
        }
    }

    /// Reads the next reply (sending what is queued first). Error replies come back as `.error`.
    package func reply() throws(RedisError) -> RedisReply {
        let raw = try nextRawReply()
        defer { freeReplyObject(raw) }
        return Self.convert(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// Reads the next reply and only reports an error reply's text (nil for any other reply):
    /// the publisher's hot path, which needs no values from `XADD`.
    package func replyError() throws(RedisError) -> String? {
        let raw = try nextRawReply()
        defer { freeReplyObject(raw) }
        let r = UnsafePointer(raw.assumingMemoryBound(to: redisReply.self))
        guard qf_reply_type(r) == Int32(QF_REDIS_ERROR) else { return nil }
        return Self.string(r)
    }

    // MARK: - Internals

    private func nextRawReply() throws(RedisError) -> UnsafeMutableRawPointer {
        try checkUsable()
        var out: UnsafeMutableRawPointer?
        if redisGetReply(context, &out) != REDIS_OK || out == nil { throw brokenError() }
        return out!
    }

    private func checkUsable() throws(RedisError) {
        if isBroken { throw RedisError(.io, "\(address): connection closed after an earlier error") }
    }

    private func brokenError() -> RedisError {
        isBroken = true
        let err = qf_redis_err(context)
        let text = String(cString: qf_redis_errstr(context))
        let code: RedisError.Code = (err == REDIS_ERR_PROTOCOL || err == REDIS_ERR_OOM) ? .protocolError : .io
        return RedisError(code, "\(address): \(text.isEmpty ? "connection lost" : text)")
    }

    private static func string(_ r: UnsafePointer<redisReply>) -> String {
        guard let p = qf_reply_str(r) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: qf_reply_len(r)), as: UTF8.self)
    }

    private static func convert(_ r: UnsafePointer<redisReply>) -> RedisReply {
        switch qf_reply_type(r) {
        case Int32(QF_REDIS_STRING):
            guard let p = qf_reply_str(r) else { return .string([]) }
            return .string(Array(UnsafeRawBufferPointer(start: p, count: qf_reply_len(r))))
        case Int32(QF_REDIS_STATUS): return .status(string(r))
        case Int32(QF_REDIS_ERROR): return .error(string(r))
        case Int32(QF_REDIS_INTEGER): return .integer(qf_reply_integer(r))
        case Int32(QF_REDIS_ARRAY):
            let n = qf_reply_elements(r)
            var items: [RedisReply] = []
            items.reserveCapacity(n)
            for i in 0..<n {
                guard let e = qf_reply_element(r, i) else { items.append(.null); continue }
                items.append(convert(e))
            }
            return .array(items)
        default: return .null
        }
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for c in copies { free(c) } }
    var pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
