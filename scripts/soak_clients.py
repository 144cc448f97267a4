#!/usr/bin/env python3
"""N python-socketio clients on one qflux stream, for scripts/soak.sh.

    scripts/soak_clients.py URL N SECONDS [OFFSET] [--freezable]

Each client connects over WebSocket, starts a stream for one of the server's assets (client i of
this process takes asset OFFSET+i of `get_assets`, round robin) and counts candle_update events. Every 5 s one JSON line goes to stdout: {"t", "connected", "updates",
"disconnects"}; the last line has "final": true. Exit 1 when a client could not connect or was
disconnected (unless the server went away). --freezable (soak_freezer.py, which SIGSTOPs the
process): the clients reconnect when the server has cut them, and being cut is no failure.
"""
import asyncio, json, os, sys, threading, time

import socketio

async def main(url, n, seconds, offset, freezable=False):
    updates = [0] * n
    disconnects = [0]
    clients = []

    def make(i):
        sio = socketio.AsyncClient(reconnection=freezable)

        @sio.on("candle_update")
        async def on_candle(data):
            updates[i] += 1

        @sio.event
        async def disconnect(*args):
            disconnects[0] += 1

        if freezable:
            # a reconnected client asks for its stream again
            @sio.event
            async def connect():
                await sio.emit("start_stream", {"asset": assets[(offset + i) % len(assets)]})

        return sio

    async def connect(i):
        sio = make(i)
        await sio.connect(url, transports=["websocket"], wait_timeout=20)
        if not freezable:
            await sio.emit("start_stream", {"asset": assets[(offset + i) % len(assets)]})
        return sio

    if freezable:
        # a process frozen in the middle of a connect can wait on it for good: end on time anyway
        def bail():
            print(json.dumps({"final": True, "updates": sum(updates), "watchdog": True}), flush=True)
            os._exit(0)
        threading.Timer(seconds + 10, bail).start()

    probe = socketio.AsyncClient(reconnection=False)
    await probe.connect(url, transports=["websocket"], wait_timeout=20)
    assets = []
    for _ in range(50):  # the directory fills as the demo's first ticks arrive
        assets = (await probe.call("get_assets", {}, timeout=10))["assets"]
        if assets:
            break
        await asyncio.sleep(0.2)
    await probe.disconnect()
    start = time.monotonic()
    results = await asyncio.gather(*(connect(i) for i in range(n)), return_exceptions=True)
    failed = [r for r in results if isinstance(r, Exception)]
    clients = [r for r in results if not isinstance(r, Exception)]
    if failed:
        print(json.dumps({"error": "%d clients failed to connect: %s" % (len(failed), failed[0])}), flush=True)
    while time.monotonic() - start < seconds:
        await asyncio.sleep(5)
        connected = sum(1 for c in clients if c.connected)
        print(json.dumps({"t": round(time.monotonic() - start, 1), "connected": connected,
                          "updates": sum(updates), "disconnects": disconnects[0]}), flush=True)
    connected = sum(1 for c in clients if c.connected)
    dropped = disconnects[0]
    print(json.dumps({"final": True, "connected": connected, "updates": sum(updates),
                      "clients_with_updates": sum(1 for u in updates if u > 0), "disconnects": disconnects[0]}), flush=True)
    await asyncio.gather(*(c.disconnect() for c in clients if c.connected), return_exceptions=True)
    if freezable:
        # clients cut while frozen may be reconnecting now, and python-socketio's reconnection
        # tasks do not all end on disconnect(): leave at once, the report is out
        sys.stdout.flush()
        os._exit(0 if not failed else 1)
    return 0 if not failed and dropped == 0 else 1


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--freezable"]
    offset = int(args[3]) if len(args) > 3 else 0
    sys.exit(asyncio.run(main(args[0], int(args[1]), float(args[2]), offset, "--freezable" in sys.argv)))
