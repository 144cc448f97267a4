"""A fake PocketOption broker for the Chrome tests: serves a page at /pocketoption-fake/ that opens
two Engine.IO/Socket.IO WebSockets (role "trade": EURUSD_otc + GBPUSD_otc, role "aux": AUDCAD_otc and
chat noise), and streams ticks the way PocketOption does (`451-["updateStream",{"_placeholder":true,
"num":0}]` + a binary attachment holding one or several [asset, time, price] tuples), with history
events and pings. Every tick sent is appended to --record as a JSON line.

Ticks only flow while not holding. The test drives phases over HTTP:
  POST /control/hold      stop sending ticks
  POST /control/release   start a new generation and send again (its ticks fall in minute base+60*gen)
  POST /control/reload    tell every page to reload itself
  POST /control/hostile   send, once, on the next trade socket, absurd market data (not recorded; see
                          hostile_frames): 8 updateStream frames with one absurd tick each, an
                          updateHistoryNewFast with 5 absurd values, a loadHistoryPeriodFast page with
                          1, and one tick an hour ahead of the stream; "hostile" in the state counts sends
  GET  /control/state     {"generation","holding","open","opened","ticks"}
Each generation's ticks live in their own candle minute, so ticks lost when Chrome is killed can only
be a tail of a minute: every candle qflux serves must equal the candle of a prefix of that minute.

Usage: fake_broker.py --port-file F --record F [--big-history-mb N] [--timeout S]
"""
import argparse, asyncio, json, math, os, random, sys, time
from aiohttp import web, WSMsgType

PAGE = """<!doctype html><html><head><title>PocketOption fake</title></head><body>
<p id="s">connecting</p>
<script>
const tab = new URLSearchParams(location.search).get("tab") || "";
function open(role) {
  const ws = new WebSocket("ws://" + location.host + "/socket.io/?EIO=4&transport=websocket&role=" + role + "&tab=" + tab);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => {
    if (typeof m.data !== "string") return;
    if (m.data[0] === "0") ws.send("40");
    else if (m.data === "2") ws.send("3");
    else if (m.data.indexOf("qflux-test-reload") >= 0) location.reload();
  };
  ws.onclose = () => setTimeout(() => open(role), 500);
}
open("trade"); open("aux");
</script></body></html>"""

ROLE_ASSETS = {"trade": ["EURUSD_otc", "GBPUSD_otc"], "aux": ["AUDCAD_otc"]}


class Broker:
    def __init__(self, record, big_mb):
        self.record = open(record, "w")
        self.big_mb = big_mb
        self.big_sent = False
        self.holding = True
        self.generation = 0
        self.seq = 0
        self.ticks = 0
        self.open = set()
        self.opened = 0
        self.base = math.floor(time.time() / 60) * 60 - 3600
        self.rng = random.Random(11)
        self.price = {}
        self.hostile_pending = False
        self.hostile_sent = 0

    def hostile_frames(self):
        """(header, attachment text) pairs of absurd market data, written verbatim (1e999 is no float)."""
        t = "%.3f" % (self.base + 60 * self.generation + 0.5)
        ticks = ["1e308,1.1", "-1e308,1.1", "1e999,1.1", t + ",0", t + ",-1.5", t + ",1e308", "4070908800,1.1", "-5,1.1"]
        frames = [("updateStream", '[["EURUSD_otc",%s]]' % v) for v in ticks]
        frames.append(("updateHistoryNewFast", '{"asset":"EURUSD_otc","period":60,"history":[[1e308,1.1],[4070908800,1.2],[%s,-1]],'
                       '"candles":[[4070908800,1.1,1.2,1.3,1.0],[%s,1.1,1e308,1.0,1.05]]}' % (t, t)))
        frames.append(("loadHistoryPeriodFast", '{"asset":"EURUSD_otc","index":1,"period":60,'
                       '"data":[{"time":4070908800,"open":1.1,"close":1.2,"high":1.3,"low":1.0}]}'))
        frames.append(("updateStream", '[["EURUSD_otc",%.3f,1.1]]' % (time.time() - 60)))  # far ahead of the stream
        return frames

    def next_ticks(self, role, tab, conn):
        out = []
        for _ in range(self.rng.randint(1, 3)):
            # a second tab (?tab=2) gets assets of its own (EURUSD2_otc, …) so tests can tell the tabs apart
            asset = self.rng.choice(ROLE_ASSETS[role])
            if tab not in ("", "1"):
                asset = asset.replace("_otc", tab + "_otc")
            price = self.price.get(asset, 1.0 + len(self.price) * 0.25)
            self.price[asset] = round(price + self.rng.choice([-1, 1]) * self.rng.randint(1, 9) * 1e-5, 5)
            self.seq += 1
            t = round(self.base + 60 * self.generation + self.seq * 0.005, 3)
            out.append([asset, t, self.price[asset]])
            self.record.write(json.dumps({"asset": asset, "time": t, "price": self.price[asset],
                                          "gen": self.generation, "conn": conn, "tab": tab}) + "\n")
        self.ticks += len(out)
        return out

    async def socket(self, request):
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        role = request.query.get("role", "trade")
        tab = request.query.get("tab", "")
        await ws.send_str('0{"sid":"fake%d","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' % self.opened)
        msg = await ws.receive()
        if msg.type != WSMsgType.TEXT or not msg.data.startswith("40"):
            await ws.close()
            return ws
        self.opened += 1
        conn = self.opened
        self.open.add(ws)
        await ws.send_str('40{"sid":"sio%d"}' % conn)
        reader = asyncio.ensure_future(self.drain(ws))
        try:
            if role == "trade":
                await self.send_event(ws, "updateCharts", json.dumps([{"chart_id": "chart-1", "settings": json.dumps(
                    {"chartId": "chart-1", "chartType": 2, "chartPeriod": 4, "symbol": "EURUSD_otc"})}]))
                if self.big_mb and not self.big_sent:
                    self.big_sent = True
                    await self.send_event(ws, "updateHistoryNewFast", self.big_history())
            else:
                await ws.send_str('42["chat_room_list_update",[{"room":"general","unread":0}]]')
            last_ping = time.monotonic()
            while not ws.closed:
                if role == "trade" and self.hostile_pending:
                    self.hostile_pending = False
                    for name, body in self.hostile_frames():
                        await ws.send_str('451-["%s",{"_placeholder":true,"num":0}]' % name)
                        await ws.send_bytes(body.encode())
                    self.hostile_sent += 1
                if not self.holding:
                    ticks = self.next_ticks(role, tab, conn)
                    self.record.flush()
                    await ws.send_str('451-["updateStream",{"_placeholder":true,"num":0}]')
                    await ws.send_bytes(json.dumps(ticks).encode())
                    if self.rng.random() < 0.05:
                        await ws.send_str('42["successupdateBalance",{"isDemo":1,"balance":1000}]')
                if time.monotonic() - last_ping > 1:
                    last_ping = time.monotonic()
                    await ws.send_str("2")
                await asyncio.sleep(0.02)  # pacing: the broker's tick cadence, a frame each 20 ms
        except (ConnectionResetError, RuntimeError):
            pass
        finally:
            reader.cancel()
            self.open.discard(ws)
        return ws

    async def drain(self, ws):
        async for _ in ws:
            pass

    async def send_event(self, ws, name, body):
        await ws.send_str('451-["%s",{"_placeholder":true,"num":0}]' % name)
        await ws.send_bytes(body.encode())

    def big_history(self):
        # ~big_mb MB of [time, price] pairs for an asset no test subscribes to.
        n = int(self.big_mb * 1e6 / 26)
        t0 = self.base - 86400
        hist = ",".join("[%.3f,%.5f]" % (t0 + i * 0.1, 1.5 + (i % 1000) * 1e-5) for i in range(n))
        return '{"asset":"BIGHIST_otc","period":60,"history":[%s],"candles":[]}' % hist

    async def page(self, request):
        return web.Response(text=PAGE, content_type="text/html")

    async def control(self, request):
        what = request.match_info["what"]
        if what == "hold":
            self.holding = True
        elif what == "release":
            self.generation += 1
            self.seq = 0
            self.holding = False
        elif what == "hostile":
            self.hostile_pending = True
        elif what == "reload":
            for ws in list(self.open):
                try:
                    await ws.send_str('42["qflux-test-reload"]')
                except Exception:
                    pass
        return web.json_response({"generation": self.generation, "holding": self.holding, "open": len(self.open),
                                  "opened": self.opened, "ticks": self.ticks, "hostile": self.hostile_sent})


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--big-history-mb", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    broker = Broker(a.record, a.big_history_mb)
    app = web.Application()
    app.router.add_get("/pocketoption-fake/", broker.page)
    app.router.add_get("/socket.io/", broker.socket)
    app.router.add_route("*", "/control/{what}", broker.control)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, a.port_file)
    await asyncio.sleep(a.timeout)  # the test kills it earlier; this bounds a forgotten broker
    broker.record.close()

if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
