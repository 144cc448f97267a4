"""A python-socketio client of `qflux stream --demo`: start_stream, collect candle_update events,
change_asset, stop_stream, get_available_data. Prints one JSON object on its last stdout line."""
import asyncio, json, sys
import socketio

from waiting import async_wait_for

async def run(url, first, second, seconds):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"status": [], "updates": [], "started": [], "history": [], "changed": [], "stopped": [], "files": None}
    done_files = asyncio.Event()
    sio.on("connection_status", lambda d: got["status"].append(d))
    sio.on("candle_update", lambda d: got["updates"].append(d))
    sio.on("stream_started", lambda d: got["started"].append(d))
    sio.on("historical_candles_loaded", lambda d: got["history"].append(d.get("count")))
    sio.on("asset_changed", lambda d: got["changed"].append(d))
    sio.on("stream_stopped", lambda d: got["stopped"].append(d))
    async def on_files(d):
        got["files"] = d
        done_files.set()
    sio.on("available_data", on_files)
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.emit("start_stream", {"asset": first})
    # the stream runs for SECONDS (the demo's tick rate gives the test its ticks), and at least until
    # ten updates of the first asset came (a loaded machine serves them late)
    await asyncio.sleep(seconds)
    await async_wait_for(lambda: sum(1 for u in got["updates"] if u.get("asset") == got["started"][0].get("asset"))
                         >= 10 if got["started"] else False, 30, "10 candle_updates of the first asset")
    await sio.emit("change_asset", {"asset": second})
    await async_wait_for(lambda: got["changed"], 10, "asset_changed after change_asset")
    await sio.emit("stop_stream", {})
    await sio.emit("get_available_data", {})
    try:
        await asyncio.wait_for(done_files.wait(), 10)
    except asyncio.TimeoutError:
        pass
    await async_wait_for(lambda: got["stopped"], 10, "stream_stopped after stop_stream")
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
