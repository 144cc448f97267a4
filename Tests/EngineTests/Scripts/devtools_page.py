"""The DevTools connection of the page probes: finds the first http://127.0.0.1 page of a
headless Chromium (DevTools on PORT) before DEADLINE and evaluates expressions in it."""
import json, sys, time, urllib.request
import websocket


class DevToolsPage:
    def __init__(self, port, deadline):
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
            print(json.dumps({"error": "no page"}))
            sys.exit(1)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=5, suppress_origin=True)
        self.n = 0

    def evaluate(self, expr):
        """The value of `expr` in the page (returnByValue), or None."""
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": "Runtime.evaluate", "params": {"expression": expr, "returnByValue": True}}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.n:
                return reply.get("result", {}).get("result", {}).get("value")
