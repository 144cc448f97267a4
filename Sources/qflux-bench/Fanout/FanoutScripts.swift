import Archive
import Candles
import ChromeCDP
import Engine
import SocketIOServer
/// The Python side of the fan-out stage (the baseline server), written to the scratch directory at run time.
enum FanoutScripts {
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
