#!/usr/bin/env python3
"""The original GUI's request sequences over default python-socketio clients (long-polling first,
then the upgrade to WebSocket, as `Client().connect(url)` does), for ServerGUICompatTests.

Usage: gui_compat_client.py SCENARIO URL [ARGS…]; one JSON object on the last stdout line.
  big URL TRANSPORT BYTES   cache_historical_data with ~BYTES of candles over TRANSPORT
                            ("polling": polling only; "default": polling, then the upgrade),
                            then get_cached_historical_data of it
  flood URL COUNT BYTES     COUNT messages of ~BYTES each, as fast as possible: is the client cut?
  redis URL ASSET           the Redis-era events: subscribe, redis_update, status, the cache events, errors
  reconnect URL             connects A, then B, then A again: who gets backend_reconnected
  history URL ASSET         start_stream ASSET → historical_candles_loaded
  frozen URL ASSET          a reading client and a raw WebSocket that subscribes to redis_update and
                            never reads: the frozen one is cut, the reader keeps receiving
"""
import asyncio
import json
import sys
import time

try:
    import socketio
except ImportError as e:  # the Swift test turns this into a clear failure
    print(json.dumps({"missing_python_dependency": str(e)}))
    sys.exit(3)

from raw_websocket import masked, upgrade
from waiting import async_wait_for, metric

TIMEOUT = 20.0


class Client:
    """A python-socketio client recording every event it receives."""

    def __init__(self):
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = []
        self.sio.on("*", self._any)
        self.disconnected = False
        self.sio.on("disconnect", self._gone)

    async def _any(self, event, data=None):
        self.events.append((event, data))

    async def _gone(self, *args):
        self.disconnected = True

    async def connect(self, url, transports=None):
        if transports:
            await self.sio.connect(url, transports=transports, wait_timeout=10)
        else:
            await self.sio.connect(url, wait_timeout=10)  # polling, then the upgrade
        await self.wait("connection_status")
        return self

    def got(self, name):
        return [d for (e, d) in self.events if e == name]

    async def wait(self, name, count=1, timeout=TIMEOUT):
        ok = await async_wait_for(lambda: len(self.got(name)) >= count, timeout, "%d × %s" % (count, name))
        if not ok:
            raise TimeoutError("no %s; got %s" % (name, sorted({e for (e, _) in self.events})))
        return self.got(name)[count - 1]

    async def ask(self, emit, data, reply):
        """Emits and waits for the next `reply` after it."""
        before = len(self.got(reply))
        await self.sio.emit(emit, data)
        return await self.wait(reply, before + 1)

    def transport(self):
        return self.sio.transport()


def candles(count, asset="EURUSD_otc", start=1700000000):
    return [
        {"timestamp": start + 60 * i, "date": "2023-11-14T22:%02d:00+00:00" % (i % 60), "open": 1.08 + i * 1e-5,
         "close": 1.0801 + i * 1e-5, "high": 1.0805 + i * 1e-5, "low": 1.0795 + i * 1e-5, "volume": i % 17,
         "symbol": asset}
        for i in range(count)
    ]


def candles_of_size(size):
    """Candles whose JSON (as python-socketio writes it) is just under `size` bytes."""
    n = max(1, size // (len(json.dumps(candles(1)[0], separators=(",", ":"))) + 1))
    while n > 1 and len(json.dumps(candles(n), separators=(",", ":"))) > size:
        n = int(n * 0.98)
    return candles(n)


async def big(url, transport, size):
    c = await Client().connect(url, ["polling"] if transport == "polling" else None)
    if transport != "polling":
        await async_wait_for(lambda: c.transport() == "websocket", 10, "the upgrade to WebSocket")
    data = candles_of_size(size)
    # as python-socketio encodes it
    message = "42" + json.dumps(["cache_historical_data", {"asset": "EURUSD_otc", "timeframe": "1M", "data": data}],
                                separators=(",", ":"))
    cached = await c.ask("cache_historical_data", {"asset": "EURUSD_otc", "timeframe": "1M", "data": data},
                         "historical_data_cached")
    got = await c.ask("get_cached_historical_data", {"asset": "EURUSD_otc", "timeframe": "1M"}, "cached_historical_data")
    out = {"transport": c.transport(), "message_bytes": len(message), "cached": cached,
           "got_source": got.get("source"), "got_count": len(got.get("data") or []),
           "got_equal": got.get("data") == data, "disconnected": c.disconnected}
    await c.sio.disconnect()
    return out


async def flood(url, count, size):
    c = await Client().connect(url)
    await async_wait_for(lambda: c.transport() == "websocket", 10, "the upgrade to WebSocket")
    data = candles_of_size(size)
    sent = 0
    started = time.monotonic()
    for i in range(count):
        if c.disconnected:
            break
        try:
            await c.sio.emit("cache_historical_data", {"asset": "A%d" % i, "timeframe": "1M", "data": data})
            sent += 1
        except Exception:
            break
        await asyncio.sleep(0)
    await async_wait_for(lambda: c.disconnected, 15, "the flooder being cut")
    out = {"sent": sent, "cut": c.disconnected, "seconds": time.monotonic() - started,
           "acknowledged": len(c.got("historical_data_cached"))}
    if not c.disconnected:
        await c.sio.disconnect()
    return out


async def redis(url, asset):
    c = await Client().connect(url)
    out = {}
    out["started"] = await c.ask("start_stream", {"asset": asset}, "stream_started")
    out["subscribed"] = await c.ask("subscribe_redis_updates", {"asset": asset}, "redis_subscribed")
    print("SUBSCRIBED", flush=True)
    out["update"] = await c.wait("redis_update")
    out["status"] = await c.ask("get_redis_status", None, "redis_status")
    out["miss"] = await c.ask("get_cached_historical_data", {"asset": "NOSUCH_otc", "timeframe": "1M"},
                              "cached_historical_data")
    out["recent"] = await c.ask("get_cached_historical_data", {"asset": asset}, "cached_historical_data")
    data = candles(5, asset)
    out["cached"] = await c.ask("cache_historical_data", {"asset": asset, "timeframe": "1M", "data": data},
                                "historical_data_cached")
    hit = await c.ask("get_cached_historical_data", {"asset": asset, "timeframe": "1M"}, "cached_historical_data")
    out["hit_source"] = hit.get("source")
    out["hit_equal"] = hit.get("data") == data
    out["cleared"] = await c.ask("clear_cached_historical_data", {"asset": asset, "timeframe": "1M"},
                                 "historical_data_cache_cleared")
    after = await c.ask("get_cached_historical_data", {"asset": asset, "timeframe": "1M"}, "cached_historical_data")
    out["after_clear_source"] = after.get("source")
    out["errors"] = [
        await c.ask("subscribe_redis_updates", {}, "error"),
        await c.ask("cache_historical_data", {"asset": asset, "data": "not a list"}, "error"),
        await c.ask("get_cached_historical_data", {"timeframe": "1M"}, "error"),
    ]
    out["unsubscribed"] = await c.ask("unsubscribe_redis_updates", {"asset": asset}, "redis_unsubscribed")
    status = await c.ask("get_redis_status", None, "redis_status")
    out["clients_after_unsubscribe"] = status["qflux"]["redis_update_clients"]
    out["status_after"] = status
    out["reconnected"] = len(c.got("backend_reconnected"))
    await c.sio.disconnect()
    return out


async def reconnect(url):
    a = await Client().connect(url)
    b = await Client().connect(url)
    first_a = [e for (e, _) in a.events][:2]
    first_b = [e for (e, _) in b.events][:2]
    out = {"a_reconnected": len(a.got("backend_reconnected")), "b_reconnected": b.got("backend_reconnected"),
           "a_first": first_a, "b_first": first_b}
    await a.sio.disconnect()
    a2 = await Client().connect(url)
    out["a2_reconnected"] = a2.got("backend_reconnected")
    # b still streams: a disconnect stops nobody else's stream
    out["b_still_connected"] = b.sio.connected
    await a2.sio.disconnect()
    await b.sio.disconnect()
    return out


async def history(url, asset):
    c = await Client().connect(url)
    started = await c.ask("start_stream", {"asset": asset}, "stream_started")
    loaded = await c.wait("historical_candles_loaded")
    await c.sio.disconnect()
    return {"started": started, "loaded": loaded, "transport_upgraded": True}


async def frozen(url, asset):
    reader = await Client().connect(url)
    await reader.ask("subscribe_redis_updates", {"asset": asset}, "redis_subscribed")
    sock, _ = await asyncio.to_thread(upgrade, url, "127.0.0.1", 4096, 5)
    sock.sendall(masked("40"))
    sock.sendall(masked('42["subscribe_redis_updates",{"asset":"%s"}]' % asset))
    await async_wait_for(lambda: (metric(url, "qflux_server_messages_sent_total") or 0) > 0, 5, "the server's metrics")
    print("SUBSCRIBED", flush=True)  # the test publishes candle updates from now on; sock never reads

    def cut():
        return (metric(url, "qflux_server_slow_disconnects_total") or 0) + \
            (metric(url, "qflux_server_budget_disconnects_total") or 0) >= 1
    was_cut = await async_wait_for(cut, 60, "the frozen client being cut")
    at_cut = len(reader.got("redis_update"))
    more = await async_wait_for(lambda: len(reader.got("redis_update")) >= at_cut + 50, 20, "updates after the cut")
    out = {"cut": was_cut, "updates_at_cut": at_cut, "kept_receiving": more,
           "reader_connected": reader.sio.connected, "reader_disconnected": reader.disconnected}
    sock.close()
    await reader.sio.disconnect()
    return out


async def main():
    scenario, url = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if scenario == "big":
        out = await big(url, args[0], int(args[1]))
    elif scenario == "flood":
        out = await flood(url, int(args[0]), int(args[1]))
    elif scenario == "redis":
        out = await redis(url, args[0])
    elif scenario == "reconnect":
        out = await reconnect(url)
    elif scenario == "history":
        out = await history(url, args[0])
    elif scenario == "frozen":
        out = await frozen(url, args[0])
    else:
        raise SystemExit("unknown scenario " + scenario)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
