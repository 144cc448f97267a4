#!/usr/bin/env python3
"""Live indicator clients (python-socketio, websocket transport) for ServerIndicatorTests.
Usage: indicator_client.py SCENARIO URL [ARGS]. Prints progress lines, then one JSON object on its
last stdout line.

values SPEC_A SPEC_B STEPS: clients A and B subscribe EURUSD_otc 1m candles and live indicators
  (the same set, spelled differently); after both have their indicator_history the script prints
  READY, then for each step k waits until both have received k+1 candle_update and k+1
  indicator_update (the Swift test publishes step k after seeing GOT k-1) and prints GOT k.
limits: bad requests, per-client and server-wide limits, sharing, lazy cleanup, unsubscribe.
many N SPEC: N clients ask for the same set on one pair; each gets the update after MANY_READY.
"""
import asyncio
import json
import sys
import time

import socketio

from waiting import async_wait_for, metric

TIMEOUT = 15.0


class Client:
    def __init__(self):
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = {}
        self.sio.on("*", self.catch_all)

    async def catch_all(self, event, data=None):
        self.events.setdefault(event, []).append(data)

    def got(self, event, pred=lambda d: True):
        return [d for d in self.events.get(event, []) if pred(d)]

    async def wait(self, event, pred=lambda d: True, n=1, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.got(event, pred)
            if len(found) >= n:
                return found[n - 1]
            await asyncio.sleep(0.005)
        raise TimeoutError("no %d× %s within %.0fs; got %s" % (n, event, timeout, {k: len(v) for k, v in self.events.items()}))

    async def connect(self, url):
        await self.sio.connect(url, transports=["websocket"], wait_timeout=5)
        await self.wait("assets")

    async def subscribe(self, assets, timeframes):
        return await self.sio.call("subscribe", {"assets": assets, "timeframes": timeframes}, timeout=5)

    async def indicators(self, payload):
        return await self.sio.call("subscribe_indicators", payload, timeout=5)


def eur(d):
    return d.get("asset") == "EURUSD_otc" and d.get("timeframe") == "1m"


async def values(url, spec_a, spec_b, steps):
    a, b = Client(), Client()
    out = {}
    for c, spec in ((a, spec_a), (b, spec_b)):
        await c.connect(url)
        await c.subscribe(["EURUSD_otc"], ["1m"])
        out.setdefault("subscribed", []).append(await c.indicators({"asset": "eurusd otc", "timeframe": "1m", "indicators": spec}))
        await c.wait("indicator_history", eur)
    out["history"] = a.got("indicator_history")[0]
    out["history_b"] = b.got("indicator_history")[0]
    print("READY", flush=True)
    for k in range(steps):
        for c in (a, b):
            await c.wait("candle_update", eur, n=k + 1)
            await c.wait("indicator_update", eur, n=k + 1)
        print("GOT %d" % k, flush=True)
    await asyncio.sleep(0.2)  # nothing more may arrive
    out["candles"] = a.got("candle_update", eur)
    out["updates"] = a.got("indicator_update", eur)
    out["updates_b"] = b.got("indicator_update", eur)
    for c in (a, b):
        await c.sio.disconnect()
    return out


async def limits(url):
    """Server limits: 4 indicators and 2 pairs per client, 3 computations in all."""
    a, b, c = Client(), Client(), Client()
    out = {"errors": [], "ok": []}
    for cl in (a, b, c):
        await cl.connect(url)
        await cl.subscribe(["EURUSD_otc", "GBPUSD"], ["1m", "5s"])

    async def expect_error(cl, label, payload):
        reply = await cl.indicators(payload)
        out["errors"].append({"label": label, "reply": reply})

    async def expect_ok(cl, label, payload):
        reply = await cl.indicators(payload)
        out["ok"].append({"label": label, "reply": reply})

    E = "EURUSD_otc"
    await expect_error(a, "not an object", "ema(3)")
    await expect_error(a, "no asset", {"indicators": "ema(3)"})
    await expect_error(a, "unknown asset", {"asset": "nope", "indicators": "ema(3)"})
    await expect_error(a, "bad timeframe", {"asset": E, "timeframe": "7x", "indicators": "ema(3)"})
    await expect_error(a, "no indicators", {"asset": E})
    await expect_error(a, "unknown indicator", {"asset": E, "indicators": "foo(3)"})
    await expect_error(a, "period too small", {"asset": E, "indicators": "sma(0)"})
    await expect_error(a, "unbalanced", {"asset": E, "indicators": "sma(3"})
    await expect_error(a, "empty", {"asset": E, "indicators": ""})
    await expect_error(a, "not a number", {"asset": E, "indicators": "sma(x)"})
    await expect_error(a, "indicators a number", {"asset": E, "indicators": 42})
    await expect_error(a, "array with a number", {"asset": E, "indicators": ["sma(3)", 5]})
    await expect_error(a, "period too large", {"asset": E, "indicators": "sma(5000)"})
    await expect_error(a, "spec too long", {"asset": E, "indicators": "sma(2)," * 100 + "sma(3)"})
    await expect_error(a, "not received", {"asset": "GBPUSD", "timeframe": "15s", "indicators": "ema(3)"})
    await expect_error(a, "too many in one", {"asset": E, "indicators": "sma(3),sma(4),sma(5),sma(6),sma(7)"})
    await expect_ok(a, "a eur 1m", {"asset": E, "timeframe": "1m", "indicators": "sma(3),ema(3)"})
    await expect_ok(a, "a gbp 1m", {"asset": "GBPUSD", "timeframe": "1m", "indicators": ["rsi(3)"]})
    await expect_error(a, "third pair", {"asset": E, "timeframe": "5s", "indicators": "sma(3)"})
    await expect_error(a, "too many over pairs", {"asset": "GBPUSD", "timeframe": "1m", "indicators": "rsi(3),sma(3),ema(3)"})
    await expect_ok(a, "a gbp 1m replaced", {"asset": "GBPUSD", "timeframe": 60, "indicators": "RSI(4), sma(4)"})
    await expect_ok(b, "b eur 5s", {"asset": E, "timeframe": "5s", "indicators": "ema(7)"})
    await expect_ok(c, "c shares a's set", {"asset": "GBPUSD", "timeframe": "1m", "indicators": ["sma(4)", "rsi(4)"]})
    await expect_error(c, "server limit", {"asset": "GBPUSD", "timeframe": "5s", "indicators": "ema(8)"})
    clients = metric(url, "qflux_server_clients")
    await b.sio.disconnect()
    # the server has seen b leave (and released its computations) once it counts one client less
    await async_wait_for(lambda: clients is None or (metric(url, "qflux_server_clients") or 0) < clients, TIMEOUT,
                         "the server to see client b leave")
    await expect_ok(c, "after b left", {"asset": "GBPUSD", "timeframe": "5s", "indicators": "ema(8)"})
    out["error_events"] = len(a.got("indicators_error")) + len(c.got("indicators_error"))
    out["unsubscribed_unknown"] = await a.sio.call("unsubscribe_indicators", {"asset": "nope"}, timeout=5)
    out["unsubscribed"] = await a.sio.call("unsubscribe_indicators", {"asset": "GBPUSD"}, timeout=5)
    mark_a = len(a.got("indicator_update"))
    mark_c = len(c.got("indicator_update"))
    print("PUBLISH", flush=True)
    # A: EUR 1m indicators keep coming, GBP 1m ones have stopped; C still gets GBP 1m ones.
    await a.wait("candle_update", lambda d: d["asset"] == "GBPUSD" and d["timeframe"] == "1m", n=3)
    await a.wait("indicator_update", lambda d: d["asset"] == E, n=1)
    await c.wait("indicator_update", lambda d: d["asset"] == "GBPUSD" and d["timeframe"] == "1m", n=1)
    await asyncio.sleep(0.3)  # an absence is tested too (A's GBP 1m updates stopped): a short fixed window
    out["a_after"] = a.got("indicator_update")[mark_a:]
    out["c_after"] = c.got("indicator_update")[mark_c:]
    for cl in (a, c):
        await cl.sio.disconnect()
    return out


async def many(url, n, spec):
    """N clients subscribe the same pair and set; each must get an indicator_update for the
    candle the test publishes after MANY_READY (times: subscribe all, then first update to all)."""
    clients = [Client() for _ in range(n)]
    t0 = time.monotonic()
    await asyncio.gather(*(c.connect(url) for c in clients))
    await asyncio.gather(*(c.subscribe(["EURUSD_otc"], ["5s"]) for c in clients))
    replies = await asyncio.gather(*(c.indicators({"asset": "EURUSD_otc", "timeframe": "5s", "indicators": spec}) for c in clients))
    t1 = time.monotonic()
    print("MANY_READY", flush=True)
    five = lambda d: d.get("asset") == "EURUSD_otc" and d.get("timeframe") == "5s"
    updates = await asyncio.gather(*(c.wait("indicator_update", five, timeout=30) for c in clients))
    t2 = time.monotonic()
    out = {"subscribed": sum(1 for r in replies if "outputs" in r), "errors": [r for r in replies if "error" in r][:3],
           "received": sum(1 for u in updates if u), "values": [u["values"] for u in updates[:1]],
           "same": all(u["values"] == updates[0]["values"] and u["timestamp"] == updates[0]["timestamp"] for u in updates),
           "subscribe_s": round(t1 - t0, 3), "first_update_s": round(t2 - t1, 3)}
    await asyncio.gather(*(c.sio.disconnect() for c in clients))
    return out


def main():
    scenario, url, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if scenario == "values":
        result = asyncio.run(values(url, args[0], args[1], int(args[2])))
    elif scenario == "many":
        result = asyncio.run(many(url, int(args[0]), args[1]))
    elif scenario == "limits":
        result = asyncio.run(limits(url))
    else:
        raise SystemExit("unknown scenario " + scenario)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
