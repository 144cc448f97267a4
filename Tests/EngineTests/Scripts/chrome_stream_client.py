"""A python-socketio client of `qflux stream` with the Chrome source: records connection_status and
stream_error in arrival order, subscribes (1m) to every asset it hears of in `assets` (except
BIGHIST_otc), records candle_update events. Runs until STOPFILE exists (or MAXSECONDS pass), then
prints one JSON object on its last stdout line.
Usage: chrome_stream_client.py URL STOPFILE MAXSECONDS"""
import asyncio, json, os, sys, time
import socketio

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
    sio.on("candle_update", lambda d: got["updates"].append(d))
    sio.on("subscribed", lambda d: got["events"].append({"kind": "subscribed", "assets": d.get("assets"),
                                                         "unknown": d.get("unknown_assets")}))
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    deadline = time.monotonic() + max_seconds
    while not os.path.exists(stopfile) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], float(sys.argv[3])))
