#!/usr/bin/env python3
"""Socket.IO clients driven by the StreamServer tests. Usage: socketio_client.py SCENARIO URL [ARGS].

Each scenario prints one JSON object on its last stdout line. The Swift test publishes candle
updates repeatedly while the script runs, so the script only waits for what it expects.
"""
import asyncio
import json
import socket
import sys
import time

from waiting import async_wait_for, metric

try:
    import socketio
    import websocket  # websocket-client
except ImportError as e:  # the Swift test turns this into a clear failure
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)

TIMEOUT = 10.0


class Recorder:
    def __init__(self, sio):
        self.events = {}
        self.waiters = []
        sio.on("*", self.catch_all)

    async def catch_all(self, event, data=None):
        self.events.setdefault(event, []).append(data)

    async def wait(self, event, pred=lambda d: True, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for d in self.events.get(event, []):
                if pred(d):
                    return d
            await asyncio.sleep(0.01)
        raise TimeoutError("no %s within %.1fs; got %s" % (event, timeout, sorted(self.events)))


async def basic(url, token):
    sio = socketio.AsyncClient(reconnection=False)
    rec = Recorder(sio)
    out = {}
    await sio.connect(url, transports=["websocket"], auth={"token": token} if token else None, wait_timeout=5)
    out["connection_status"] = await rec.wait("connection_status")
    out["assets"] = await rec.wait("assets")
    await sio.emit("start_stream", {"asset": "eurusd otc"})
    out["stream_started"] = await rec.wait("stream_started")
    out["history"] = await rec.wait("historical_candles_loaded")
    out["candle"] = await rec.wait("candle_update", lambda d: d["asset"] == "EURUSD_otc")
    out["other_asset_before_change"] = any(d["asset"] == "GBPUSD" for d in rec.events.get("candle_update", []))
    await sio.emit("change_asset", {"asset": "GBPUSD"})
    out["asset_changed"] = await rec.wait("asset_changed")
    out["history2"] = await rec.wait("historical_candles_loaded", lambda d: d["asset"] == "GBPUSD")
    out["candle2"] = await rec.wait("candle_update", lambda d: d["asset"] == "GBPUSD")
    await sio.emit("stop_stream")
    out["stream_stopped"] = await rec.wait("stream_stopped")
    await sio.emit("get_available_data")
    out["available_data"] = await rec.wait("available_data")
    await sio.emit("no_such_event", {"x": 1})
    out["error"] = await rec.wait("error")
    out["ack"] = await sio.call("get_assets", {}, timeout=5)
    await sio.emit("subscribe", {"assets": ["GBPUSD", "nope"], "timeframes": ["5s", "1m"]})
    out["subscribed"] = await rec.wait("subscribed")
    out["candle5s"] = await rec.wait("candle_update", lambda d: d.get("timeframe") == "5s")
    await sio.disconnect()
    return out


async def follow(url):
    # start_stream on one asset, then wait for the chart-driven asset_changed and its candles.
    sio = socketio.AsyncClient(reconnection=False)
    rec = Recorder(sio)
    out = {}
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.emit("start_stream", {"asset": "EURUSD_otc"})
    out["stream_started"] = await rec.wait("stream_started")
    print("started", flush=True)
    out["asset_detected"] = await rec.wait("asset_detected")
    out["asset_changed"] = await rec.wait("asset_changed")
    out["candle"] = await rec.wait("candle_update", lambda d: d["asset"] == "GBPUSD")
    await sio.disconnect()
    return out


async def auth(url, token):
    out = {}
    for label, tok in (("wrong", "not-" + token), ("missing", None), ("right", token)):
        sio = socketio.AsyncClient(reconnection=False)
        errors = []

        async def on_error(data=None):
            errors.append(data)

        sio.on("connect_error", on_error)
        try:
            await sio.connect(url, transports=["websocket"], auth={"token": tok} if tok else None, wait_timeout=5)
            out[label] = "connected"
            await sio.disconnect()
        except socketio.exceptions.ConnectionError as e:
            out[label] = "refused: %s %s" % (e, json.dumps(errors))
    return out


async def many(url, n):
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(n)]
    got = [None] * n

    def handler(i):
        async def on_candle(data):
            if got[i] is None:
                got[i] = data
        return on_candle

    for i, c in enumerate(clients):
        c.on("candle_update", handler(i))
    sem = asyncio.Semaphore(50)

    async def connect(c):
        async with sem:
            await c.connect(url, transports=["websocket"], wait_timeout=10)
            await c.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["5s"]}, timeout=10)

    t0 = time.monotonic()
    await asyncio.gather(*(connect(c) for c in clients))
    connected = time.monotonic() - t0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(g is None for g in got):
        await asyncio.sleep(0.05)
    received = sum(1 for g in got if g is not None)
    closes = [g["close"] for g in got if g is not None]
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return {"clients": n, "received": received, "connect_seconds": round(connected, 2),
            "all_closes_equal": len(set(closes)) <= 1, "close": closes[0] if closes else None}


def raw_ws(url):
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=5)
    opening = ws.recv()
    assert opening.startswith("0{"), opening
    ws.send("40")
    while True:
        m = ws.recv()
        if m.startswith("40"):
            return ws


def closed_after(ws, message):
    """Sends message and reports whether the server closes the connection."""
    try:
        ws.send(message)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return True
    return False


async def abuse(url, oversize):
    sio = socketio.AsyncClient(reconnection=False)
    rec = Recorder(sio)
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]}, timeout=5)
    await rec.wait("candle_update")
    out = {}
    loop = asyncio.get_running_loop()
    out["garbage_closed"] = await loop.run_in_executor(None, lambda: closed_after(raw_ws(url), "zz\x01garbage"))
    out["bad_json_closed"] = await loop.run_in_executor(None, lambda: closed_after(raw_ws(url), '42["x",{'))
    out["oversize_closed"] = await loop.run_in_executor(None, lambda: closed_after(raw_ws(url), '42["x","' + "a" * oversize + '"]'))
    before = len(rec.events.get("candle_update", []))
    await async_wait_for(lambda: len(rec.events.get("candle_update", [])) > before, TIMEOUT,
                         "a candle_update to the good client after the abusive ones")
    out["good_client_connected"] = sio.connected
    out["good_client_new_updates"] = len(rec.events.get("candle_update", [])) - before
    await sio.disconnect()
    return out


async def slow(url):
    # a raw client that subscribes, then never reads again
    host, port = url.replace("http://", "").split(":")
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % host).encode())
    s.settimeout(5)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)

    def masked(text):
        data = text.encode()
        mask = b"\x01\x02\x03\x04"
        return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    s.sendall(masked("40"))
    s.sendall(masked('42["subscribe",{"assets":["EURUSD_otc"],"timeframes":["5s","1m"]}]'))
    # a normal client alongside
    sio = socketio.AsyncClient(reconnection=False)
    rec = Recorder(sio)
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]}, timeout=5)
    print("SLOW_READY", flush=True)
    await rec.wait("candle_update")
    # the server fills the kernel buffers (a few MB), sees the queue stay full and cuts it: wait
    # for the cut to be counted (10 s once passed without a cut inside the parallel full suite)
    await async_wait_for(lambda: (metric(url, "qflux_server_slow_disconnects_total") or 0) >= 1, 40,
                         "the server to cut the client that stopped reading", every=0.2)
    before = len(rec.events.get("candle_update", []))
    await async_wait_for(lambda: len(rec.events.get("candle_update", [])) > before, TIMEOUT,
                         "a candle_update to the good client after the cut")
    out = {"good_client_connected": sio.connected,
           "good_client_new_updates": len(rec.events.get("candle_update", [])) - before}
    await sio.disconnect()
    # drain the slow socket: it must end (the server closed it)
    s.settimeout(5)
    ended = False
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            b = s.recv(1 << 20)
            if not b:
                ended = True
                break
    except (ConnectionResetError, socket.timeout, OSError) as e:
        ended = not isinstance(e, socket.timeout)
    out["slow_socket_closed"] = ended
    return out


def main():
    scenario, url = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if scenario == "basic":
        result = asyncio.run(basic(url, args[0] if args else None))
    elif scenario == "follow":
        result = asyncio.run(follow(url))
    elif scenario == "auth":
        result = asyncio.run(auth(url, args[0]))
    elif scenario == "many":
        result = asyncio.run(many(url, int(args[0])))
    elif scenario == "abuse":
        result = asyncio.run(abuse(url, int(args[0])))
    elif scenario == "slow":
        result = asyncio.run(slow(url))
    else:
        raise SystemExit("unknown scenario " + scenario)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
