#!/usr/bin/env python3
"""Transport-level clients driven by the StreamServer transport tests (long-polling, upgrade, CSV
API, budgets, slowloris). Usage: transport_client.py SCENARIO URL [ARGS].

Each scenario prints one JSON object on its last stdout line. The Swift test publishes candle
updates while the script runs, so scenarios only wait for what they expect. Every loop is bounded
in count and time; every address is on the loopback.
"""
import json
import os
import socket
import sys
import threading
import time

from waiting import async_wait_for, metric, peer_endpoint, server_closed, server_has_read, wait_for

try:
    import socketio
    import websocket  # websocket-client
except ImportError as e:  # the Swift test turns this into a clear failure
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)

try:
    import requests  # noqa: F401  (python-socketio's synchronous client polls with it)
    HAVE_REQUESTS = True
except ImportError:
    HAVE_REQUESTS = False

TIMEOUT = 10.0


def host_port(url):
    host, port = url.replace("http://", "").split(":")
    return host, int(port)


# ---------------------------------------------------------------------------------------------
# raw HTTP/1.1 over a socket (so the tests see status lines, headers and chunk framing as sent)
# ---------------------------------------------------------------------------------------------

def send_request(sock, method, path, body=b"", headers=None, host="127.0.0.1"):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    if method == "POST" or body:
        lines.append("Content-Length: %d" % len(body))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def read_response(sock, timeout=TIMEOUT):
    """Reads one response: (status, headers dict, body bytes, raw body as framed on the wire)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the head: %r" % data[:200])
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = rest
        body = b""
        chunks = 0
        pos = 0
        while True:
            while b"\r\n" not in raw[pos:]:
                more = sock.recv(65536)
                if not more:
                    raise ConnectionError("chunked body cut after %d chunks" % chunks)
                raw += more
            line_end = raw.index(b"\r\n", pos)
            size = int(raw[pos:line_end].split(b";")[0], 16)
            need = line_end + 2 + size + 2
            while len(raw) < need:
                more = sock.recv(65536)
                if not more:
                    raise ConnectionError("chunked body cut inside a chunk")
                raw += more
            if raw[line_end + 2 + size:need] != b"\r\n":
                raise ValueError("bad chunk trailer")
            if size == 0:
                break
            body += raw[line_end + 2:line_end + 2 + size]
            chunks += 1
            pos = need
        headers["x-chunks"] = str(chunks)
        return status, headers, body, raw[:need]
    n = int(headers.get("content-length", "0"))
    body = rest
    while len(body) < n:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return status, headers, body[:n], body[:n]


def request(url, method, path, body=b"", headers=None, timeout=TIMEOUT, source=None):
    host, port = host_port(url)
    s = socket.create_connection((host, port), timeout=timeout, source_address=(source, 0) if source else None)
    try:
        send_request(s, method, path, body, headers)
        return read_response(s, timeout)
    finally:
        s.close()


def handshake(url, headers=None):
    status, _, body, _ = request(url, "GET", "/socket.io/?EIO=4&transport=polling", headers=headers)
    assert status == 200, (status, body)
    text = body.decode()
    assert text.startswith("0{"), text
    return json.loads(text[1:])


def packets(body):
    return body.decode().split("\x1e") if body else []


# ---------------------------------------------------------------------------------------------
# python-socketio clients
# ---------------------------------------------------------------------------------------------

def sync_client_stream(url, transports=None, token=None, updates=3):
    """A synchronous python-socketio client (the default one of the brief): connect, start a
    stream, wait for `updates` candle_updates; reports the transport used."""
    sio = socketio.Client(reconnection=False)
    got = []
    events = {}
    done = threading.Event()

    @sio.on("*")
    def catch_all(event, data=None):
        events.setdefault(event, []).append(data)

    @sio.on("candle_update")
    def on_candle(data):
        got.append(data)
        if len(got) >= updates:
            done.set()

    kwargs = {"wait_timeout": 5}
    if transports:
        kwargs["transports"] = transports
    if token:
        kwargs["auth"] = {"token": token}
    sio.connect(url, **kwargs)
    transport = sio.transport()
    ack = sio.call("get_assets", {}, timeout=5)
    sio.emit("start_stream", {"asset": "EURUSD_otc"})
    done.wait(TIMEOUT)
    history = events.get("historical_candles_loaded", [])
    out = {"transport": transport, "updates": len(got), "candle": got[-1] if got else None,
           "ack": ack, "history_count": history[0]["count"] if history else None,
           "connection_status": (events.get("connection_status") or [None])[0]}
    sio.disconnect()
    return out


def default_client(url):
    """`socketio.Client().connect(url)` with no options: long-polling handshake, then the upgrade."""
    if not HAVE_REQUESTS:
        return async_default_client(url)
    out = sync_client_stream(url)
    out["client"] = "sync"
    return out


def async_default_client(url):
    import asyncio

    async def run():
        sio = socketio.AsyncClient(reconnection=False)
        got = []
        sio.on("candle_update", lambda data: got.append(data))
        await sio.connect(url, wait_timeout=5)
        transport = sio.transport()
        await sio.emit("start_stream", {"asset": "EURUSD_otc"})
        await async_wait_for(lambda: len(got) >= 3, TIMEOUT, "3 candle_updates")
        await sio.disconnect()
        return {"transport": transport, "updates": len(got), "candle": got[-1] if got else None, "client": "async"}
    return asyncio.run(run())


def polling_only(url):
    if HAVE_REQUESTS:
        out = sync_client_stream(url, transports=["polling"], updates=5)
        out["client"] = "sync"
        return out
    import asyncio

    async def run():
        sio = socketio.AsyncClient(reconnection=False)
        got = []
        sio.on("candle_update", lambda data: got.append(data))
        await sio.connect(url, transports=["polling"], wait_timeout=5)
        transport = sio.transport()
        ack = await sio.call("get_assets", {}, timeout=5)
        await sio.emit("start_stream", {"asset": "EURUSD_otc"})
        await async_wait_for(lambda: len(got) >= 5, TIMEOUT, "5 candle_updates over polling")
        await sio.disconnect()
        return {"transport": transport, "updates": len(got), "candle": got[-1] if got else None, "ack": ack,
                "client": "async"}
    return asyncio.run(run())


def token_polling(url, token):
    out = {}
    for label, tok in (("missing", None), ("wrong", "not-" + token), ("right", token)):
        try:
            r = polling_only_connect(url, tok)
            out[label] = r
        except socketio.exceptions.ConnectionError as e:
            out[label] = "refused: %s" % e
    return out


def polling_only_connect(url, token):
    sio = socketio.Client(reconnection=False) if HAVE_REQUESTS else None
    if sio is None:
        import asyncio

        async def run():
            a = socketio.AsyncClient(reconnection=False)
            await a.connect(url, transports=["polling"], auth={"token": token} if token else None, wait_timeout=5)
            t = a.transport()
            await a.disconnect()
            return "connected over " + t
        return asyncio.run(run())
    sio.connect(url, transports=["polling"], auth={"token": token} if token else None, wait_timeout=5)
    t = sio.transport()
    sio.disconnect()
    return "connected over " + t


def mixed(url, n):
    """n WebSocket and n long-polling clients at once, all streaming the same asset."""
    n = int(n)
    results = {}
    lock = threading.Lock()

    def one(i, transports):
        try:
            r = sync_client_stream(url, transports=transports, updates=3) if HAVE_REQUESTS or transports == ["websocket"] \
                else {"updates": 0}
        except Exception as e:  # noqa: BLE001
            r = {"error": str(e), "updates": 0}
        with lock:
            results[(i, transports[0])] = r

    threads = [threading.Thread(target=one, args=(i, t)) for i in range(n) for t in (["websocket"], ["polling"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    ws = [r for (i, t), r in results.items() if t == "websocket"]
    pl = [r for (i, t), r in results.items() if t == "polling"]
    return {"websocket_ok": sum(1 for r in ws if r.get("updates", 0) >= 3),
            "polling_ok": sum(1 for r in pl if r.get("updates", 0) >= 3),
            "errors": [r["error"] for r in results.values() if "error" in r][:5]}


# ---------------------------------------------------------------------------------------------
# raw long-polling protocol checks
# ---------------------------------------------------------------------------------------------

def raw_polling(url, max_payload):
    max_payload = int(max_payload)
    host, port = host_port(url)
    out = {}
    base = "/socket.io/?EIO=4&transport=polling"

    # handshake
    open_packet = handshake(url)
    sid = open_packet["sid"]
    out["open"] = open_packet
    q = base + "&sid=" + sid

    # unknown sid
    status, _, body, _ = request(url, "GET", base + "&sid=nope")
    out["unknown_sid"] = [status, body.decode()]
    status, _, body, _ = request(url, "POST", base + "&sid=nope", b"40")
    out["unknown_sid_post"] = [status, body.decode()]
    # bad protocol version
    status, _, body, _ = request(url, "GET", "/socket.io/?EIO=3&transport=polling")
    out["eio3"] = [status, body.decode()]

    # connect over POST, then a GET brings the connect ack and the greeting
    status, headers, body, _ = request(url, "POST", q, b"40")
    out["post_connect"] = [status, body.decode(), headers.get("content-type")]
    status, headers, body, _ = request(url, "GET", q)
    out["first_get"] = [status, packets(body), headers.get("content-type")]

    # an event with an ack, and a reply through the next GET
    request(url, "POST", q, b'421["get_assets",{}]')
    got = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not any(p.startswith("431") for p in got):
        status, _, body, _ = request(url, "GET", q)
        got += packets(body)
    out["ack_seen"] = any(p.startswith("431") for p in got)

    # ping over polling (the test configures a short pingInterval): a held GET gets "2"
    t0 = time.monotonic()
    status, _, body, _ = request(url, "GET", q, timeout=15)
    got = packets(body)
    while "2" not in got and time.monotonic() - t0 < 10:
        status, _, body, _ = request(url, "GET", q, timeout=15)
        got += packets(body)
    out["ping_seen"] = "2" in got
    out["ping_wait_seconds"] = round(time.monotonic() - t0, 2)
    status, _, body, _ = request(url, "POST", q, b"3")
    out["pong_post"] = [status, body.decode()]

    # oversize POST: 413, announced by Content-Length, before the body is sent
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % (q, max_payload + 1)).encode())
    try:
        status, _, body, _ = read_response(s)
        out["oversize"] = status
    except (ConnectionError, OSError) as e:
        out["oversize"] = "closed: %s" % e
    s.close()
    status, _, body, _ = request(url, "GET", q)
    out["after_oversize"] = [status, body.decode()]

    # overlapping GETs: the second is refused (400) and the session closes; the first gets "1"
    sid2 = handshake(url)["sid"]
    q2 = base + "&sid=" + sid2
    request(url, "POST", q2, b"40")
    request(url, "GET", q2)  # the connect ack
    first = socket.create_connection((host, port), timeout=TIMEOUT)
    send_request(first, "GET", q2)
    server_has_read(first, TIMEOUT, "the server to read the first GET (it holds it)")
    status, _, body, _ = request(url, "GET", q2)
    out["second_get"] = [status, body.decode()]
    status, _, body, _ = read_response(first)
    out["first_get_after_overlap"] = [status, packets(body)]
    first.close()
    status, _, body, _ = request(url, "GET", q2)
    out["after_overlap"] = [status, body.decode()]

    # a session that never polls again is closed after pingInterval + pingTimeout
    sid3 = handshake(url)["sid"]
    out["idle_sid_alive"] = request(url, "POST", base + "&sid=" + sid3, b"40")[0]
    # The silence is what is tested (any GET would keep the session): past the deadline, plus 1.5 s.
    time.sleep(float(open_packet["pingInterval"] + open_packet["pingTimeout"]) / 1000 + 1.5)
    status, _, body, _ = request(url, "GET", base + "&sid=" + sid3)
    out["idle_after_deadline"] = [status, body.decode()]

    # a page of a foreign origin may not poll
    status, _, body, _ = request(url, "GET", base, headers={"Origin": "http://evil.example"})
    out["foreign_origin"] = status
    status, headers, body, _ = request(url, "GET", base, headers={"Origin": "http://localhost:5000"})
    out["loopback_origin"] = [status, headers.get("access-control-allow-origin")]

    # a client that closes its held GET: a new GET on the same session is no overlap
    sid4 = handshake(url)["sid"]
    q4 = base + "&sid=" + sid4
    request(url, "POST", q4, b"40")
    request(url, "GET", q4)
    g = socket.create_connection((host, port), timeout=TIMEOUT)
    send_request(g, "GET", q4)
    server_has_read(g, TIMEOUT, "the server to read the GET that is then abandoned")
    abandoned = peer_endpoint(g)
    g.close()
    server_closed(abandoned, TIMEOUT, "the server to close the abandoned GET's connection")
    request(url, "POST", q4, b'42["get_assets",{}]')
    status, _, body, _ = request(url, "GET", q4)
    out["after_abandoned_get"] = [status, packets(body)[:1]]
    return out


def upgrade_raw(url):
    """The upgrade by hand: polling session, WebSocket with its sid, 2probe/3probe, a held GET
    answered with a noop, 5, then the session continues on the WebSocket."""
    host, port = host_port(url)
    base = "/socket.io/?EIO=4&transport=polling"
    sid = handshake(url)["sid"]
    q = base + "&sid=" + sid
    out = {}
    request(url, "POST", q, b"40")
    status, _, body, _ = request(url, "GET", q)
    out["connect"] = packets(body)[:1]
    held = socket.create_connection((host, port), timeout=TIMEOUT)
    send_request(held, "GET", q)
    server_has_read(held, TIMEOUT, "the server to read the GET it then holds")
    ws = websocket.create_connection("ws://%s:%d/socket.io/?EIO=4&transport=websocket&sid=%s" % (host, port, sid),
                                     timeout=5, suppress_origin=True)
    ws.send("2probe")
    out["probe"] = ws.recv()
    status, _, body, _ = read_response(held)
    out["held_get"] = [status, packets(body)]
    held.close()
    upgrades = metric(url, "qflux_server_upgrades_total") or 0
    ws.send("5")
    wait_for(lambda: (metric(url, "qflux_server_upgrades_total") or 0) > upgrades, TIMEOUT, "the upgrade to be counted")
    ws.send('421["get_assets",{}]')
    msgs = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not any(m.startswith("431") for m in msgs):
        msgs.append(ws.recv())
    out["ws_ack"] = any(m.startswith("431") for m in msgs)
    status, _, body, _ = request(url, "GET", q)
    out["get_after_upgrade"] = [status, body.decode()]
    # a second upgrade of an unknown sid is refused
    try:
        websocket.create_connection("ws://%s:%d/socket.io/?EIO=4&transport=websocket&sid=nope" % (host, port),
                                    timeout=5, suppress_origin=True)
        out["unknown_sid_upgrade"] = "accepted"
    except websocket.WebSocketBadStatusException as e:
        out["unknown_sid_upgrade"] = e.status_code
    ws.close()
    return out


# ---------------------------------------------------------------------------------------------
# the CSV API
# ---------------------------------------------------------------------------------------------

def csv_api(url, token=None):
    out = {}
    auth = {"Authorization": "Bearer " + token} if token else None
    status, headers, body, _ = request(url, "GET", "/api/available-csv-files", headers=auth)
    out["list"] = [status, headers.get("content-type"), json.loads(body) if status == 200 else body.decode()]
    status, _, body, _ = request(url, "GET", "/api/available-csv-files?timeframe=1m", headers=auth)
    out["list_1m"] = [status, json.loads(body) if status == 200 else body.decode()]
    status, _, body, _ = request(url, "GET", "/api/available-csv-files?timeframe=1m%2F..", headers=auth)
    out["list_bad_tf"] = status
    status, headers, body, raw = request(url, "GET", "/api/csv-data/EURUSD_otc_1m.csv", headers=auth, timeout=30)
    lines = body.decode().splitlines()
    out["csv"] = {"status": status, "content_type": headers.get("content-type"),
                  "transfer_encoding": headers.get("transfer-encoding"), "content_length": headers.get("content-length"),
                  "chunks": int(headers.get("x-chunks", "0")), "bytes": len(body), "lines": len(lines),
                  "header": lines[0] if lines else None, "row1": lines[1].split(",") if len(lines) > 1 else None,
                  "last": lines[-1].split(",") if lines else None}
    status, headers, body, _ = request(url, "GET", "/api/csv-data/empty.csv", headers=auth)
    out["empty"] = [status, headers.get("transfer-encoding"), len(body)]
    status, _, body, _ = request(url, "GET", "/api/csv-data/missing.csv", headers=auth)
    out["missing"] = [status, body.decode()]
    traversal = {}
    for p in ["/api/csv-data/..%2f..%2fetc%2fpasswd", "/api/csv-data/../../etc/passwd", "/api/csv-data/%2e%2e/secret.csv",
              "/api/csv-data/a%2fb.csv", "/api/csv-data/a%5cb.csv", "/api/csv-data/.hidden.csv",
              "/api/csv-data/x..y.csv", "/api/csv-data/%252e%252e%252fetc", "/api/csv-data/a%00b.csv",
              "/api/csv-data/", "/api/csv-data//etc/passwd"]:
        try:
            traversal[p] = request(url, "GET", p, headers=auth)[0]
        except (ConnectionError, OSError) as e:
            traversal[p] = "closed"
    out["traversal"] = traversal
    return out


def csv_leave(url):
    """Starts the slow stream, reads a little, and goes away."""
    host, port = host_port(url)
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    send_request(s, "GET", "/api/csv-data/slow.csv")
    s.settimeout(TIMEOUT)
    data = s.recv(4096)
    out = {"got_head": data.startswith(b"HTTP/1.1 200")}
    s.close()
    return out


def csv_busy(url):
    """Holds the slow stream open while asking for another: 503."""
    host, port = host_port(url)
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    send_request(s, "GET", "/api/csv-data/slow.csv")
    s.settimeout(TIMEOUT)
    first = s.recv(4096)
    status, _, body, _ = request(url, "GET", "/api/csv-data/EURUSD_otc_1m.csv")
    status_list, _, _, _ = request(url, "GET", "/api/available-csv-files")
    s.close()
    return {"first": first[:12].decode(), "second": status, "second_body": body.decode(), "listing": status_list}


# ---------------------------------------------------------------------------------------------
# budgets and floods
# ---------------------------------------------------------------------------------------------

def masked(text, opcode=0x1):
    data = text.encode() if isinstance(text, str) else text
    mask = b"\x01\x02\x03\x04"
    n = len(data)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def raw_ws_nonreading(url):
    host, port = host_port(url)
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % host).encode())
    s.settimeout(5)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    return s


def flood(url, kind, count, size):
    """A client that never reads floods the server: `ping` (Engine.IO pings with a payload of
    `size` bytes, each answered with a pong as large) or `namespace` (connects to unknown
    namespaces, each refused with a forced 44). A normal client alongside must keep getting updates."""
    count, size = int(count), int(size)
    sio = socketio.Client(reconnection=False)
    got = []
    sio.on("candle_update", lambda d: got.append(d))
    sio.connect(url, transports=["websocket"], wait_timeout=5)
    sio.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]}, timeout=5)
    print("FLOOD_READY", flush=True)
    wait_for(lambda: got, TIMEOUT, "the good client's first candle_update")
    s = raw_ws_nonreading(url)
    s.settimeout(10)
    if kind == "ping":
        frame = masked("2" + "p" * size)
    else:
        frame = masked("40/" + "n" * min(size, 120) + ",")
    sent = 0
    cut = False
    t0 = time.monotonic()
    try:
        for _ in range(count):
            s.sendall(frame)
            sent += 1
            if time.monotonic() - t0 > 30:
                break
    except socket.timeout:
        pass  # the server stopped reading for a while: not a cut
    except OSError:  # reset, broken pipe
        cut = True
    flood_seconds = time.monotonic() - t0
    # the flooder's socket must end (a reset): keep sending a little until it does
    end = time.monotonic() + 20
    s.settimeout(0.5)
    while not cut and time.monotonic() < end:
        try:
            s.send(frame)
            time.sleep(0.01)  # pacing: a little more flood until the server resets the socket
        except socket.timeout:
            time.sleep(0.1)  # pacing: the server is not reading just now
        except OSError:
            cut = True
    s.close()
    before = len(got)
    wait_for(lambda: len(got) > before, TIMEOUT, "a candle_update to the good client after the flood")
    out = {"sent": sent, "cut": cut, "flood_seconds": round(flood_seconds, 2), "good_connected": sio.connected,
           "good_new_updates": len(got) - before, "good_updates": len(got)}
    sio.disconnect()
    return out


def poll_flood(url, posts, per_post):
    """A long-polling client that never polls (GET) but POSTs connects to unknown namespaces,
    `per_post` per POST, each answered with a forced `44` that waits in its queue. A WebSocket
    client alongside must keep getting updates."""
    posts, per_post = int(posts), int(per_post)
    sio = socketio.Client(reconnection=False)
    got = []
    sio.on("candle_update", lambda d: got.append(d))
    sio.connect(url, transports=["websocket"], wait_timeout=5)
    sio.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]}, timeout=5)
    wait_for(lambda: got, TIMEOUT, "the good client's first candle_update")
    sid = handshake(url)["sid"]
    q = "/socket.io/?EIO=4&transport=polling&sid=" + sid
    body = "\x1e".join(["40/" + "n" * 110 + "," for _ in range(per_post)]).encode()
    sent = 0
    cut_status = None
    for _ in range(posts):
        try:
            status = request(url, "POST", q, body)[0]
        except (ConnectionError, OSError) as e:
            cut_status = "closed: %s" % e
            break
        if status != 200:
            cut_status = status
            break
        sent += 1
    after = request(url, "GET", q)[0] if cut_status is not None else None
    before = len(got)
    wait_for(lambda: len(got) > before, TIMEOUT, "a candle_update to the good client after the POST flood")
    out = {"posts": sent, "cut_status": cut_status, "get_after_cut": after, "good_connected": sio.connected,
           "good_new_updates": len(got) - before}
    sio.disconnect()
    return out


def chatty(url, count):
    """A client that reads everything but sends `count` events as fast as it can."""
    count = int(count)
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=5)
    ws.recv()
    ws.send("40")
    sent = 0
    closed = False
    try:
        for _ in range(count):
            ws.send('42["get_assets",{}]')
            sent += 1
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        closed = True
    if not closed:
        try:
            end = time.monotonic() + 5
            while time.monotonic() < end:
                ws.recv()
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError, websocket.WebSocketTimeoutException):
            closed = True
    return {"sent": sent, "closed": closed}


# ---------------------------------------------------------------------------------------------
# slowloris
# ---------------------------------------------------------------------------------------------

def timed_health(url, source):
    t0 = time.monotonic()
    try:
        status = request(url, "GET", "/health", timeout=5, source=source)[0]
    except (ConnectionError, OSError) as e:
        status = "error: %s" % e
    return status, time.monotonic() - t0


def slowloris(url, n, seconds):
    """n connections from 127.0.0.2 send a request head one byte a second; meanwhile /health is
    fetched from 127.0.0.1 and from 127.0.0.2 every 0.25 s."""
    n, seconds = int(n), float(seconds)
    host, port = host_port(url)
    head = ("GET / HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: slow\r\nX-Pad: %s\r\n\r\n" % (host, port, "a" * 64)).encode()
    attackers = []
    refused = 0
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=2, source_address=("127.0.0.2", 0))
            s.setblocking(False)
            attackers.append([s, 0])
        except OSError:
            refused += 1
    samples = []
    closed = 0
    t0 = time.monotonic()
    next_byte = t0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if now >= next_byte:
            next_byte += 1.0
            alive = []
            for a in attackers:
                s, pos = a
                try:
                    s.send(head[pos:pos + 1])
                    a[1] = min(pos + 1, len(head) - 5)  # never complete the head
                    alive.append(a)
                except (BlockingIOError, InterruptedError):
                    alive.append(a)
                except OSError:
                    closed += 1
                    s.close()
            attackers = alive
            # reconnect the ones the server dropped, as an attacker would
            while len(attackers) < n and time.monotonic() - t0 < seconds - 1:
                try:
                    s = socket.create_connection((host, port), timeout=2, source_address=("127.0.0.2", 0))
                    s.setblocking(False)
                    attackers.append([s, 0])
                except OSError:
                    refused += 1
                    break
        for source in ("127.0.0.1", "127.0.0.2"):
            status, dt = timed_health(url, source)
            samples.append({"source": source, "status": status, "seconds": round(dt, 3)})
        time.sleep(0.25)  # pacing: the attack and its /health samples go on for `seconds`, a round each 0.25 s
    for s, _ in attackers:
        s.close()
    ok = [x for x in samples if x["status"] == 200]
    return {"attackers": n, "samples": len(samples), "ok": len(ok),
            "max_seconds": max((x["seconds"] for x in samples), default=None),
            "max_seconds_127_0_0_1": max((x["seconds"] for x in samples if x["source"] == "127.0.0.1"), default=None),
            "failures": [x for x in samples if x["status"] != 200][:5],
            "attackers_closed_by_server": closed, "connects_refused": refused}


def main():
    scenario, url = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    table = {
        "default": lambda: default_client(url),
        "polling": lambda: polling_only(url),
        "token": lambda: token_polling(url, args[0]),
        "mixed": lambda: mixed(url, args[0]),
        "raw_polling": lambda: raw_polling(url, args[0]),
        "upgrade_raw": lambda: upgrade_raw(url),
        "csv": lambda: csv_api(url, args[0] if args else None),
        "csv_leave": lambda: csv_leave(url),
        "csv_busy": lambda: csv_busy(url),
        "flood": lambda: flood(url, args[0], args[1], args[2]),
        "chatty": lambda: chatty(url, args[0]),
        "poll_flood": lambda: poll_flood(url, args[0], args[1]),
        "slowloris": lambda: slowloris(url, args[0], args[1]),
    }
    if scenario not in table:
        raise SystemExit("unknown scenario " + scenario)
    result = table[scenario]()
    print(json.dumps(result), flush=True)
    # a refused python-socketio client can leave a polling thread waiting up to
    # max(pingInterval, pingTimeout) + 5 s for its queue: do not wait for it
    os._exit(0)


if __name__ == "__main__":
    main()
