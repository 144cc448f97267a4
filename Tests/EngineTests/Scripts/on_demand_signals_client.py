"""A default python-socketio client of `qflux stream --replay-archive` started WITHOUT --signals:
once the replay has closed CANDLES candles (so the evaluations start mid-replay and must be seeded
from the server's candles), subscriptions to every asset for each STRATEGY@SECONDS given –
evaluations the server starts on demand – and their signal and signal_result events until the
replay has ended; the newest tick time before subscribing ("subscribed_after") and once every
subscription was confirmed ("subscribed_by"); refused
subscribe_signals requests (a rules file the server does not screen, an unknown strategy, a
timeframe it does not form) and their error events. Prints one JSON object on its last stdout line.
Usage: on_demand_signals_client.py URL CANDLES STRATEGY@SECONDS [STRATEGY@SECONDS ...]"""
import asyncio, json, sys, urllib.request
import socketio

from waiting import async_wait_for, metric


async def run(url, candles, specs):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"subscribed_after": None, "subscribed_by": None, "signals": [], "results": [], "errors": [], "subscribed": [], "status": [], "refusals": []}
    sio.on("signal", lambda d: got["signals"].append(d))
    sio.on("signal_result", lambda d: got["results"].append(d))
    sio.on("error", lambda d: got["errors"].append(d))
    sio.on("signals_subscribed", lambda d: got["subscribed"].append(d))
    sio.on("connection_status", lambda d: got["status"].append(d))
    await sio.connect(url, wait_timeout=10)

    # the subscriptions under test, once the replay is well under way
    await async_wait_for(lambda: (metric(url, "qflux_candles_closed_total") or 0) >= candles, 120,
                         "%d closed candles" % candles)
    with urllib.request.urlopen(url + "/health", timeout=10) as r:
        got["subscribed_after"] = json.loads(r.read().decode()).get("last_tick_time")
    for spec in specs:
        strategy, seconds = spec.split("@")
        await sio.emit("subscribe_signals", {"assets": "*", "timeframe": int(seconds), "strategy": strategy})
    await async_wait_for(lambda: len(got["subscribed"]) == len(specs), 20, "the subscriptions")
    with urllib.request.urlopen(url + "/health", timeout=10) as r:
        got["subscribed_by"] = json.loads(r.read().decode()).get("last_tick_time")

    async def refused(request):
        errors, subscribed = len(got["errors"]), len(got["subscribed"])
        await sio.emit("subscribe_signals", request)
        await async_wait_for(lambda: len(got["errors"]) > errors, 20, "an error for %r" % (request,))
        # a round trip: anything the request caused has arrived before the answer
        await sio.call("get_assets", timeout=10)
        got["refusals"].append({"errors": len(got["errors"]) - errors,
                                "subscribed": len(got["subscribed"]) - subscribed,
                                "message": got["errors"][-1].get("error") if got["errors"] else None})

    await refused({"assets": "*", "timeframe": 1, "rules": "/etc/passwd"})  # not screened: never read
    await refused({"assets": "*", "timeframe": 1, "strategy": "moon_phase"})  # unknown strategy
    await refused({"assets": "*", "timeframe": 7, "strategy": "quantum_flux"})  # not formed

    await async_wait_for(lambda: metric(url, "qflux_replay_finished") == 1, 180, "the replay's end")
    await async_wait_for(lambda: any(s.get("source_connected") is False for s in got["status"]), 30,
                         "connection_status after the end")
    await sio.call("get_assets", timeout=10)
    await sio.disconnect()
    print(json.dumps(got))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
