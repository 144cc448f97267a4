/// Python helpers of the fan-out stage, written to the scratch directory at run time.
enum FanoutScripts {
    /// A minimal raw Socket.IO-over-WebSocket client, many connections per process (selectors):
    /// connects, sends `40`, `start_stream`, answers pings, and records for each `candle_update`
    /// the delay between the wall-clock send time the publisher put in `open` and its arrival.
    /// Prints `{"received":N,"latencies_ms":[sampled …],"connected":K}`.
    static let client = #"""
    import base64, json, os, selectors, socket, struct, sys, time
    host, port, n, seconds, asset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    sel = selectors.DefaultSelector()
    def frame(text):
        data = text.encode()
        mask = os.urandom(4)
        head = bytes([0x81])
        ln = len(data)
        head += bytes([0x80 | ln]) if ln < 126 else bytes([0x80 | 126]) + struct.pack(">H", ln)
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    conns = {}
    for i in range(n):
        s = socket.create_connection((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (host, port, key)).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(4096)
        head, rest = buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            print(json.dumps({"error": head.decode(errors="replace")[:200]})); sys.exit(1)
        s.setblocking(False)
        conns[s] = {"buf": rest, "state": 0}
        sel.register(s, selectors.EVENT_READ)
    received = 0
    lat = []
    connected = 0
    deadline = time.time() + seconds
    def handle(s, st, text):
        global received, connected
        if text.startswith("0"):
            s.sendall(frame("40"))
        elif text.startswith("40"):
            connected += 1
            s.sendall(frame('42["start_stream",{"asset":"%s"}]' % asset))
        elif text == "2":
            s.sendall(frame("3"))
        elif text.startswith('42["candle_update"'):
            received += 1
            i = text.find('"open":')
            if i > 0 and (received % 7 == 0):
                j = i + 7
                k = j
                while text[k] not in ",}": k += 1
                lat.append((time.time() - float(text[j:k])) * 1000)
    def drain(s, st):
        buf = st["buf"]
        while len(buf) >= 2:
            ln = buf[1] & 0x7F
            off = 2
            if ln == 126:
                if len(buf) < 4: break
                ln = struct.unpack(">H", buf[2:4])[0]; off = 4
            elif ln == 127:
                if len(buf) < 10: break
                ln = struct.unpack(">Q", buf[2:10])[0]; off = 10
            if len(buf) < off + ln: break
            op = buf[0] & 0x0F
            payload = buf[off:off + ln]
            buf = buf[off + ln:]
            if op == 1:
                handle(s, st, payload.decode())
        st["buf"] = buf
    for s, st in conns.items():
        drain(s, st)   # the open packet may have come with the HTTP response
    while time.time() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            st = conns[s]
            try:
                chunk = s.recv(262144)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(s); continue
            st["buf"] += chunk
            drain(s, st)
    print(json.dumps({"received": received, "latencies_ms": lat, "connected": connected}))
    """#

    /// The original tool's stack: Flask-SocketIO (threading mode, simple-websocket): once all
    /// clients joined, emits `candle_update` to the stream's room at the given rate for the given
    /// seconds, with the send time in `open`. Prints "ready PORT" when listening.
    static let flaskServer = #"""
    import sys, threading, time
    from flask import Flask
    from flask_socketio import SocketIO, join_room
    rate, asset, clients, seconds = float(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    app = Flask(__name__)
    sio = SocketIO(app, async_mode="threading", logger=False, engineio_logger=False)
    joined = [0]
    lock = threading.Lock()
    @sio.on("start_stream")
    def start(data):
        join_room("stream")
        with lock:
            joined[0] += 1
    def publisher():
        t0 = time.time()
        while joined[0] < clients and time.time() - t0 < 15:
            time.sleep(0.02)
        begin = time.time()
        i = 0
        while time.time() - begin < seconds:
            i += 1
            now = time.time()
            sio.emit("candle_update", {"asset": asset, "timestamp": i * 60, "open": now, "high": now, "low": now,
                                       "close": now, "volume": 1, "date": "2025-01-01T00:00:00Z"}, to="stream")
            wait = begin + i / rate - time.time()
            if wait > 0:
                time.sleep(wait)
    import socket as _s
    probe = _s.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
    threading.Thread(target=publisher, daemon=True).start()
    print("ready", port, flush=True)
    sio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)
    """#
}
