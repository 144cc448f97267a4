#!/usr/bin/env python3
"""One client floods the server with subscribe and get_available_data while another measures how
fast its own requests are answered (ServerInboundLimitTests).

Usage: flood_client.py URL SUBSCRIBES LISTINGS. The flooder is a raw websocket-client connection
(websocket transport) that sends SUBSCRIBES x subscribe of every asset (plus duplicates) and
LISTINGS x get_available_data, interleaved, as fast as it can, while a thread counts what comes
back. Prints one JSON object on its last stdout line.
"""
import asyncio
import json
import re
import socket
import sys
import threading
import time
import urllib.request

try:
    import socketio
    import websocket  # websocket-client
except ImportError as e:
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)


class Flooder:
    def __init__(self, url, assets, subscribes, listings):
        self.ws = websocket.create_connection(
            url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=None)
        assert self.ws.recv().startswith("0{")
        self.ws.send("40")
        while not self.ws.recv().startswith("40"):
            pass
        payload = {"assets": assets + assets[:100], "timeframes": ["1m"]}
        self.subscribe = '42["subscribe",%s]' % json.dumps(payload)
        self.subscribes, self.listings = subscribes, listings
        self.sent = 0
        self.replies = {}
        self.errors = []
        self.closed = False
        self.stopping = False
        self.done_sending = threading.Event()

    def send_all(self):
        try:
            s, l = self.subscribes, self.listings
            while s or l:
                if s:
                    self.ws.send(self.subscribe)
                    s -= 1
                    self.sent += 1
                if l:
                    self.ws.send('42["get_available_data"]')
                    l -= 1
                    self.sent += 1
        except (websocket.WebSocketException, OSError):
            self.closed = True
        self.done_sending.set()

    def read_all(self):
        # counts events by name; answers pings so only the budget can end the connection
        while True:
            try:
                m = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                m = None
            if not m:
                self.closed = self.closed or not self.stopping
                return
            if m == "2":
                self.ws.send("3")
            elif m.startswith("41"):
                self.closed = True
            elif m.startswith("42["):
                name = m[4:m.index('"', 4)]
                self.replies[name] = self.replies.get(name, 0) + 1
                if name == "error" and len(self.errors) < 3:
                    self.errors.append(json.loads(m[2:])[1].get("error"))

    def stop(self):
        self.stopping = True
        try:
            if self.ws.sock is not None:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def metric(text, name):
    found = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    return int(found.group(1)) if found else -1


async def main(url, subscribes, listings):
    good = socketio.AsyncClient(reconnection=False)
    await good.connect(url, transports=["websocket"], wait_timeout=5)
    assets = (await good.call("get_assets", timeout=5))["assets"]
    flooder = Flooder(url, assets, subscribes, listings)
    loop = asyncio.get_running_loop()
    reader = loop.run_in_executor(None, flooder.read_all)
    sender = loop.run_in_executor(None, flooder.send_all)
    latencies, peaks = [], {"history_jobs": 0, "history_backlog": 0}
    t0 = time.monotonic()
    # the other client's requests, and the server's job counts, while the flood goes on
    while not flooder.done_sending.is_set() or time.monotonic() - t0 < 3:
        t = time.monotonic()
        reply = await good.call("get_assets", timeout=10)
        assert reply["assets"] == assets
        latencies.append(time.monotonic() - t)
        text = await loop.run_in_executor(None, lambda: urllib.request.urlopen(url + "/metrics", timeout=10).read().decode())
        for k in peaks:
            peaks[k] = max(peaks[k], metric(text, "qflux_server_" + k))
        await asyncio.sleep(0.05)  # pacing: the good client's requests and the job-count samples during the flood
    await sender
    flood_seconds = time.monotonic() - t0
    # let the replies drain (or the cut show): until the connection closed or nothing arrived for
    # 5 s (at least 3 s, at most 60 s: a loaded machine drains slowly), then stop reading
    drain_start = last_change = time.monotonic()
    seen = -1
    while time.monotonic() - drain_start < 60 and not reader.done():
        total = sum(n for name, n in flooder.replies.items() if name != "candle_update")
        now = time.monotonic()
        if total != seen:
            seen, last_change = total, now
        elif now - last_change >= 5 and now - drain_start >= 3:
            break
        await asyncio.sleep(0.1)
    flooder.stop()
    await reader
    text = await loop.run_in_executor(None, lambda: urllib.request.urlopen(url + "/metrics", timeout=10).read().decode())
    await good.disconnect()
    # from the first request to the last reply (candle updates aside): the window in which the
    # server handled the flood, longer than the sending when the machine is loaded
    active_seconds = max(flood_seconds, last_change - t0)
    return {"sent": flooder.sent, "flood_seconds": flood_seconds, "active_seconds": active_seconds, "flooder_closed": flooder.closed, "replies": flooder.replies, "errors": flooder.errors,
            "good_calls": len(latencies), "good_max_latency": max(latencies), "peaks": peaks,
            "final": {k: metric(text, "qflux_server_" + k) for k in ("history_jobs", "history_backlog")}}


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps(result), flush=True)
