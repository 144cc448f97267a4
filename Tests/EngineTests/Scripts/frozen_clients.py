#!/usr/bin/env python3
"""Clients that stop reading while the server still has data for them, beside one that reads
(ServerFrozenClientTests; issue 28, defect 1).

Usage: frozen_clients.py run URL N      – the scenario below; prints one JSON object last
       frozen_clients.py hold URL N     – (child) opens N frozen clients, prints HELD, sleeps

A frozen client is a raw WebSocket with a 4 KiB receive buffer that connects, subscribes, sends
20 Engine.IO pings of 30 KB (each answered with a 30 KB pong) and then never reads again, as a
laptop that went to sleep: the server's kernel buffers for it fill and libwebsockets keeps the
rest of a write. The scenario:
  A. N frozen clients in this process: the server must cut them at their ping timeout;
  B. N frozen clients in a child process killed with SIGKILL (their sockets reset while the
     server holds output for them);
while a python-socketio client keeps reading and /health is fetched every 250 ms. Before the
fix either phase wedged the server's network thread for good (a spin on recv() == 0).
"""
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from raw_websocket import masked, upgrade
from waiting import async_wait_for

try:
    import socketio
except ImportError as e:
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)


PING = masked("2" + "x" * 30000)
PINGS = int(os.environ.get("FROZEN_PINGS", "100"))


def frozen_client(url):
    s, _ = upgrade(url, rcvbuf=4096, timeout=5)
    s.sendall(masked("40"))
    s.sendall(masked('42["subscribe",{"assets":["EURUSD_otc"],"timeframes":["5s","1m"]}]'))
    for _ in range(PINGS):
        s.sendall(PING)
    return s


def get(url, path, timeout=2.0):
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as r:
            return r.status, r.read().decode()
    except Exception:
        return None, ""


def metric(url, name):
    status, body = get(url, "/metrics")
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


class Watch:
    """Counts the reading client's updates and /health misses."""

    def __init__(self, url):
        self.url = url
        self.updates = 0
        self.checks = 0
        self.misses = 0

    async def window(self, seconds):
        start_updates = self.updates
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status, _ = await asyncio.to_thread(get, self.url, "/health", 2.0)
            self.checks += 1
            if status != 200:
                self.misses += 1
            await asyncio.sleep(0.25)  # pacing: /health is sampled every 250 ms through the window
        return self.updates - start_updates


async def run(url, n):
    sio = socketio.AsyncClient(reconnection=False)
    watch = Watch(url)

    @sio.on("candle_update")
    async def on_update(data):
        watch.updates += 1

    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.call("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]}, timeout=5)
    out = {}

    # A: frozen in this process, cut at their ping timeout
    before = metric(url, "qflux_server_ping_timeouts_total") or 0
    frozen = [await asyncio.to_thread(frozen_client, url) for _ in range(n)]
    deadline = time.monotonic() + 30
    cut = False
    while time.monotonic() < deadline:
        now = metric(url, "qflux_server_ping_timeouts_total")
        if now is None:
            watch.misses += 1
        elif now - before >= n:
            cut = True
            break
        await asyncio.sleep(0.25)
    out["frozen_cut"] = cut
    out["updates_after_cut"] = await watch.window(3)
    for s in frozen:
        s.close()

    # B: frozen in a child process, killed while the server holds output for them
    held_before = metric(url, "qflux_server_reads_held_total") or 0
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "hold", url, str(n)],
                             stdout=subprocess.PIPE, text=True)
    line = await asyncio.to_thread(child.stdout.readline)
    out["held"] = line.strip() == "HELD"
    # the server's buffers for them fill: it stops reading each of them (qflux_server_reads_held_total)
    await async_wait_for(lambda: (metric(url, "qflux_server_reads_held_total") or 0) >= held_before + n, 20,
                         "the server to hold output for the %d frozen clients of the child" % n, every=0.1)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    out["updates_after_kill"] = await watch.window(3)
    status, body = await asyncio.to_thread(get, url, "/health", 2.0)
    out["clients_after"] = json.loads(body).get("clients") if status == 200 else None

    out["health_checks"] = watch.checks
    out["health_misses"] = watch.misses
    out["good_connected"] = sio.connected
    await sio.disconnect()
    return out


def hold(url, n):
    clients = [frozen_client(url) for _ in range(n)]
    print("HELD", flush=True)
    time.sleep(120)  # holds the sockets, never reading, until the parent kills it (120 s bounds a forgotten one)
    return clients


def main():
    mode, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "hold":
        hold(url, n)
        return
    print(json.dumps(asyncio.run(run(url, n))), flush=True)


if __name__ == "__main__":
    main()
