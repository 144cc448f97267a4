"""A default python-socketio client of a server replaying an archive with a screener: refused
subscribe_signals requests (a bad spec, an unknown strategy, one too many) and their error events,
then the signal and signal_result events of a subscription to every asset until the replay has
ended. Prints one JSON object on its last stdout line.
Usage: signals_client.py URL RULES_FILE TIMEFRAME MAX_PER_CLIENT"""
import asyncio, json, sys
import socketio

from waiting import async_wait_for, metric


async def run(url, rules, timeframe, max_per_client):
    sio = socketio.AsyncClient(reconnection=False)
    got = {"signals": [], "results": [], "errors": [], "subscribed": [], "status": [], "refusals": []}
    sio.on("signal", lambda d: got["signals"].append(d))
    sio.on("signal_result", lambda d: got["results"].append(d))
    sio.on("error", lambda d: got["errors"].append(d))
    sio.on("signals_subscribed", lambda d: got["subscribed"].append(d))
    sio.on("connection_status", lambda d: got["status"].append(d))
    await sio.connect(url, wait_timeout=10)

    async def refused(request):
        errors, subscribed = len(got["errors"]), len(got["subscribed"])
        await sio.emit("subscribe_signals", request)
        await async_wait_for(lambda: len(got["errors"]) > errors, 20, "an error for %r" % (request,))
        # a round trip: anything the request caused has arrived before the answer
        await sio.call("get_assets", timeout=10)
        got["refusals"].append({"errors": len(got["errors"]) - errors,
                                "subscribed": len(got["subscribed"]) - subscribed,
                                "message": got["errors"][-1].get("error") if got["errors"] else None})

    await refused({"assets": 5, "timeframe": timeframe, "rules": rules})  # bad spec
    await refused({"assets": "*", "timeframe": timeframe, "strategy": "moon_phase"})  # unknown strategy
    # the subscription under test, then fill this client's share and ask one more
    await sio.emit("subscribe_signals", {"assets": "*", "timeframe": timeframe, "rules": rules})
    for i in range(max_per_client - 1):
        await sio.emit("subscribe_signals", {"assets": ["NOPE%d" % i], "timeframe": timeframe, "rules": rules})
    await async_wait_for(lambda: len(got["subscribed"]) == max_per_client, 20, "the subscriptions")
    await refused({"assets": ["NOPE_LAST"], "timeframe": timeframe, "rules": rules})  # one too many

    await async_wait_for(lambda: metric(url, "qflux_replay_finished") == 1, 120, "the replay's end")
    await async_wait_for(lambda: any(s.get("source_connected") is False for s in got["status"]), 30,
                         "connection_status after the end")
    await sio.call("get_assets", timeout=10)
    await sio.disconnect()
    print(json.dumps(got))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
