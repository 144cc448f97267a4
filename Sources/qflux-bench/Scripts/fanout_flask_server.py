#!/usr/bin/env python3
"""The fan-out stage's baseline server: the original tool's stack, Flask-SocketIO, as QuantumFlux ran it.

Run by `qflux-bench fanout` (Sources/qflux-bench/Fanout/FlaskBaseline.swift), as
`python3 -W ignore fanout_flask_server.py …`.
Usage: fanout_flask_server.py RATE ASSET CLIENTS SECONDS [MODE]
  RATE     candle_update emits per second to the stream's room
  ASSET    the asset name put in each update
  CLIENTS  clients to wait for (≤ 30 s) before publishing
  SECONDS  how long to publish
  MODE     "eventlet" (default: eventlet.monkey_patch() first, socketio.run on eventlet's WSGI
           server) or "threading" (Werkzeug, simple-websocket)

Prints "ready PORT" once listening, or "missing MODULE" and exits when the mode's modules are
not installed (scripts/setup.sh --bench). Each update carries its send time in `open`. Exits on
SIGTERM (the bench), when its parent goes away, or 60 s after publishing ends.
"""
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
