"""A python-socketio client (default transports: polling, then the upgrade) asking for analysis
answers larger than one reply may carry (ServerAnalysisReplyTests; issue 28, defect 6): a
run_backtest with an ack, and a calculate_indicators with limit 100000. Each must be answered
with its error event (and the ack), and the client must stay connected and get a small answer
afterwards. Usage: analysis_big_reply_client.py URL. Prints one JSON object last."""
import asyncio, json, sys
import socketio

async def run(url):
    sio = socketio.AsyncClient(reconnection=False)
    queue = asyncio.Queue()
    for name in ["available_data", "backtest_complete", "backtest_error",
                 "indicators_calculated", "indicators_error"]:
        sio.on(name, (lambda n: (lambda d: queue.put_nowait((n, d))))(name))

    async def ask(event, payload):
        await sio.emit(event, payload)
        return await asyncio.wait_for(queue.get(), 30)

    await sio.connect(url, wait_timeout=5)
    got = {}
    files = (await ask("get_available_data", {}))[1].get("files", [])
    path = next((f["path"] for f in files if f["timeframe"] == "1m" and not f["path"].endswith(".csv")), "")
    got["path"] = path
    # with an ack: the reply event and the ack both come back
    ack = await asyncio.wait_for(sio.call("run_backtest", {"file_path": path}, timeout=30), 35)
    got["backtest_ack"] = ack
    got["backtest"] = await asyncio.wait_for(queue.get(), 30)
    instances = {"SMA-2": {"type": "sma", "params": {"period": 2}},
                 "BB-2": {"type": "bollinger", "params": {"period": 2, "std_dev": 2}},
                 "MACD": {"type": "macd", "params": {"fast": 2, "slow": 3, "signal": 2}}}
    got["indicators_big"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": path,
                                                               "instances": instances, "limit": 100000})
    got["connected_after"] = sio.connected
    got["indicators_small"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": path,
                                                                 "instances": {"SMA-5": {"type": "sma", "params": {"period": 5}}},
                                                                 "limit": 5})
    got["transport"] = sio.transport()
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
