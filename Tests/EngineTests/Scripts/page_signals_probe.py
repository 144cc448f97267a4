"""Reads the live page's signal marks and tally from a headless Chromium over the DevTools
Protocol, beside the server's own view of them. Phase "live": the page as opened while the
replay runs; phase "reload": the same page reloaded once the replay has ended (its marks then
come from the journal). Each phase polls until the server's source has ended (/health), the page
has loaded the journal and its tally equals the journal's entries for the view (fetched from
/api/signals in the same poll); it then records the page's state (window.qfluxSignals(), the
#tally text and the canvas pixels of each mark colour) and the journal's entries for the view.
Then the strategy selector is set to off (phase "off": no marks, no tally) and back (phase
"again": the same as after the reload), and the tooltip of the first mark drawn is read. Prints
{"live", "reload", "off", "again", "tooltip"} as JSON.
Usage: page_signals_probe.py DEVTOOLS_PORT SERVER_URL TIMEOUT_S"""
import json, sys, time, urllib.request
from devtools_page import DevToolsPage

port, server, timeout = int(sys.argv[1]), sys.argv[2].rstrip("/"), float(sys.argv[3])
deadline = time.time() + timeout
evaluate = DevToolsPage(port, deadline).evaluate

COLORS = ["#facc15", "#16f08a", "#ff4d8d"]  # pending, won, lost
STATE = """(function () {
  if (!window.qfluxSignals) return null;
  var s = window.qfluxSignals(), cv = document.getElementById('chart');
  s.count = document.getElementById('count').textContent;
  s.reloaded = !window.__probeSeen;
  s.pixels = {};
  var d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  var keys = %s.map(function (c) { s.pixels[c] = 0; return [c, parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)]; });
  for (var i = 0; i < d.length; i += 4) {
    for (var j = 0; j < keys.length; j++) {
      var k = keys[j];
      if (Math.abs(d[i] - k[1]) <= 6 && Math.abs(d[i + 1] - k[2]) <= 6 && Math.abs(d[i + 2] - k[3]) <= 6) { s.pixels[k[0]]++; break; }
    }
  }
  return JSON.stringify(s);
})()""" % json.dumps(COLORS)


def get(path):
    with urllib.request.urlopen(server + path, timeout=5) as r:
        return json.load(r)


def journal(view):
    """The journal's entries for the page's view, oldest first (every page of /api/signals)."""
    rows, since = [], 0
    while since is not None:
        body = get("/api/signals?since=%d" % since)
        rows += body["signals"]
        since = body["next_since"]
    key = lambda a: "".join(ch for ch in a.lower() if ch.isalnum())
    return [r for r in rows if r["strategy"] == view["strategy"] and r["timeframe"] == view["timeframe"]
            and key(r["asset"]) == key(view["asset"])]


def matches(state, rows):
    t = state.get("tally") or {}
    decided = [r for r in rows if r["won"] is not None]
    return (state.get("journal") == "loaded" and t.get("signals") == len(rows)
            and t.get("decided") == len(decided) and t.get("won") == sum(1 for r in decided if r["won"])
            and len(state.get("marks") or []) == len(rows) and len(rows) > 0)


def phase(fresh):
    state, rows, ended = {}, [], False
    while time.time() < deadline:
        try:
            ended = ended or get("/health")["source"]["connected"] is False
            value = evaluate(STATE)
            if value:
                state = json.loads(value)
                if state.get("asset") and (not fresh or state.get("reloaded")):
                    rows = journal(state)
                    if ended and matches(state, rows):
                        break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.25)
    return {"state": state, "journal": rows, "ended": ended}


def choose(strategy):
    evaluate("(function () { var e = document.getElementById('sig'); e.value = %s; e.dispatchEvent(new Event('change')); return 1; })()"
             % json.dumps(strategy))


def poll(done):
    state = {}
    while time.time() < deadline:
        value = evaluate(STATE)
        if value:
            state = json.loads(value)
            if done(state):
                break
        time.sleep(0.25)
    return state


live = phase(False)
evaluate("(function () { window.__probeSeen = true; return 1; })()")
evaluate("(function () { location.reload(); return 1; })()")
reload = phase(True)
# Phase "off": the selector set to off drops the marks and the tally; "again": back on, the
# view's marks come back (resubscribed, the journal merged into the view kept).
choose("")
off = poll(lambda s: not s.get("asset") and not s.get("marks") and not s.get("drawn") and s.get("text") == "")
choose(reload["state"].get("strategy") or "quantum_flux")
again = phase(False)
# The tooltip of the first mark drawn: the pointer over its entry price.
tooltip = evaluate("""(function () {
  var d = window.qfluxSignals().drawn[0], cv = document.getElementById('chart'), r = cv.getBoundingClientRect();
  if (!d) return null;
  cv.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + d.x, clientY: r.top + d.y }));
  return JSON.stringify({ time: d.time, title: cv.title });
})()""")
print(json.dumps({"live": live, "reload": reload, "off": off, "again": again,
                  "tooltip": json.loads(tooltip) if tooltip else None}), flush=True)
