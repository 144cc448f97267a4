"""A python-socketio client of `qflux stream --replay-archive`: start_stream ASSET, collect the
candle_update and connection_status events until the replay has handed on every tick (the
server's qflux_replay_finished metric), then ask get_assets and /health. Prints one JSON object on
its last stdout line."""
import asyncio, json, sys, urllib.request
import socketio

from waiting import async_wait_for, metric


async def run(url, asset):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"updates": [], "status": [], "started": []}
    sio.on("candle_update", lambda d: got["updates"].append(d))
    sio.on("connection_status", lambda d: got["status"].append(d))
    sio.on("stream_started", lambda d: got["started"].append(d))
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    await sio.emit("start_stream", {"asset": asset})
    await async_wait_for(lambda: metric(url, "qflux_replay_finished") == 1, 120, "the replay's end")
    # the last updates of the replay reach us after the metric flips: wait for the end status
    await async_wait_for(lambda: any(s.get("source_connected") is False for s in got["status"]), 30,
                         "connection_status after the end")
    got["assets"] = await sio.call("get_assets", timeout=10)
    with urllib.request.urlopen(url + "/health", timeout=10) as r:
        got["health"] = json.loads(r.read().decode())
    got["still_connected"] = sio.connected
    await sio.disconnect()
    print(json.dumps(got))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2]))
