"""Long-polling handshakes that nobody continues, beside a real client (ServerHandshakeFloodTests;
issue 28, defect 5). Usage: handshake_flood.py COUNT URL [TOKEN].

Sends COUNT plain `GET /socket.io/?EIO=4&transport=polling` over keep-alive connections, then
keeps sending ~150 more a second from a thread while five default python-socketio clients
(polling, then the upgrade; with TOKEN as auth) connect one after another. Before the fix the
handshakes filled the client limit (503 for 45 s) and, with a token, the unauthenticated limit.
Prints one JSON object last."""
import asyncio, http.client, json, sys, threading, time
import socketio

def handshakes(url, count, stop=None, rate=None):
    host, port = url.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    sent = ok = refused = 0
    while (stop is None and sent < count) or (stop is not None and not stop.is_set()):
        try:
            conn.request("GET", "/socket.io/?EIO=4&transport=polling")
            r = conn.getresponse()
            r.read()
            if r.status == 200: ok += 1
            else: refused += 1
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
        sent += 1
        if rate: time.sleep(1.0 / rate)  # pacing: the flood's rate (~150 handshakes a second)
    conn.close()
    return sent, ok, refused

async def real_clients(url, token, n):
    connected = 0
    errors = []
    for _ in range(n):
        sio = socketio.AsyncClient(reconnection=False)
        try:
            await sio.connect(url, auth={"token": token} if token else None, wait_timeout=5)
            connected += 1
            await sio.disconnect()
        except Exception as e:
            errors.append(str(e)[:120])
    return connected, errors

def main():
    count, url = int(sys.argv[1]), sys.argv[2]
    token = sys.argv[3] if len(sys.argv) > 3 else None
    out = {}
    sent, ok, refused = handshakes(url, count)
    out.update(flood_sent=sent, flood_ok=ok, flood_refused=refused)
    stop = threading.Event()
    result = {}
    t = threading.Thread(target=lambda: result.update(zip(("sent", "ok", "refused"), handshakes(url, 0, stop, 150))))
    t.start()
    connected, errors = asyncio.run(real_clients(url, token, 5))
    stop.set()
    t.join()
    out.update(real_connected=connected, real_errors=errors, sustained_sent=result.get("sent", 0),
               sustained_refused=result.get("refused", 0))
    print(json.dumps(out), flush=True)

if __name__ == "__main__":
    main()
