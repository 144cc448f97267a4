"""Reads the live page's state from a headless Chromium over the DevTools Protocol, in real time:
polls #count, #last and #status until the page shows `want` candles while connected (or the
timeout passes) and prints them as JSON, with every distinct #shown text seen on the way.
Usage: page_probe.py DEVTOOLS_PORT WANT TIMEOUT_S"""
import json, sys, time
from devtools_page import DevToolsPage

port, want, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
deadline = time.time() + timeout
page = DevToolsPage(port, deadline)
expr = ("JSON.stringify({count: (document.getElementById('count')||{}).textContent, "
        "last: (document.getElementById('last')||{}).textContent, "
        "status: (document.getElementById('status')||{}).textContent, "
        "shown: (document.getElementById('shown')||{}).textContent, "
        "statusClass: (document.getElementById('status')||{}).className})")
state, shown = {}, []
while time.time() < deadline:
    value = page.evaluate(expr)
    if value:
        state = json.loads(value)
        if state.get("shown") and (not shown or shown[-1] != state["shown"]):
            shown.append(state["shown"])
        if state.get("count") == want and state.get("statusClass") == "ok":
            break
    time.sleep(0.2)
state["shown_history"] = shown
print(json.dumps(state), flush=True)
