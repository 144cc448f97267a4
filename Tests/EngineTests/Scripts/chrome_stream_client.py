"""A python-socketio client of `qflux stream` with the Chrome source: records connection_status and
stream_error in arrival order, subscribes (1m) to every asset it hears of in `assets` (except
BIGHIST_otc), records candle_update events. Runs until STOPFILE exists (or MAXSECONDS pass), then
prints one JSON object on its last stdout line. On the way it prints a line per event the test
waits on: "SUBSCRIBED ASSET…" for each subscribed reply, "UPDATE ASSET START VOLUME" for each
candle_update.
Usage: chrome_stream_client.py URL STOPFILE MAXSECONDS"""
import asyncio, json, os, sys, time
import socketio

from waiting import async_wait_for

async def run(url, stopfile, max_seconds):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"events": [], "updates": [], "subscribed": []}
    known = set()

    def status(d):
        got["events"].append({"kind": "status", "chrome": d.get("chrome"), "source": d.get("source")})
    def error(d):
        got["events"].append({"kind": "error", "error": d.get("error")})
    async def assets(d):
        new = [a for a in d.get("assets", []) if a not in known and a != "BIGHIST_otc"]
        known.update(new)
        if new:
            got["subscribed"].extend(new)
            await sio.emit("subscribe", {"assets": new, "timeframes": ["1m"]})
    sio.on("connection_status", status)
    sio.on("stream_error", error)
    sio.on("assets", assets)
    def update(d):
        got["updates"].append(d)
        print("UPDATE %s %s %s" % (d.get("asset"), d.get("timestamp"), d.get("volume")), flush=True)
    def subscribed(d):
        got["events"].append({"kind": "subscribed", "assets": d.get("assets"), "unknown": d.get("unknown_assets")})
        print("SUBSCRIBED " + " ".join(str(a) for a in (d.get("assets") or [])), flush=True)
    sio.on("candle_update", update)
    sio.on("subscribed", subscribed)
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    # the test creates STOPFILE once it has seen (on the lines above) what it waits for
    await async_wait_for(lambda: os.path.exists(stopfile), max_seconds, "the stop file", every=0.05)
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], float(sys.argv[3])))
