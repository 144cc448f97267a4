"""Server-wide pools shared out per client and per peer address (ServerPoolShareTests; issue 28,
defect 10). Raw Socket.IO clients over WebSocket, each from a chosen loopback address.

Usage: pool_shares.py analysis URL   – client A (127.0.0.1) sends 8 run_backtest at once while
                                        client B (127.0.0.2) sends one: A is refused past its
                                        share, B is answered (not "server busy")
       pool_shares.py indicators URL – one live indicator computation per client: 5 clients from
                                        127.0.0.1 (the 5th is past the address's share), then one
                                        from 127.0.0.2
Prints one JSON object last."""
import json, sys, time

from raw_websocket import masked, upgrade


class RawClient:
    def __init__(self, url, source):
        self.s, self.buf = upgrade(url, source, timeout=20)
        assert self.text().startswith("0{")
        self.s.sendall(masked("40"))
        while not self.text().startswith("40"):
            pass

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def text(self):
        b0, b1 = self.take(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self.take(2), "big")
        elif n == 127:
            n = int.from_bytes(self.take(8), "big")
        payload = self.take(n).decode()
        if payload == "2":
            self.s.sendall(masked("3"))
        return payload

    def emit(self, event, data):
        self.s.sendall(masked("42" + json.dumps([event, data])))

    def wait(self, names):
        while True:
            t = self.text()
            if t.startswith("42"):
                name, data = json.loads(t[2:])[:2]
                if name in names:
                    return name, data


def analysis(url):
    a = RawClient(url, "127.0.0.1")
    b = RawClient(url, "127.0.0.2")
    for _ in range(8):
        a.emit("run_backtest", {"file_path": "x"})
    started = time.monotonic()
    b.emit("run_backtest", {"file_path": "x"})
    b_reply = b.wait(["backtest_complete", "backtest_error"])
    b_seconds = time.monotonic() - started
    replies = [a.wait(["backtest_complete", "backtest_error"]) for _ in range(8)]
    return {"a_answered": sum(1 for n, d in replies if n == "backtest_complete"),
            "a_refused": [d.get("error", "") for n, d in replies if n == "backtest_error"],
            "b_event": b_reply[0], "b_seconds": round(b_seconds, 2)}


def indicators(url):
    out = {"loopback": []}
    clients = []
    for i in range(5):
        c = RawClient(url, "127.0.0.1")
        c.emit("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]})
        c.emit("subscribe_indicators", {"asset": "EURUSD_otc", "timeframe": "1m", "indicators": "ema(%d)" % (i + 2)})
        name, data = c.wait(["indicators_subscribed", "indicators_error"])
        out["loopback"].append([name, data.get("error", "")])
        clients.append(c)
    other = RawClient(url, "127.0.0.2")
    other.emit("subscribe", {"assets": ["EURUSD_otc"], "timeframes": ["1m"]})
    other.emit("subscribe_indicators", {"asset": "EURUSD_otc", "timeframe": "1m", "indicators": "rsi(3)"})
    out["other_address"] = other.wait(["indicators_subscribed", "indicators_error"])[0]
    return out


if __name__ == "__main__":
    mode, url = sys.argv[1], sys.argv[2]
    print(json.dumps(analysis(url) if mode == "analysis" else indicators(url)), flush=True)
