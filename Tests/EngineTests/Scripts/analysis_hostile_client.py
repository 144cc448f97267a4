"""Hostile analysis requests (issue 28): 1,100 x willr(100000) in one calculate_indicators, and
run_backtest / calculate_indicators on series an archive poisoned with absurd records.
Usage: analysis_hostile_client.py URL GOOD_PATH POISON_CANDLES_PATH POISON_TICKS_PATH.
Prints one JSON object ({name: [event, data]}) on its last stdout line."""
import asyncio, json, sys
import socketio

async def run(url, good, candles, ticks):
    sio = socketio.AsyncClient(reconnection=False)
    queue = asyncio.Queue()
    for name in ["backtest_complete", "backtest_error", "indicators_calculated", "indicators_error"]:
        sio.on(name, (lambda n: (lambda d: queue.put_nowait((n, d))))(name))

    async def ask(event, payload):
        await sio.emit(event, payload)
        return await asyncio.wait_for(queue.get(), 60)

    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    got = {}
    attack = {"W%04d" % i: {"type": "willr", "params": {"period": 100000}} for i in range(1100)}
    got["attack_file"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": good, "instances": attack})
    got["attack_asset"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "instances": attack})
    capped = {"W%02d" % i: {"type": "willr", "params": {"period": 100000}} for i in range(64)}
    got["capped"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": good, "instances": capped})
    got["over_reply"] = await ask("calculate_indicators", {"asset": "EURUSD_otc", "file_path": good, "limit": 100000,
                                                            "instances": {"M%02d" % i: {"type": "macd"} for i in range(64)}})
    got["poison_backtest"] = await ask("run_backtest", {"file_path": candles, "strategy": "quantum_flux"})
    got["poison_backtest_ta"] = await ask("run_backtest", {"file_path": candles, "strategy": "quantum_flux_ta"})
    got["poison_indicators"] = await ask("calculate_indicators", {"file_path": candles, "instances": {
        "RSI": {"type": "rsi", "params": {"period": 14}}, "CCI": {"type": "cci", "params": {"period": 20}}}})
    got["poison_ticks"] = await ask("run_backtest", {"file_path": ticks, "timeframe": "1m"})
    await sio.disconnect()
    print(json.dumps(got))

if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:5]))
