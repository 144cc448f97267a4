/// The live chart page served on `GET /`: one self-contained HTML document (no external scripts,
/// fonts or CDNs). It speaks Socket.IO v4 over a plain WebSocket with its own tiny client, draws
/// candles on a `<canvas>`, and writes the candle count and last close into `#count` / `#last`.
///
/// Live indicators (`#ind`, a spec such as `ema(20),bbands(20,2),rsi(14),macd(12,26,9)`; `?indicators=`
/// in the URL sets it): the page asks the server (`subscribe_indicators`) and draws the values it
/// gets (`indicator_history`, `indicator_update`) – nothing is computed in JS. Moving averages,
/// Bollinger bands and SuperTrend are drawn over the candles; RSI, MACD (line, signal, histogram)
/// and the other oscillators in panes below. `#chart`'s `data-indicators` holds what was drawn
/// (outputs, last update, overlay series, panes, colours) for tests and tools.
///
/// Live signals (`#sig`; `?signals=NAME` in the URL, `off` for none; by default `quantum_flux`,
/// screened with `--signals` or started on demand; a refusal turns the default off and says why): the page subscribes (`subscribe_signals`, acknowledged) for the shown asset × timeframe,
/// loads the view's past signals from the journal (`/api/signals`, from the oldest candle shown),
/// marks each signal on its candle at the entry price (▲ call, ▼ put; pending, won, lost colours)
/// and writes the running tally with the Wilson 95 % interval into `#tally` (as `qflux signals`).
/// At most 2,000 marks per view (the oldest go; the tally keeps counting), 16 views kept for
/// switching back, 20 journal pages of 1,000 read per view; `window.qfluxSignals()`
/// returns the view's marks and tally for tests and tools. `?timeframe=5s` picks the timeframe.
enum LivePage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>qflux live</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          html, body { height: 100%; }
          body { margin: 0; font: 14px system-ui, sans-serif; background: #111418; color: #d8dde3; display: flex; flex-direction: column; }
          header { display: flex; gap: 1em; align-items: center; padding: 8px 12px; background: #1a1f26; flex-wrap: wrap; }
          select { background: #242b34; color: inherit; border: 1px solid #39424d; padding: 2px 6px; }
          #status.ok { color: #4caf7a; } #status.bad { color: #e0605a; }
          #chart { display: block; width: 100%; flex: 1 1 0; min-height: 0; }
          .k { color: #8a96a3; }
          input { background: #242b34; color: inherit; border: 1px solid #39424d; padding: 2px 6px; font: 13px ui-monospace, monospace; }
          #indstatus.bad, #sigstatus.bad { color: #e0605a; }
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
          <label><span class="k">indicators</span> <input id="ind" size="38" spellcheck="false"
            title="comma list: sma(n), ema(n), wma(n), bbands(n,k), rsi(n), macd(f,s,sig), stoch, atr, cci, willr, roc, adx, supertrend, demarker(n), stc(f,s,dm,dp); Enter applies"></label>
          <span id="indstatus" class="k"></span>
          <label><span class="k">signals</span>
            <select id="sig" title="strategy whose signals are marked on the candles (subscribe_signals): ▲ call, ▼ put at the entry price; yellow pending, green won, pink lost">
              <option value="">off</option><option>quantum_flux</option><option>quantum_flux_ta</option>
            </select></label>
          <span id="tally"></span> <span id="sigstatus" class="k"></span>
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
        // An event with an acknowledgement: `fn` gets the server's answer (the ack's first argument).
        SioClient.prototype.emitAck = function (name, data, fn) {
          if (!(this.ws && this.ws.readyState === 1 && this.connected)) return;
          var id = this.nextAck = (this.nextAck || 0) + 1;
          this.acks[id] = fn;
          this.ws.send("42" + id + JSON.stringify([name, data]));
        };
        SioClient.prototype.open = function () {
          var self = this;
          var ws = new WebSocket(this.url);
          this.ws = ws; this.connected = false; this.acks = {};
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
            else if (t.slice(0, 2) === "43") {
              var j = 2; while (t[j] >= "0" && t[j] <= "9") j++;
              var id = Number(t.slice(2, j)), fn = self.acks[id];
              delete self.acks[id];
              if (fn) fn(JSON.parse(t.slice(j))[0]);
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
        var current = { asset: null, tf: "1m", waiting: false };
        var known = [];
        var $ = function (id) { return document.getElementById(id); };

        function setStatus(text, ok) { var s = $("status"); s.textContent = text; s.className = ok ? "ok" : "bad"; }

        function follow(asset) {
          if (!asset) return;
          current.asset = asset; current.tf = $("tf").value; current.waiting = false;
          candles = []; draw();
          $("asset").value = asset;
          $("shown").textContent = asset + " " + current.tf;
          sio.emit("unsubscribe", {});
          sio.emit("subscribe", { assets: [asset], timeframes: [current.tf] });
          askIndicators();
          askSignals();
        }

        // --- live indicators: values come from the server (TA-Lib-equal), never computed here ---
        var DEFAULT_INDICATORS = "ema(20),bbands(20,2),rsi(14),macd(12,26,9)";
        var ind = { outputs: [], rows: {}, last: null, spec: "" };
        (function () {
          var q = /[?&]indicators=([^&]*)/.exec(loc.search);
          $("ind").value = q ? decodeURIComponent(q[1].replace(/\+/g, " ")) : DEFAULT_INDICATORS;
        })();

        function setIndStatus(text, bad) { var e = $("indstatus"); e.textContent = text; e.className = bad ? "bad" : "k"; }

        function askIndicators() {
          ind = { outputs: [], rows: {}, last: null, spec: $("ind").value.trim() };
          sio.emit("unsubscribe_indicators", {});
          if (ind.spec && current.asset) {
            setIndStatus("…", false);
            sio.emit("subscribe_indicators", { asset: current.asset, timeframe: current.tf, indicators: ind.spec });
          } else setIndStatus("", false);
          draw();
        }

        function indMine(m) { return m && m.asset === current.asset && m.timeframe === current.tf; }

        // Values of the set asked last only (a reply to an earlier set may still be on its way).
        function indCurrent(names) {
          return ind.outputs.length > 0 && ind.outputs.every(function (n) { return names.indexOf(n) >= 0; });
        }

        function setRow(t, values) {
          if (!(t in ind.rows)) ind.count = (ind.count || 0) + 1;
          ind.rows[t] = values;
          if (ind.count <= 2100) return;
          var keys = Object.keys(ind.rows).map(Number).sort(function (a, b) { return a - b; });
          keys.slice(0, keys.length - 2000).forEach(function (k) { delete ind.rows[k]; });
          ind.count = 2000;
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

        // `/?timeframe=5s` picks the timeframe (one the selector lacks is added: the server decides).
        (function () {
          var q = /[?&]timeframe=([^&]*)/.exec(loc.search);
          if (!q) return;
          var tf = decodeURIComponent(q[1]), sel = $("tf");
          if (!/^\d+[smhd]$/.test(tf)) return;
          if (![].some.call(sel.options, function (o) { return o.textContent === tf; })) {
            var o = document.createElement("option"); o.textContent = tf; sel.insertBefore(o, sel.firstChild);
          }
          sel.value = tf; current.tf = tf;
        })();
        // `/?asset=NAME` shows that asset, also before qflux has seen it: the page waits for it.
        (function () {
          var q = /[?&]asset=([^&]*)/.exec(loc.search);
          if (q) current.asset = decodeURIComponent(q[1].replace(/\+/g, " "));
        })();
        function looseKey(a) { return String(a).toLowerCase().replace(/[^a-z0-9]/g, ""); }
        sio.on("subscribed", function (m) {
          if (!current.asset || (m.unknown_assets || []).indexOf(current.asset) < 0) return;
          current.waiting = true;
          $("shown").textContent = current.asset + " " + current.tf + " – waiting for data (not seen yet)";
          draw();
        });
        sio.on("connect", function () { setStatus("connected", true); if (current.asset) follow(current.asset); });
        sio.on("disconnect", function () { setStatus("disconnected", false); });
        sio.on("connect_error", function (e) { setStatus("refused: " + (e && e.message), false); });
        sio.on("connection_status", function (s) { $("source").textContent = (s.source || "?") + (s.chrome ? " (chrome " + s.chrome + ")" : ""); });
        sio.on("assets", function (m) {
          known = m.assets || [];
          var sel = $("asset"), keep = current.asset;
          sel.innerHTML = "";
          known.forEach(function (a) { var o = document.createElement("option"); o.textContent = a; sel.appendChild(o); });
          if (keep && current.waiting) {
            // the asset the page waits for has appeared (under the broker's spelling): show it
            var found = known.filter(function (a) { return looseKey(a) === looseKey(keep); })[0];
            if (found) follow(found);
          } else if (keep) sel.value = keep;
          else if (known.length) follow(known[0]);
        });
        sio.on("asset_detected", function (m) { if (!current.asset && m.asset) follow(m.asset); });
        sio.on("historical_candles_loaded", function (m) {
          if (m.asset !== current.asset || (m.timeframe || "1m") !== current.tf) return;
          (m.candles || []).forEach(upsert); showFigures(); signalCandlesCame(); draw();
        });
        sio.on("candle_update", function (c) { if (!mine(c)) return; upsert(c); showFigures(); signalCandlesCame(); draw(); });
        sio.on("stream_error", function (e) { setStatus("error: " + e.error, false); });
        sio.on("indicators_subscribed", function (m) {
          if (!indMine(m)) return;
          ind.outputs = m.outputs || []; setIndStatus((m.indicators || []).join(" "), false); draw();
        });
        sio.on("indicators_error", function (e) { if (e.request === "subscribe_indicators") setIndStatus(e.error, true); });
        sio.on("indicator_history", function (m) {
          if (!indMine(m) || !indCurrent(m.outputs || [])) return;
          // a live update may have come first: it is newer than the history's row for its candle
          (m.history || []).forEach(function (r) { if (!(r.timestamp in ind.rows)) setRow(r.timestamp, r.values); });
          draw();
        });
        sio.on("indicator_update", function (m) {
          if (!indMine(m) || !indCurrent(Object.keys(m.values || {}))) return;
          setRow(m.timestamp, m.values); ind.last = { timestamp: m.timestamp, values: m.values };
          draw();
        });
        $("ind").onchange = function () { askIndicators(); };
        $("asset").onchange = function () { follow(this.value); };
        $("tf").onchange = function () { if (current.asset) follow(current.asset); };

        // --- live signals: marks on their candles and the running win rate ---
        // Decided by the server's screener (subscribe_signals); the past ones come from its journal
        // (/api/signals). Nothing is decided here. A view = asset × timeframe × strategy.
        var MAX_MARKS = 2000, MAX_VIEWS = 16, MAX_JOURNAL_PAGES = 20;
        var MARK_COLORS = { pending: "#facc15", won: "#16f08a", lost: "#ff4d8d" };
        var sigViews = {}, sigViewOrder = [];
        var sig = { strategy: "quantum_flux", auto: true, view: null, session: null, ticket: 0, drawn: [] };
        (function () {
          var q = /[?&]signals=([^&]*)/.exec(loc.search);
          if (!q) return;
          var name = decodeURIComponent(q[1].replace(/\+/g, " ")).trim();
          sig.auto = false;
          sig.strategy = name === "off" ? "" : name;
          addSignalOption(sig.strategy);
        })();
        if (sig.auto) $("sig").value = sig.strategy;

        function addSignalOption(name) {
          var sel = $("sig");
          if (name && ![].some.call(sel.options, function (o) { return o.value === name; })) {
            var o = document.createElement("option"); o.value = o.textContent = name; sel.appendChild(o);
          }
          sel.value = name;
        }
        function tfSeconds(tf) {
          var m = /^(\d+)([smhd])$/.exec(tf), unit = { s: 1, m: 60, h: 3600, d: 86400 };
          return m ? Number(m[1]) * unit[m[2]] : 60;
        }
        function setSigStatus(text, bad) { var e = $("sigstatus"); e.textContent = text; e.className = bad ? "bad" : "k"; }

        // The view's state, kept while the page shows other views (at most MAX_VIEWS).
        function signalView(asset, tf, strategy) {
          var key = looseKey(asset) + "|" + tfSeconds(tf) + "|" + strategy;
          var v = sigViews[key];
          if (!v) {
            v = { key: key, asset: asset, timeframe: tfSeconds(tf), strategy: strategy, marks: {}, times: [],
                  signals: 0, decided: 0, won: 0, live: { signals: 0, results: 0 }, journal: null };
            sigViews[key] = v; sigViewOrder.push(key);
            if (sigViewOrder.length > MAX_VIEWS) delete sigViews[sigViewOrder.shift()];
          }
          return v;
        }
        function signalOf(v, s) {
          return v && s && s.strategy === v.strategy && s.timeframe === v.timeframe && looseKey(s.asset) === looseKey(v.asset);
        }

        // A signal's mark (once per signal time); nil when older than every mark kept.
        function addSignal(v, s) {
          var t = s.time, m = v.marks[t];
          if (m) return m;
          if (v.times.length >= MAX_MARKS && t < v.times[0]) return null;
          m = { time: t, candle: t - v.timeframe, direction: s.direction, entry_price: s.entry_price, expiry: s.expiry,
                confidence: s.confidence, payout: s.payout, won: null, exit_price: null, profit: null };
          v.marks[t] = m; v.signals++;
          var i = v.times.length;
          while (i > 0 && v.times[i - 1] > t) i--;
          v.times.splice(i, 0, t);
          if (v.times.length > MAX_MARKS) delete v.marks[v.times.shift()];
          return m;
        }
        // A result recolours its mark and counts once.
        function addResult(v, r) {
          var m = addSignal(v, r);
          if (!m || m.won !== null || typeof r.won !== "boolean") return;
          m.won = r.won; m.exit_price = r.exit_price; m.profit = r.profit;
          v.decided++; if (r.won) v.won++;
        }

        // Wilson 95 % interval of a win rate (as `qflux signals` prints it).
        function wilson(won, n) {
          if (!n) return [0, 1];
          var z = 1.959963984540054, p = won / n, d = 1 + z * z / n;
          var center = (p + z * z / (2 * n)) / d, half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d;
          return [Math.max(0, center - half), Math.min(1, center + half)];
        }
        function pct(x) { return (x * 100).toFixed(1); }
        function tallyText(v) {
          var pending = v.signals - v.decided;
          var text = "signals " + v.signals + (pending > 0 ? " (" + pending + " pending)" : "") + " · won " + v.won;
          if (!v.decided) return text + " · win rate –";
          var ci = wilson(v.won, v.decided);
          return text + " · win rate " + pct(v.won / v.decided) + " % (95 % CI " + pct(ci[0]) + "–" + pct(ci[1]) + " %)";
        }
        function showTally() { $("tally").textContent = sig.view ? tallyText(sig.view) : ""; }

        // Subscribes the shown view (dropping the previous subscription). Without ?signals= the page
        // asks for quantum_flux: screened with --signals or started on demand by the server.
        function askSignals() {
          var ticket = ++sig.ticket;
          sio.emit("unsubscribe_signals", {});
          sig.view = null; sig.session = null;
          if (!current.asset || !sig.strategy) { showTally(); draw(); return; }
          var v = signalView(current.asset, current.tf, sig.strategy);
          sig.view = v;
          sig.session = { ticket: ticket, view: v, accepted: false, candles: candles.length > 0, journal: false };
          setSigStatus("…", false);
          sio.emitAck("subscribe_signals", { assets: [current.asset], timeframe: current.tf, strategy: sig.strategy }, function (r) {
            if (ticket !== sig.ticket) return;
            if (r && r.error) return signalsRefused(r.error);
            sig.session.accepted = true; sig.subscriptions = r && r.subscriptions; setSigStatus("", false); loadJournal();
          });
          showTally(); draw();
        }
        // A refusal (limits, a timeframe the server does not form, a node with no signal engine):
        // the page's own default turns the selector off and says why.
        function signalsRefused(error) {
          sig.view = null; sig.session = null; showTally(); draw();
          if (!sig.auto) return setSigStatus(error, true);
          $("sig").value = "";
          setSigStatus("off: " + error, false);
        }

        // The view's past signals from the journal, once subscribed and the candles are in (from the
        // oldest candle shown; at most MAX_JOURNAL_PAGES pages of 1,000).
        function signalCandlesCame() { if (sig.session) { sig.session.candles = true; loadJournal(); } }
        function loadJournal() {
          var s = sig.session;
          if (!s || !s.accepted || !s.candles || s.journal) return;
          s.journal = true;
          var v = s.view, pages = 0;
          function page(since) {
            fetch("/api/signals?since=" + since).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
              if (!body) { v.journal = "none"; return; }
              (body.signals || []).forEach(function (e) {
                if (!signalOf(v, e)) return;
                if (typeof e.won === "boolean") addResult(v, e); else addSignal(v, e);
              });
              pages++;
              if (typeof body.next_since === "number" && pages < MAX_JOURNAL_PAGES) return page(body.next_since);
              v.journal = "loaded";
              if (sig.view === v) { showTally(); draw(); }
            }).catch(function (e) { v.journal = "error: " + e; });
          }
          page(candles.length ? candles[0].timestamp : 0);
        }
        sio.on("signal", function (s) {
          var v = sig.view; if (!signalOf(v, s)) return;
          v.live.signals++; addSignal(v, s); showTally(); draw();
        });
        sio.on("signal_result", function (r) {
          var v = sig.view; if (!signalOf(v, r)) return;
          v.live.results++; addResult(v, r); showTally(); draw();
        });
        $("sig").onchange = function () { sig.auto = false; sig.strategy = this.value; askSignals(); };

        // The shown view's signals for tests and tools: marks oldest first (with the close of the
        // candle each sits on, null when that candle is not in the chart), the tally, what was drawn.
        window.qfluxSignals = function () {
          var v = sig.view;
          if (!v) return { strategy: sig.strategy, status: $("sigstatus").textContent, text: $("tally").textContent, marks: [], drawn: sig.drawn };
          var closes = {};
          candles.forEach(function (c) { closes[c.timestamp] = c.close; });
          var ci = wilson(v.won, v.decided);
          return {
            asset: v.asset, timeframe: v.timeframe, strategy: v.strategy, status: $("sigstatus").textContent,
            journal: v.journal, live: v.live, text: $("tally").textContent, subscriptions: sig.subscriptions,
            tally: { signals: v.signals, decided: v.decided, won: v.won, low: ci[0], high: ci[1] },
            marks: v.times.map(function (t) {
              var m = v.marks[t], out = {};
              for (var k in m) out[k] = m[k];
              out.candle_close = m.candle in closes ? closes[m.candle] : null;
              return out;
            }),
            drawn: sig.drawn
          };
        };
        function markTitle(m) {
          return (m.direction === "call" ? "▲ call" : "▼ put") + " at " + m.entry_price +
            (typeof m.confidence === "number" ? " · confidence " + m.confidence.toFixed(3) : "") +
            (typeof m.payout === "number" ? " · payout " + Math.round(m.payout * 100) + " %" : "") +
            (m.won === null ? " · pending" : (m.won ? " · won" : " · lost") + " (exit " + m.exit_price + ")");
        }
        $("chart").onmousemove = function (e) {
          var r = this.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
          var hit = sig.drawn.filter(function (d) { return Math.abs(d.x - x) <= 6 && Math.abs(d.y - y) <= 12; })[0];
          this.title = hit && sig.view && sig.view.marks[hit.time] ? markTitle(sig.view.marks[hit.time]) : "";
        };

        // Draws the view's marks on the shown candles: ▲ under the entry price, ▼ over it.
        function drawMarks(g, view, xOf, y) {
          var v = sig.view;
          sig.drawn = [];
          if (!v) return;
          view.forEach(function (c, i) {
            var m = v.marks[c.timestamp + v.timeframe];
            if (!m) return;
            var x = xOf(i), yy = y(m.entry_price), up = m.direction === "call";
            var color = MARK_COLORS[m.won === null ? "pending" : m.won ? "won" : "lost"];
            g.fillStyle = color;
            g.beginPath();
            if (up) { g.moveTo(x, yy + 2); g.lineTo(x - 5, yy + 11); g.lineTo(x + 5, yy + 11); }
            else { g.moveTo(x, yy - 2); g.lineTo(x - 5, yy - 11); g.lineTo(x + 5, yy - 11); }
            g.closePath(); g.fill();
            sig.drawn.push({ time: m.time, candle: c.timestamp, x: x, y: yy, color: color });
          });
        }

        // --- drawing ---
        var SUFFIX = /_(signal|hist|upper|middle|lower|k|d|direction)$/;
        var OVERLAY = { sma: 1, ema: 1, wma: 1, bbands: 1, supertrend: 1 };
        var LINE_COLORS = ["#f0b429", "#4fa3ff", "#c77dff", "#ffd166", "#a3e635", "#67e8f9"];
        var ROLE_COLORS = { upper: "#9aa5b1", middle: "#6b7785", lower: "#9aa5b1", signal: "#fb923c", hist: "#2dd4bf", k: "#e879f9", d: "#fb923c" };
        var HIST_DOWN = "#f87171";

        // Groups the outputs: overlays (drawn on the price scale) and panes (one per oscillator).
        function layoutIndicators() {
          var overlays = [], panes = [], byGroup = {}, n = 0;
          ind.outputs.forEach(function (name) {
            var role = (SUFFIX.exec(name) || [])[1] || "", group = name.replace(SUFFIX, ""), kind = name.split("_")[0];
            if (kind === "supertrend" && role === "direction") return;
            var color = ROLE_COLORS[role] || (kind === "rsi" ? "#e879f9" : kind === "macd" ? "#38bdf8" : LINE_COLORS[n++ % LINE_COLORS.length]);
            var series = { name: name, role: role, color: color };
            if (OVERLAY[kind]) { overlays.push(series); return; }
            if (!byGroup[group]) { byGroup[group] = { name: group, kind: kind, series: [] }; panes.push(byGroup[group]); }
            byGroup[group].series.push(series);
          });
          return { overlays: overlays, panes: panes.slice(0, 4) };
        }

        function value(c, name) { var r = ind.rows[c.timestamp]; var v = r && r[name]; return typeof v === "number" ? v : null; }

        function line(g, view, name, xOf, y, color, dashed) {
          g.strokeStyle = color; g.lineWidth = 2; g.setLineDash(dashed ? [5, 4] : []);
          g.beginPath();
          var pen = false, last = null;
          view.forEach(function (c, i) {
            var v = value(c, name);
            if (v === null) { pen = false; return; }
            var px = xOf(i), py = y(v);
            if (pen) g.lineTo(px, py); else g.moveTo(px, py);
            pen = true; last = { x: px, y: py, v: v };
          });
          g.stroke(); g.setLineDash([]); g.lineWidth = 1;
          return last;
        }

        function drawPane(g, pane, view, xOf, top, bottom, right, drawn) {
          var names = pane.series.map(function (s) { return s.name; });
          var lo, hi;
          if (pane.kind === "rsi" || pane.kind === "stoch" || pane.kind === "stc") { lo = 0; hi = 100; }
          else if (pane.kind === "demarker") { lo = 0; hi = 1; }
          else if (pane.kind === "willr") { lo = -100; hi = 0; }
          else {
            lo = Infinity; hi = -Infinity;
            view.forEach(function (c) { names.forEach(function (n) { var v = value(c, n); if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; } }); });
            if (pane.kind === "macd") { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
            if (!isFinite(lo)) { lo = 0; hi = 1; }
            if (hi === lo) { hi += 1e-6; lo -= 1e-6; }
            var m = (hi - lo) * 0.08; hi += m; lo -= m;
          }
          var y = function (v) { return top + 4 + (hi - v) / (hi - lo) * (bottom - top - 8); };
          g.strokeStyle = "#39424d"; g.beginPath(); g.moveTo(0, top + 0.5); g.lineTo(right + 70, top + 0.5); g.stroke();
          g.strokeStyle = "#252c35"; g.setLineDash([3, 4]);
          (pane.kind === "rsi" ? [30, 70] : pane.kind === "macd" ? [0] : []).forEach(function (v) {
            g.beginPath(); g.moveTo(0, y(v)); g.lineTo(right, y(v)); g.stroke();
          });
          g.setLineDash([]);
          var label = pane.name, row = { series: [] };
          pane.series.forEach(function (s) {
            if (s.role === "hist") {
              var zero = y(0), last = null;
              view.forEach(function (c, i) {
                var v = value(c, s.name); if (v === null) return;
                g.fillStyle = v >= 0 ? s.color : HIST_DOWN;
                var yy = y(v); g.fillRect(xOf(i) - 2, Math.min(zero, yy), 4, Math.max(1, Math.abs(zero - yy)));
                last = { x: xOf(i), y: yy, v: v };
              });
              drawn[s.name] = { color: s.color, down: HIST_DOWN, last: last, pane: pane.name };
            } else {
              drawn[s.name] = { color: s.color, last: line(g, view, s.name, xOf, y, s.color, false), pane: pane.name };
            }
            var lv = drawn[s.name].last; if (lv) label += "  " + (s.role || "") + (s.role ? " " : "") + lv.v.toPrecision(5);
          });
          g.fillStyle = "#8a96a3"; g.font = "11px system-ui"; g.fillText(label, 6, top + 13);
          g.fillText(hi.toPrecision(4), right + 4, top + 12); g.fillText(lo.toPrecision(4), right + 4, bottom - 4);
        }

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
          var lay = layoutIndicators(), drawn = {};
          var paneH = lay.panes.length ? Math.max(60, Math.min(h * 0.2, (h * 0.45) / lay.panes.length)) : 0;
          var priceBottom = h - paneH * lay.panes.length;
          if (!view.length) {
            g.fillStyle = "#8a96a3";
            g.fillText(current.waiting ? "waiting for " + current.asset + ": qflux has not seen it yet" : "waiting for candles…", 20, 30);
            cv.dataset.indicators = JSON.stringify({ outputs: ind.outputs, last: ind.last, overlays: [], panes: [], drawn: {} });
            sig.drawn = [];
            return;
          }
          var lo = Infinity, hi = -Infinity;
          view.forEach(function (c) {
            if (c.low < lo) lo = c.low; if (c.high > hi) hi = c.high;
            lay.overlays.forEach(function (s) { var v = value(c, s.name); if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; } });
          });
          if (hi === lo) { hi += 1e-6; lo -= 1e-6; }
          var y = function (p) { return pad + (hi - p) / (hi - lo) * (priceBottom - 2 * pad); };
          var xOf = function (i) { return pad + i * slot + slot / 2; };
          g.strokeStyle = "#252c35"; g.fillStyle = "#8a96a3"; g.font = "11px system-ui";
          for (var k = 0; k <= 4; k++) {
            var p = lo + (hi - lo) * k / 4, yy = y(p);
            g.beginPath(); g.moveTo(0, yy); g.lineTo(w - axis, yy); g.stroke();
            g.fillText(p.toPrecision(6), w - axis + 4, yy + 4);
          }
          view.forEach(function (c, i) {
            var x = xOf(i), up = c.close >= c.open;
            g.strokeStyle = g.fillStyle = up ? "#4caf7a" : "#e0605a";
            g.beginPath(); g.moveTo(x, y(c.high)); g.lineTo(x, y(c.low)); g.stroke();
            var top = y(Math.max(c.open, c.close)), bot = y(Math.min(c.open, c.close));
            g.fillRect(x - 3, top, 6, Math.max(1, bot - top));
          });
          var legend = [];
          lay.overlays.forEach(function (s) {
            var last = line(g, view, s.name, xOf, y, s.color, s.role === "middle");
            drawn[s.name] = { color: s.color, last: last, pane: "price" };
            if (last && s.role !== "upper" && s.role !== "lower") legend.push(s);
          });
          legend.forEach(function (s, i) {
            g.fillStyle = s.color; g.fillText(s.name.replace(SUFFIX, "") + " " + drawn[s.name].last.v.toPrecision(6), 6 + i * 170, priceBottom - 6);
          });
          drawMarks(g, view, xOf, y);
          lay.panes.forEach(function (pane, i) {
            drawPane(g, pane, view, xOf, priceBottom + i * paneH, priceBottom + (i + 1) * paneH, w - axis, drawn);
          });
          cv.dataset.indicators = JSON.stringify({
            outputs: ind.outputs, last: ind.last, overlays: lay.overlays.map(function (s) { return s.name; }),
            panes: lay.panes.map(function (p) { return p.name; }), drawn: drawn });
        }
        window.onresize = draw;
        draw();
        </script>
        </body>
        </html>
        """#
}
