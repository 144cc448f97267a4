import Archive
import Candles
import ChromeCDP
import Engine
import SocketIOServer
/// The Python side of the fan-out stage (the baseline server), written to the scratch directory at run time.
enum FanoutScripts {
    /// The original tool's stack: Flask-SocketIO, as QuantumFlux ran it – under eventlet when
    /// installed (`eventlet.monkey_patch()` first, `socketio.run` on eventlet's WSGI server), else
    /// in threading mode (Werkzeug, simple-websocket). Once all clients joined (≤ 30 s), emits
    /// `candle_update` to the stream's room at the given rate for the given seconds, with the
    /// send time in `open`. Prints "ready PORT" once listening.
    ///
    /// Arguments: rate asset clients seconds mode (mode: "eventlet" or "threading"). Prints
    /// "missing MODULE" and exits when the mode's modules are not installed.
    /// It exits on SIGTERM (the bench), when its parent goes away, or 60 s after publishing ends.
    static let flaskServer = #"""
    import sys
    mode = sys.argv[5] if len(sys.argv) > 5 else "eventlet"
    try:
        if mode == "eventlet":
            import eventlet
            eventlet.monkey_patch()
        import flask_socketio, simple_websocket
    except ImportError as e:
        print("missing", e.name, flush=True)
        sys.exit(0)
    import logging, os, socket, threading, time
    from flask import Flask
    from flask_socketio import SocketIO, join_room
    logging.disable(logging.CRITICAL)
    rate, asset, clients, seconds = float(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    app = Flask(__name__)
    sio = SocketIO(app, async_mode=mode, logger=False, engineio_logger=False, transports=["websocket"])
    joined = [0]
    lock = threading.Lock()
    @sio.on("start_stream")
    def start(data):
        join_room("stream")
        with lock:
            joined[0] += 1
    def publisher():
        t0 = time.time()
        while joined[0] < clients and time.time() - t0 < 30:
            sio.sleep(0.02)
        begin = time.time()
        i = 0
        while time.time() - begin < seconds:
            i += 1
            now = time.time()
            sio.emit("candle_update", {"asset": asset, "timestamp": i * 60, "open": now, "high": now, "low": now,
                                       "close": now, "volume": 1, "date": "2025-01-01T00:00:00Z"}, to="stream")
            wait = begin + i / rate - time.time()
            sio.sleep(wait if wait > 0 else 0)  # 0: still yields to the sending greenlets under eventlet
        sio.sleep(60)
        os._exit(0)
    def watchdog(parent):
        while os.getppid() == parent:
            sio.sleep(1)
        os._exit(0)
    def ready():
        print("ready", port, flush=True)
        sys.stdout = open(os.devnull, "w")  # Werkzeug's banner: nobody reads the pipe any more
    probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
    sio.start_background_task(publisher)
    sio.start_background_task(watchdog, os.getppid())
    if mode == "eventlet":
        eventlet.spawn(ready)  # runs once sio.run below is listening and yields
        sio.run(app, host="127.0.0.1", port=port, log_output=False)
    else:
        ready()
        sio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)
    """#
}
