#!/usr/bin/env python3
"""Socket.IO clients for the server's event semantics (ServerFocusTests, ServerRequestTests).

Usage: events_client.py SCENARIO URL. Each scenario prints progress words the Swift test reacts
to (e.g. "STARTED") and one JSON object on its last stdout line. Websocket transport only.
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

TIMEOUT = 10.0


class Client:
    """A python-socketio client that records every event it receives."""

    def __init__(self):
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = {}
        self.sio.on("*", self._catch_all)

    async def _catch_all(self, event, data=None):
        self.events.setdefault(event, []).append(data)

    async def connect(self, url):
        await self.sio.connect(url, transports=["websocket"], wait_timeout=5)
        await self.wait("connection_status")
        return self

    def got(self, event, pred=lambda d: True):
        return [d for d in self.events.get(event, []) if pred(d)]

    async def wait(self, event, pred=lambda d: True, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.got(event, pred)
            if found:
                return found[0]
            await asyncio.sleep(0.01)
        raise TimeoutError("no %s within %.1fs; got %s" % (event, timeout, sorted((k, len(v)) for k, v in self.events.items())))

    async def reply(self, emit, data, event, timeout=TIMEOUT):
        """Emits and waits for the next `event` that arrives after it."""
        before = len(self.events.get(event, []))
        if data is None:
            await self.sio.emit(emit)
        else:
            await self.sio.emit(emit, data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.events.get(event, [])
            if len(got) > before:
                return got[before]
            await asyncio.sleep(0.01)
        raise TimeoutError("no %s after %s within %.1fs; got %s" % (event, emit, timeout, sorted(self.events)))


def say(word):
    print(word, flush=True)


async def listener(url):
    # A listener that never sends start_stream, a driver, and a subscriber of another asset.
    listen = await Client().connect(url)
    driver = await Client().connect(url)
    sub = await Client().connect(url)
    await sub.sio.call("subscribe", {"assets": ["GBPUSD"], "timeframes": ["1m"]}, timeout=5)
    out = {}
    out["started"] = await driver.reply("start_stream", {"asset": "eurusd otc"}, "stream_started")
    say("STARTED")
    out["listener_candle"] = await listen.wait("candle_update", lambda d: d["asset"] == "EURUSD_otc")
    out["listener_changed"] = await listen.wait("asset_changed")
    out["listener_history"] = await listen.wait("historical_candles_loaded")
    out["driver_candle"] = await driver.wait("candle_update", lambda d: d["asset"] == "EURUSD_otc")
    out["driver_history"] = await driver.wait("historical_candles_loaded")
    await sub.wait("candle_update", lambda d: d["asset"] == "GBPUSD")
    out["subscriber_got_focus"] = bool(sub.got("candle_update", lambda d: d["asset"] == "EURUSD_otc"))
    # the listener asks for the focus itself: now it drives; the first driver hears asset_changed
    out["changed"] = await listen.reply("change_asset", {"asset": "GBPUSD"}, "asset_changed")
    out["driver_changed"] = await driver.wait("asset_changed", lambda d: d["asset"] == "GBPUSD")
    out["driver_candle2"] = await driver.wait("candle_update", lambda d: d["asset"] == "GBPUSD")
    out["stopped"] = await driver.reply("stop_stream", None, "stream_stopped")
    out["listener_stopped"] = await listen.wait("stream_stopped")
    say("STOPPED")
    # What is tested is an absence (no candle_update after stream_stopped while the test keeps
    # publishing), so this waits a fixed time: 1 s for anything already on its way, then 1 s counted.
    await asyncio.sleep(1.0)
    n = len(listen.got("candle_update"))
    await asyncio.sleep(1.0)
    out["listener_updates_after_stop"] = len(listen.got("candle_update")) - n
    for c in (listen, driver, sub):
        await c.sio.disconnect()
    return out


async def pending(url):
    # start_stream for an asset the server has not seen; a listener beside.
    listen = await Client().connect(url)
    driver = await Client().connect(url)
    out = {"assets_before": (await driver.wait("assets"))["assets"]}
    out["started"] = await driver.reply("start_stream", {"asset": "audcad otc"}, "stream_started")
    say("STARTED")
    out["history"] = await driver.wait("historical_candles_loaded", timeout=20)
    out["candle"] = await driver.wait("candle_update", timeout=20)
    out["listener_candle"] = await listen.wait("candle_update", timeout=20)
    out["driver_changed"] = await driver.wait("asset_changed")
    for c in (listen, driver):
        await c.sio.disconnect()
    return out


async def follow(url):
    # start_stream without an asset: the server-wide focus follows the broker chart
    listen = await Client().connect(url)
    driver = await Client().connect(url)
    out = {"started": await driver.reply("start_stream", {}, "stream_started")}
    say("STARTED")
    out["listener_changed"] = await listen.wait("asset_changed")
    out["listener_candle"] = await listen.wait("candle_update", lambda d: d["asset"] == "GBPUSD")
    out["driver_changed"] = await driver.wait("asset_changed")
    out["driver_history"] = await driver.wait("historical_candles_loaded")
    for c in (listen, driver):
        await c.sio.disconnect()
    return out


async def detect(url):
    c = await Client().connect(url)
    out = {"failed": await c.reply("detect_asset", {}, "asset_detection_failed")}
    out["failed_ack"] = await c.sio.call("detect_asset", {}, timeout=5)
    say("ASKED")
    await c.wait("asset_detected")  # the broadcast when the chart shows an asset
    out["detected"] = await c.reply("detect_asset", None, "asset_detected")
    await c.sio.disconnect()
    return out


async def reconnect(url):
    c = await Client().connect(url)
    say("CONNECTED")
    out = {"reconnected": await c.wait("chrome_reconnected", timeout=20)}
    await asyncio.sleep(0.5)  # an absence is tested (no second chrome_reconnected): a fixed window
    out["count"] = len(c.got("chrome_reconnected"))
    out["statuses"] = [d["chrome"] for d in c.got("connection_status")]
    await c.sio.disconnect()
    return out


async def requests(url):
    # every request answered, malformed ones included
    c = await Client().connect(url)
    out = {}
    out["start_number"] = await c.reply("start_stream", {"asset": 5}, "stream_error")
    out["start_empty"] = await c.reply("start_stream", {"asset": ""}, "stream_error")
    out["start_long"] = await c.reply("start_stream", {"asset": "x" * 200}, "stream_error")
    out["change_missing"] = await c.reply("change_asset", {}, "stream_error")
    out["change_list"] = await c.reply("change_asset", ["EURUSD_otc"], "stream_error")
    out["start_bare_string"] = await c.reply("start_stream", "GBPUSD", "stream_started")
    out["stop_ack"] = await c.sio.call("stop_stream", timeout=5)
    out["subscribe_bad"] = await c.reply("subscribe", {"assets": "EURUSD_otc"}, "error")
    out["subscribe_none"] = await c.reply("subscribe", None, "error")
    out["unsubscribe_bad"] = await c.reply("unsubscribe", {"assets": 5}, "error")
    out["unsubscribe_tf_bad"] = await c.reply("unsubscribe", {"timeframes": {"x": 1}}, "error")
    out["unformed"] = await c.reply("subscribe", {"assets": ["EURUSD_otc", "nope", 7], "timeframes": ["1m", "15m", "bogus"]}, "subscribed")
    out["unformed_ack"] = await c.sio.call("subscribe", {"assets": ["GBPUSD"], "timeframes": "15m"}, timeout=5)
    out["unsubscribed"] = await c.reply("unsubscribe", {"assets": "GBPUSD"}, "unsubscribed")
    out["unknown"] = await c.reply("no_such_event", {"x": 1}, "error")
    out["unknown_ack"] = await c.sio.call("no_such_event", timeout=5)
    out["assets"] = await c.sio.call("get_assets", timeout=5)
    out["available"] = await c.reply("get_available_data", None, "available_data")
    out["available_again"] = await c.reply("get_available_data", None, "data_error")
    out["still_connected"] = c.sio.connected
    await c.sio.disconnect()
    return out


async def dates(url):
    c = await Client().connect(url)
    await c.sio.emit("start_stream", {"asset": "EURUSD_otc"})
    out = {"history": await c.wait("historical_candles_loaded")}
    out["candle"] = await c.wait("candle_update")
    await c.sio.disconnect()
    return out


async def budget(url):
    # burst 20, 1/s: 15 requests pass; then 60 at once run out of budget (unless the server took
    # over 45 s to read them: the bucket refills by the server's clock, however loaded the machine)
    c = await Client().connect(url)
    for _ in range(15):
        await c.sio.call("get_assets", timeout=10)
    out = {"within_budget_connected": c.sio.connected}
    for _ in range(60):
        await c.sio.emit("get_assets")
    out["error"] = await c.wait("error", timeout=30)
    deadline = time.monotonic() + 10
    while c.sio.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    out["disconnected"] = not c.sio.connected
    return out


SCENARIOS = {"budget": budget, "listener": listener, "pending": pending, "follow": follow, "detect": detect, "reconnect": reconnect,
             "requests": requests, "dates": dates}


def main():
    scenario, url = sys.argv[1], sys.argv[2]
    result = asyncio.run(SCENARIOS[scenario](url))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
