/// The live chart page served on `GET /`: one self-contained HTML document (no external scripts,
/// fonts or CDNs). It speaks Socket.IO v4 over a plain WebSocket with its own tiny client, draws
/// candles on a `<canvas>`, and writes the candle count and last close into `#count` / `#last`.
enum LivePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>qflux live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { margin: 0; font: 14px system-ui, sans-serif; background: #111418; color: #d8dde3; }
  header { display: flex; gap: 1em; align-items: center; padding: 8px 12px; background: #1a1f26; flex-wrap: wrap; }
  select { background: #242b34; color: inherit; border: 1px solid #39424d; padding: 2px 6px; }
  #status.ok { color: #4caf7a; } #status.bad { color: #e0605a; }
  #chart { display: block; width: 100vw; height: calc(100vh - 44px); }
  .k { color: #8a96a3; }
</style>
</head>
<body>
<header>
  <strong>qflux</strong>
  <label><span class="k">asset</span> <select id="asset"></select></label>
  <label><span class="k">timeframe</span>
    <select id="tf">
      <option>5s</option><option>15s</option><option>30s</option><option selected>1m</option>
      <option>5m</option><option>15m</option><option>1h</option>
    </select></label>
  <span><span class="k">status</span> <span id="status" class="bad">connecting</span></span>
  <span><span class="k">source</span> <span id="source">?</span></span>
  <span><span class="k">candles</span> <span id="count">0</span></span>
  <span><span class="k">last</span> <span id="last">-</span></span>
  <span><span class="k">shown</span> <span id="shown">-</span></span>
</header>
<canvas id="chart"></canvas>
<script>
"use strict";
// --- a tiny Socket.IO v4 client over WebSocket (Engine.IO framing) ---
function SioClient(url) {
  this.handlers = {};
  this.url = url;
  this.open();
}
SioClient.prototype.on = function (name, fn) { this.handlers[name] = fn; };
SioClient.prototype.fire = function (name, data) { var h = this.handlers[name]; if (h) h(data); };
SioClient.prototype.emit = function (name, data) {
  if (this.ws && this.ws.readyState === 1 && this.connected) this.ws.send("42" + JSON.stringify([name, data]));
};
SioClient.prototype.open = function () {
  var self = this;
  var ws = new WebSocket(this.url);
  this.ws = ws; this.connected = false;
  ws.onmessage = function (m) {
    var t = m.data;
    if (t[0] === "0") { ws.send("40"); }
    else if (t === "2") { ws.send("3"); }
    else if (t.slice(0, 2) === "40") { self.connected = true; self.fire("connect"); }
    else if (t.slice(0, 2) === "44") { self.fire("connect_error", JSON.parse(t.slice(2))); }
    else if (t.slice(0, 2) === "42") {
      var i = 2; while (t[i] >= "0" && t[i] <= "9") i++;
      var a = JSON.parse(t.slice(i)); self.fire(a[0], a[1]);
    }
  };
  ws.onclose = function () {
    self.connected = false; self.fire("disconnect");
    setTimeout(function () { self.open(); }, 1000);
  };
};

// --- state ---
var loc = window.location;
var sio = new SioClient((loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/socket.io/?EIO=4&transport=websocket");
var candles = [];          // sorted by timestamp
var current = { asset: null, tf: "1m" };
var known = [];
var $ = function (id) { return document.getElementById(id); };

function setStatus(text, ok) { var s = $("status"); s.textContent = text; s.className = ok ? "ok" : "bad"; }

function follow(asset) {
  if (!asset) return;
  current.asset = asset; current.tf = $("tf").value;
  candles = []; draw();
  $("asset").value = asset;
  $("shown").textContent = asset + " " + current.tf;
  sio.emit("unsubscribe", {});
  sio.emit("subscribe", { assets: [asset], timeframes: [current.tf] });
}

function upsert(c) {
  var n = candles.length;
  if (n && candles[n - 1].timestamp === c.timestamp) candles[n - 1] = c;
  else if (!n || candles[n - 1].timestamp < c.timestamp) candles.push(c);
  else {
    for (var i = 0; i < n; i++) {
      if (candles[i].timestamp === c.timestamp) { candles[i] = c; return; }
      if (candles[i].timestamp > c.timestamp) { candles.splice(i, 0, c); return; }
    }
  }
  if (candles.length > 2000) candles.shift();
}

function mine(c) { return c && c.asset === current.asset && (c.timeframe || "1m") === current.tf; }

function showFigures() {
  $("count").textContent = String(candles.length);
  $("last").textContent = candles.length ? String(candles[candles.length - 1].close) : "-";
}

sio.on("connect", function () { setStatus("connected", true); if (current.asset) follow(current.asset); });
sio.on("disconnect", function () { setStatus("disconnected", false); });
sio.on("connect_error", function (e) { setStatus("refused: " + (e && e.message), false); });
sio.on("connection_status", function (s) { $("source").textContent = (s.source || "?") + (s.chrome ? " (chrome " + s.chrome + ")" : ""); });
sio.on("assets", function (m) {
  known = m.assets || [];
  var sel = $("asset"), keep = current.asset;
  sel.innerHTML = "";
  known.forEach(function (a) { var o = document.createElement("option"); o.textContent = a; sel.appendChild(o); });
  if (keep) sel.value = keep;
  else if (known.length) follow(known[0]);
});
sio.on("asset_detected", function (m) { if (!current.asset && m.asset) follow(m.asset); });
sio.on("historical_candles_loaded", function (m) {
  if (m.asset !== current.asset || (m.timeframe || "1m") !== current.tf) return;
  (m.candles || []).forEach(upsert); showFigures(); draw();
});
sio.on("candle_update", function (c) { if (!mine(c)) return; upsert(c); showFigures(); draw(); });
sio.on("stream_error", function (e) { setStatus("error: " + e.error, false); });
$("asset").onchange = function () { follow(this.value); };
$("tf").onchange = function () { if (current.asset) follow(current.asset); };

// --- drawing ---
function draw() {
  var cv = $("chart"), dpr = window.devicePixelRatio || 1;
  var w = cv.clientWidth || 800, h = cv.clientHeight || 400;
  cv.width = w * dpr; cv.height = h * dpr;
  var g = cv.getContext("2d"); if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = "#111418"; g.fillRect(0, 0, w, h);
  var axis = 70, pad = 10;
  var slot = 9, maxBars = Math.max(1, Math.floor((w - axis - pad) / slot));
  var view = candles.slice(-maxBars);
  if (!view.length) { g.fillStyle = "#8a96a3"; g.fillText("waiting for candles…", 20, 30); return; }
  var lo = Infinity, hi = -Infinity;
  view.forEach(function (c) { if (c.low < lo) lo = c.low; if (c.high > hi) hi = c.high; });
  if (hi === lo) { hi += 1e-6; lo -= 1e-6; }
  var y = function (p) { return pad + (hi - p) / (hi - lo) * (h - 2 * pad); };
  g.strokeStyle = "#252c35"; g.fillStyle = "#8a96a3"; g.font = "11px system-ui";
  for (var k = 0; k <= 4; k++) {
    var p = lo + (hi - lo) * k / 4, yy = y(p);
    g.beginPath(); g.moveTo(0, yy); g.lineTo(w - axis, yy); g.stroke();
    g.fillText(p.toPrecision(6), w - axis + 4, yy + 4);
  }
  view.forEach(function (c, i) {
    var x = pad + i * slot + slot / 2, up = c.close >= c.open;
    g.strokeStyle = g.fillStyle = up ? "#4caf7a" : "#e0605a";
    g.beginPath(); g.moveTo(x, y(c.high)); g.lineTo(x, y(c.low)); g.stroke();
    var top = y(Math.max(c.open, c.close)), bot = y(Math.min(c.open, c.close));
    g.fillRect(x - 3, top, 6, Math.max(1, bot - top));
  });
}
window.onresize = draw;
draw();
</script>
</body>
</html>
"""#
}
