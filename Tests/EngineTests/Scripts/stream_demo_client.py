"""A python-socketio client of `qflux stream --demo`: start_stream, collect candle_update events,
change_asset, stop_stream, get_available_data. Prints one JSON object on its last stdout line."""
import asyncio, json, sys
import socketio

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
    await asyncio.sleep(seconds)
    await sio.emit("change_asset", {"asset": second})
    await asyncio.sleep(1.0)
    await sio.emit("stop_stream", {})
    await sio.emit("get_available_data", {})
    try:
        await asyncio.wait_for(done_files.wait(), 5)
    except asyncio.TimeoutError:
        pass
    await asyncio.sleep(0.3)
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
