"""Reads the live page's state from a headless Chromium over the DevTools Protocol, in real time:
polls #count, #last and #status until the page shows `want` candles while connected (or the
timeout passes) and prints them as JSON, with every distinct #shown text seen on the way.
Usage: page_probe.py DEVTOOLS_PORT WANT TIMEOUT_S"""
import json, sys, time, urllib.request
import websocket

port, want, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
deadline = time.time() + timeout
page = None
while time.time() < deadline and page is None:
    try:
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=2))
        page = next((t for t in targets if t.get("type") == "page" and t.get("url", "").startswith("http://127.0.0.1")), None)
    except OSError:
        pass
    if page is None:
        time.sleep(0.2)
if page is None:
    print(json.dumps({"error": "no page"})); sys.exit(1)
ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=5, suppress_origin=True)
expr = ("JSON.stringify({count: (document.getElementById('count')||{}).textContent, "
        "last: (document.getElementById('last')||{}).textContent, "
        "status: (document.getElementById('status')||{}).textContent, "
        "shown: (document.getElementById('shown')||{}).textContent, "
        "statusClass: (document.getElementById('status')||{}).className})")
state, n, shown = {}, 0, []
while time.time() < deadline:
    n += 1
    ws.send(json.dumps({"id": n, "method": "Runtime.evaluate", "params": {"expression": expr, "returnByValue": True}}))
    while True:
        reply = json.loads(ws.recv())
        if reply.get("id") == n:
            break
    value = reply.get("result", {}).get("result", {}).get("value")
    if value:
        state = json.loads(value)
        if state.get("shown") and (not shown or shown[-1] != state["shown"]):
            shown.append(state["shown"])
        if state.get("count") == want and state.get("statusClass") == "ok":
            break
    time.sleep(0.2)
state["shown_history"] = shown
print(json.dumps(state), flush=True)
