"""A fake PocketOption page for `qflux collect` tests: its DOM follows the broker's web app as
the original collector knew it (/work/shared/compat.md, "History collection"):

- a favourites bar `.assets-favorites` whose items `.assets-favorites-item__line` hold a label
  `.assets-favorites-item__label` and a payout `.payout__number`; only three items are in the DOM at a
  time, `.assets-favorites__arrow--right` / `--left` scroll it (so the bar must be scrolled to be read);
- the open asset in `.current-asset`;
- timeframe links M1 M5 M15 H1 H4 inside `.chart__timeframes` (`?variant=links`), or behind a dropdown
  (`?variant=dropdown`: a `.timeframes__toggle` button opens a hidden list inside `.chart-controls`);
- `?variant=overlay`: the links page under a `div.cookie-banner` covering the whole window;
- `?variant=hostile`: the links page lying to its reader: the first three favourites' labels hold
  terminal escapes (`ESC ]0;pwned BEL`, `ESC [2J`) and a bidi override, the second one's broker name
  holds `ESC [2J`, and the third reports its position at x = y = 1e300; the broker adds a candle
  dated 2099 and one priced 1e308 to every history it sends this page (not recorded).

Clicking a favourite or a timeframe sends `42["changeSymbol",{"asset":…,"period":P}]` over the page's
Socket.IO WebSocket; the broker answers with `451-["updateHistoryNewFast",…]` + a binary attachment
holding that asset's history for that period: `candles` newest first, [t, open, close, high, low].
Candles of every period are aggregated from one deterministic 1-minute series per asset, so histories
agree across timeframes. The newest candle of each history is the forming one.

Every history sent and every click the page saw (with `isTrusted`) is appended to --record as a JSON line:
  {"type":"history","asset","period","candles":[[t,o,c,h,l],…]}   {"type":"click","what","label","trusted"}
--drop-first ASSET:PERIOD ignores the first changeSymbol for that pair (the collector must retry);
--mute answers no changeSymbol at all.
--live-ticks: every history ends before the broker's clock (its newest candle is closed; the record
  says "all_closed") and is followed by a live tick of that asset at the broker's clock
  (`451-["updateStream",…]` + `[[asset, t, price]]`), as when the market is closed or the history
  ends before the live ticks: the collector must archive every candle sent.

Usage: fake_broker_collect.py --port-file F --record F [--drop-first A:P] [--mute] [--timeout S]
"""
import argparse, asyncio, json, os, random, time
from aiohttp import web, WSMsgType

FAVOURITES = [  # label, asset, payout
    ("EUR/USD OTC", "EURUSD_otc", 92), ("GBP/USD OTC", "GBPUSD_otc", 85), ("AUD/CAD OTC", "AUDCAD_otc", 93),
    ("USD/JPY OTC", "USDJPY_otc", 70), ("EUR/GBP OTC", "EURGBP_otc", 95), ("CHF/JPY OTC", "CHFJPY_otc", 91),
    ("NZD/USD OTC", "NZDUSD_otc", 92), ("Apple OTC", "#AAPL_otc", 96),  # a label unlike its asset name
]
PERIODS = {"M1": 60, "M5": 300, "M15": 900, "H1": 3600, "H4": 14400}
CANDLES_PER_HISTORY = 40

PAGE = """<!doctype html><html><head><title>PocketOption collect fake</title><style>
body { font: 14px sans-serif; margin: 0; }
.assets-favorites { display: flex; align-items: center; gap: 6px; padding: 6px; }
.assets-favorites__list { display: flex; gap: 6px; }
.assets-favorites-item__line { border: 1px solid #888; padding: 6px 10px; cursor: pointer; }
.assets-favorites__arrow--left, .assets-favorites__arrow--right { padding: 6px 10px; border: 1px solid #444; cursor: pointer; }
.chart__timeframes a, .timeframes-list a { display: inline-block; padding: 4px 8px; margin: 2px; border: 1px solid #aaa; cursor: pointer; }
.timeframes-list { display: none; list-style: none; padding: 0; } .timeframes-list.open { display: block; }
</style></head><body>
<div class="assets-favorites">
  <span class="assets-favorites__arrow--left">&lt;</span>
  <div class="assets-favorites__list"></div>
  <span class="assets-favorites__arrow--right">&gt;</span>
</div>
<div class="current-asset">-</div>
<div id="tf"></div>
<script>
const FAVOURITES = %FAVOURITES%;
const PERIODS = %PERIODS%;
const variant = new URLSearchParams(location.search).get("variant") || "links";
if (variant === "hostile") {
  FAVOURITES[0][0] = "\u001b]0;pwned\u0007EUR/USD OTC";
  FAVOURITES[1][0] = "\u001b[2JGBP/USD OTC";
  FAVOURITES[1][1] = "GBPUSD\u001b[2J_otc";
  FAVOURITES[2][0] = "\u202eAUD/CAD OTC";
}
let first = 0, asset = FAVOURITES[0][1], period = 60, ws = null;
const note = (what, label, e) => fetch("/control/clicked?what=" + what + "&label=" + encodeURIComponent(label) + "&trusted=" + e.isTrusted);
function changeSymbol() { if (ws && ws.readyState === 1) ws.send('42["changeSymbol",' + JSON.stringify({asset: asset, period: period}) + ']'); }
function renderBar() {
  const list = document.querySelector(".assets-favorites__list");
  list.innerHTML = "";
  for (const [label, id, payout] of FAVOURITES.slice(first, first + 3)) {
    const item = document.createElement("div");
    item.className = "assets-favorites-item__line";
    item.innerHTML = '<span class="assets-favorites-item__label"></span> <span class="payout__number"></span>';
    item.querySelector(".assets-favorites-item__label").textContent = label;
    item.querySelector(".payout__number").textContent = "+" + payout + "%";
    if (variant === "hostile" && first + list.children.length === 2) {
      const far = {left: 1e300, top: 1e300, right: 1e300, bottom: 1e300, x: 1e300, y: 1e300, width: 10, height: 10};
      item.getBoundingClientRect = () => far;
    }
    item.addEventListener("click", (e) => { note("favourite", label, e); asset = id; document.querySelector(".current-asset").textContent = label; changeSymbol(); });
    list.appendChild(item);
  }
}
document.querySelector(".assets-favorites__arrow--right").addEventListener("click", () => { if (first + 3 < FAVOURITES.length) { first += 3; renderBar(); } });
document.querySelector(".assets-favorites__arrow--left").addEventListener("click", () => { if (first > 0) { first = Math.max(0, first - 3); renderBar(); } });
function timeframeLink(label) {
  const a = document.createElement("a");
  a.textContent = label;
  a.setAttribute("data-period", String(PERIODS[label]));
  a.addEventListener("click", (e) => { note("timeframe", label, e); period = PERIODS[label]; changeSymbol();
    const l = document.querySelector(".timeframes-list"); if (l) l.classList.remove("open"); });
  return a;
}
const tf = document.getElementById("tf");
if (variant === "dropdown") {
  tf.innerHTML = '<div class="chart-controls"><button class="timeframes__toggle">Time frame</button><ul class="timeframes-list"></ul></div>';
  const ul = tf.querySelector(".timeframes-list");
  for (const label of Object.keys(PERIODS)) { const li = document.createElement("li"); li.appendChild(timeframeLink(label)); ul.appendChild(li); }
  tf.querySelector(".timeframes__toggle").addEventListener("click", (e) => { note("dropdown", "toggle", e); ul.classList.toggle("open"); });
} else {
  tf.innerHTML = '<div class="chart__timeframes"></div>';
  for (const label of Object.keys(PERIODS)) tf.firstChild.appendChild(timeframeLink(label));
}
renderBar();
if (variant === "overlay") {
  const banner = document.createElement("div");
  banner.className = "cookie-banner";
  banner.style.cssText = "position: fixed; inset: 0; z-index: 10; background: rgba(0,0,0,0.3);";
  document.body.appendChild(banner);
}
function open() {
  ws = new WebSocket("ws://" + location.host + "/socket.io/?EIO=4&transport=websocket&variant=" + variant);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => {
    if (typeof m.data !== "string") return;
    if (m.data[0] === "0") ws.send("40");
    else if (m.data === "2") ws.send("3");
  };
  ws.onclose = () => setTimeout(open, 500);
}
open();
</script></body></html>"""


def minute_candle(asset, minute):
    """The 1-minute candle of `asset` starting at epoch minute `minute`: deterministic, 5 decimals."""
    rng = random.Random("%s:%d" % (asset, minute))
    base = 1.0 + (sum(map(ord, asset)) % 50) / 100 + ((minute % 997) - 498) * 1e-5
    prices = [round(base + rng.randint(-40, 40) * 1e-5, 5) for _ in range(4)]
    return prices[0], prices[-1], max(prices), min(prices)  # open, close, high, low


def candle(asset, start, period):
    """[start, open, close, high, low] of `period` seconds, aggregated from the 1-minute series."""
    parts = [minute_candle(asset, start // 60 + i) for i in range(period // 60)]
    return [start, parts[0][0], parts[-1][1], max(p[2] for p in parts), min(p[3] for p in parts)]


class Broker:
    def __init__(self, record, drop_first, mute, live_ticks=False):
        self.mute = mute
        self.live_ticks = live_ticks
        self.record = open(record, "w")
        self.now = int(time.time() // 14400 * 14400) - 3 * 86400 + 2 * 3600 + 17 * 60 + 30  # inside every period's forming candle
        self.drop = set(drop_first)
        self.histories = 0
        self.sockets = 0

    def write(self, entry):
        self.record.write(json.dumps(entry) + "\n")
        self.record.flush()

    def history(self, asset, period):
        newest = self.now // period * period
        if self.live_ticks:
            newest -= period  # the history ends before the broker's clock: its newest candle is closed
        candles = [candle(asset, newest - i * period, period) for i in range(CANDLES_PER_HISTORY)]  # newest first
        # the history's own ticks: the last seconds before the clock, or (--live-ticks) inside its newest candle
        first = newest + 1 if self.live_ticks else self.now - 3
        ticks = [[first + i, candles[0][2]] for i in range(3)]
        return {"asset": asset, "period": period, "history": ticks, "candles": candles}

    async def socket(self, request):
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str('0{"sid":"collect","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')
        pinger = asyncio.ensure_future(self.ping(ws))
        self.sockets += 1
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data.startswith("40"):
                    await ws.send_str('40{"sid":"sio-collect"}')
                elif msg.data.startswith('42["changeSymbol"'):
                    body = json.loads(msg.data[2:])[1]
                    key = "%s:%d" % (body["asset"], body["period"])
                    if self.mute or key in self.drop:
                        self.drop.discard(key)
                        self.write({"type": "dropped", "asset": body["asset"], "period": body["period"]})
                        continue
                    h = self.history(body["asset"], int(body["period"]))
                    sent = h
                    if request.query.get("variant") == "hostile":
                        sent = dict(h, candles=h["candles"] + [[4070908800, 1.1, 1.2, 1.3, 1.0], [h["candles"][-1][0] - 60, 1.1, 1.2, 1e308, 1.0]])
                    await asyncio.sleep(0.05)  # the broker's answer takes a moment, as the real one's does
                    await ws.send_str('451-["updateHistoryNewFast",{"_placeholder":true,"num":0}]')
                    await ws.send_bytes(json.dumps(sent).encode())
                    self.histories += 1
                    entry = {"type": "history", "asset": h["asset"], "period": h["period"], "candles": h["candles"]}
                    if self.live_ticks:
                        entry["all_closed"] = True
                        await ws.send_str('451-["updateStream",{"_placeholder":true,"num":0}]')
                        await ws.send_bytes(json.dumps([[h["asset"], self.now + 0.25, h["candles"][0][2]]]).encode())
                    self.write(entry)
        finally:
            pinger.cancel()
        return ws

    async def ping(self, ws):
        while not ws.closed:
            await asyncio.sleep(1)  # the broker's Engine.IO ping, once a second
            try:
                await ws.send_str("2")
            except Exception:
                return

    async def page(self, request):
        text = PAGE.replace("%FAVOURITES%", json.dumps(FAVOURITES)).replace("%PERIODS%", json.dumps(PERIODS))
        return web.Response(text=text, content_type="text/html")

    async def control(self, request):
        what = request.match_info["what"]
        if what == "clicked":
            q = request.query
            self.write({"type": "click", "what": q.get("what"), "label": q.get("label"), "trusted": q.get("trusted") == "true"})
        return web.json_response({"histories": self.histories, "now": self.now, "sockets": self.sockets})


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--drop-first", action="append", default=[])
    ap.add_argument("--mute", action="store_true")
    ap.add_argument("--live-ticks", action="store_true")
    ap.add_argument("--timeout", type=float, default=180)
    a = ap.parse_args()
    broker = Broker(a.record, a.drop_first, a.mute, a.live_ticks)
    app = web.Application()
    app.router.add_get("/pocketoption-collect/", broker.page)
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


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
