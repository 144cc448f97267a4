"""Reads the live page's indicator drawing from a headless Chromium over the DevTools Protocol.
Phase 1: polls until the page shows WANT candles while connected and its last indicator_update is
for the candle starting at WANT_TS, with every drawn series placed; records the state and counts
the canvas pixels of each series colour. Phase 2: types SPEC2 into #ind (a change event, as a
user would), waits for the new set's values and records the same again. Prints
{"first": state, "second": state} as JSON.
Usage: page_indicator_probe.py DEVTOOLS_PORT TIMEOUT_S WANT WANT_TS SPEC2"""
import json, sys, time
from devtools_page import DevToolsPage

port, timeout, want, want_ts, spec2 = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
deadline = time.time() + timeout
evaluate = DevToolsPage(port, deadline).evaluate

# Palette of the page (every series colour), counted whether drawn or not.
PALETTE = ["#f0b429", "#4fa3ff", "#c77dff", "#ffd166", "#a3e635", "#67e8f9", "#9aa5b1", "#6b7785",
           "#fb923c", "#2dd4bf", "#e879f9", "#38bdf8", "#f87171"]
STATE = """(function () {
  var $ = function (id) { return document.getElementById(id); };
  var cv = $('chart'), info = JSON.parse(cv.dataset.indicators || '{}');
  var out = {count: $('count').textContent, statusClass: $('status').className, indstatus: $('indstatus').textContent,
             ind: info, pixels: {}};
  if (!info.last) return JSON.stringify(out);
  var d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  var keys = %s.map(function (c) { out.pixels[c] = 0; return [c, parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)]; });
  for (var i = 0; i < d.length; i += 4) {
    for (var j = 0; j < keys.length; j++) {
      var k = keys[j];
      if (Math.abs(d[i] - k[1]) <= 6 && Math.abs(d[i + 1] - k[2]) <= 6 && Math.abs(d[i + 2] - k[3]) <= 6) { out.pixels[k[0]]++; break; }
    }
  }
  return JSON.stringify(out);
})()""" % json.dumps(PALETTE)

def placed(s):
    ind = s.get("ind") or {}
    drawn = ind.get("drawn") or {}
    names = (ind.get("overlays") or []) + [k for k, v in drawn.items() if v.get("pane") != "price"]
    return bool(ind.get("last")) and bool(names) and all((drawn.get(k) or {}).get("last") for k in names)

def poll(done):
    state = {}
    while time.time() < deadline:
        value = evaluate(STATE)
        if value:
            state = json.loads(value)
            if done(state):
                break
        time.sleep(0.2)
    return state

first = poll(lambda s: s.get("count") == want and s.get("statusClass") == "ok"
             and (s.get("ind") or {}).get("last", {}) and s["ind"]["last"].get("timestamp") == want_ts and placed(s))
evaluate("(function () { var e = document.getElementById('ind'); e.value = %s; e.dispatchEvent(new Event('change')); return 'ok'; })()" % json.dumps(spec2))
second = poll(lambda s: placed(s) and (s.get("ind") or {}).get("last", {}).get("timestamp") == want_ts
              and sorted(s["ind"]["last"]["values"].keys()) == sorted(s["ind"].get("outputs") or ["?"])
              and all(not o.startswith(("ema", "bbands", "rsi", "macd")) for o in s["ind"]["outputs"]))
print(json.dumps({"first": first, "second": second}), flush=True)
