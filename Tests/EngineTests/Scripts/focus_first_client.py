"""A python-socketio client that connects to `qflux stream` before Chrome is there.
ROLE driver: sends start_stream {asset: ASSET} right after connecting (the asset is not known yet);
ROLE listener: sends nothing (like the original GUI's second connection).
Records stream_started, asset_changed, connection_status and every candle_update, until STOPFILE
exists (or MAXSECONDS pass); prints one JSON object on its last stdout line. On the way it prints a
line per event the test waits on: "STARTED ASSET" for stream_started, "UPDATE ASSET START VOLUME"
for each candle_update.
TRANSPORT: websocket (websocket only) or default (python-socketio's default: polling, then upgrade).
Usage: focus_first_client.py URL STOPFILE MAXSECONDS ROLE ASSET TRANSPORT"""
import asyncio, json, os, sys, time
import socketio

from waiting import async_wait_for

async def run(url, stopfile, max_seconds, role, asset, transport):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"started": [], "changed": [], "status": [], "updates": [], "errors": []}
    def started(d):
        got["started"].append(d)
        print("STARTED %s" % d.get("asset"), flush=True)
    sio.on("stream_started", started)
    sio.on("asset_changed", lambda d: got["changed"].append(d))
    sio.on("connection_status", lambda d: got["status"].append(d))
    sio.on("stream_error", lambda d: got["errors"].append(d))
    def update(d):
        got["updates"].append(d)
        print("UPDATE %s %s %s" % (d.get("asset"), d.get("timestamp"), d.get("volume")), flush=True)
    sio.on("candle_update", update)
    kwargs = {"transports": ["websocket"]} if transport == "websocket" else {}
    await sio.connect(url, wait_timeout=5, **kwargs)
    got["transport"] = sio.transport()
    if role == "driver":
        await sio.emit("start_stream", {"asset": asset})
    # the test creates STOPFILE once it has seen (on the lines above) what it waits for
    await async_wait_for(lambda: os.path.exists(stopfile), max_seconds, "the stop file", every=0.05)
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]))
