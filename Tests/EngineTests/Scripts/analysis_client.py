"""A python-socketio client (websocket transport) of the server's analysis requests:
get_available_data, then run_backtest and calculate_indicators with good and bad requests.
Usage: analysis_client.py URL TIMEFRAME. Prints one JSON object on its last stdout line."""
import asyncio, json, sys
import socketio

from waiting import async_wait_for

async def run(url, timeframe):
    sio = socketio.AsyncClient(reconnection=False)
    queue = asyncio.Queue()
    live = []
    sio.on("candle_update", lambda d: live.append(d["asset"]))
    for name in ["available_data", "data_error", "backtest_complete", "backtest_error",
                 "indicators_calculated", "indicators_error"]:
        sio.on(name, (lambda n: (lambda d: queue.put_nowait((n, d))))(name))

    async def ask(event, payload):
        await sio.emit(event, payload)
        return await asyncio.wait_for(queue.get(), 30)

    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    got = {}
    got["files"] = await ask("get_available_data", {})
    files = got["files"][1].get("files", [])
    archived = [f for f in files if f["timeframe"] == timeframe and not f["path"].endswith(".csv")]
    path = archived[0]["path"] if archived else ""
    got["path"] = path
    got["backtest"] = await ask("run_backtest", {"file_path": path, "strategy": "quantum_flux"})
    got["backtest_default"] = await ask("run_backtest", {"file_path": archived[0]["filename"] if archived else ""})
    got["backtest_outside"] = await ask("run_backtest", {"file_path": "../../../../etc/passwd"})
    got["backtest_nopath"] = await ask("run_backtest", {"strategy": "quantum_flux"})
    got["backtest_strategy"] = await ask("run_backtest", {"file_path": path, "strategy": "nope"})
    instances = {"SMA-20": {"type": "sma", "params": {"period": 20}},
                 "RSI-14": {"type": "rsi", "params": {"period": 14}},
                 "BB-20": {"type": "bollinger", "params": {"period": 20, "std_dev": 2}},
                 "MACD": {"type": "macd", "params": {}}}
    got["indicators"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": path, "instances": instances})
    got["indicators_bad"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": path,
                                                               "instances": {"X": {"type": "nope"}}})
    got["indicators_nothing"] = await ask("calculate_indicators", {"asset": "NOSUCH_asset", "instances": instances})
    # The node's own candles (the demo's): wait for one, then ask without file_path.
    await sio.emit("start_stream", {})
    await async_wait_for(lambda: live, 20, "a live candle of the node's own")
    got["live_asset"] = live[0] if live else None
    if live:
        got["indicators_live"] = await ask("calculate_indicators", {"asset": live[0], "timeframe": "1m",
                                                                    "instances": {"SMA-5": {"type": "sma", "params": {"period": 5}}}})
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2]))
