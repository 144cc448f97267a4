#!/usr/bin/env python3
"""Socket.IO client for the Redis tests: subscribes to ASSET at TIMEFRAME on URL for SECONDS and
prints one JSON object: the last candle_update seen per candle start, the history it was sent, and
the events it saw. Usage: redis_candles_client.py URL ASSET TIMEFRAME SECONDS"""
import asyncio
import json
import sys

try:
    import socketio
except ImportError as e:
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)


async def main(url, asset, timeframe, seconds):
    sio = socketio.AsyncClient(reconnection=False)
    last = {}
    history = []
    statuses = []

    @sio.on("candle_update")
    async def on_candle(data):
        if data.get("asset") == asset and data.get("timeframe") == timeframe:
            last[str(data["timestamp"])] = [data["open"], data["high"], data["low"], data["close"]]

    @sio.on("historical_candles_loaded")
    async def on_history(data):
        if data.get("asset") == asset and data.get("timeframe") == timeframe:
            history.extend([[c["timestamp"], c["open"], c["high"], c["low"], c["close"]] for c in data.get("candles", [])])

    @sio.on("connection_status")
    async def on_status(data):
        statuses.append(data)

    await sio.connect(url, transports=["websocket"], wait_timeout=10)
    await sio.emit("subscribe", {"assets": [asset], "timeframes": [timeframe]})
    await asyncio.sleep(seconds)  # the observation window: the test compares what each node served in it
    await sio.disconnect()
    print(json.dumps({"candles": last, "history": history, "statuses": statuses}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
