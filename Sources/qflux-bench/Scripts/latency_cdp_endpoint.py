#!/usr/bin/env python3
"""The latency stage's synthetic Chrome endpoint and Socket.IO client, in one asyncio process (one clock).

Run by `qflux-bench latency` (Sources/qflux-bench/Latency/LatencyStage.swift).
Usage: latency_cdp_endpoint.py RATE COUNT
  RATE   ticks per second sent as CDP events (the bench passes 200)
  COUNT  ticks to send (500 with --quick, else 2000)

Serves `/json/list` and a DevTools WebSocket that answers `Network.enable`, prints "cdp PORT",
then reads qflux's Socket.IO port on stdin, connects a python-socketio client, focuses on one
asset and sends `updateStream` frames as CDP events; each tick's price is unique, so the client
knows when the `candle_update` carrying it arrives. Then measures its own send→receive loop-back
(the baseline) and prints one line: {"latencies_ms": […], "sent": N, "loopback_ms": […]}.
Needs aiohttp and python-socketio (scripts/setup.sh --test).
"""
import asyncio, base64, json, os, sys, time
from aiohttp import web
import socketio

rate, count = float(sys.argv[1]), int(sys.argv[2])
ws_ready = asyncio.Event()
conns = []
sent_at = {}
lat = []

async def json_list(request):
    port = request.app["port"]
    return web.json_response([{"id": "BENCH", "type": "page", "title": "bench", "url": "https://pocketoption.com/en/cabinet/",
                               "webSocketDebuggerUrl": "ws://127.0.0.1:%d/devtools/page/BENCH" % port}])

loop_server = []
async def loop_endpoint(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    loop_server.append(ws)
    async for _ in ws:
        pass
    return ws

async def loopback(port, n):
    # The script's own cost: a frame sent by this server and read by a client in this process.
    import aiohttp
    out = []
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect("http://127.0.0.1:%d/loop" % port) as client:
            while not loop_server:
                await asyncio.sleep(0.01)
            for i in range(n):
                t = time.perf_counter()
                await loop_server[0].send_str(json.dumps({"i": i, "pad": "x" * 150}))
                await client.receive()
                out.append((time.perf_counter() - t) * 1000)
                await asyncio.sleep(1.0 / rate)
    return out

async def devtools(request):
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    async for msg in ws:
        data = json.loads(msg.data)
        if data.get("method") == "Network.enable":
            await ws.send_str(json.dumps({"id": data["id"], "result": {}}))
            conns.append(ws)
            ws_ready.set()
    return ws

def frame(opcode, payload, ts):
    return json.dumps({"method": "Network.webSocketFrameReceived", "params": {"requestId": "1.1", "timestamp": ts,
                       "response": {"opcode": opcode, "mask": False, "payloadData": payload}}})

async def main():
    app = web.Application()
    app.router.add_get("/json/list", json_list)
    app.router.add_get("/json", json_list)
    app.router.add_get("/devtools/page/BENCH", devtools)
    app.router.add_get("/loop", loop_endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    app["port"] = port
    print("cdp", port, flush=True)
    qport = int((await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline)).strip())
    await asyncio.wait_for(ws_ready.wait(), 15)
    ws = conns[0]
    sio = socketio.AsyncClient(reconnection=False)
    @sio.on("candle_update")
    async def on_update(d):
        t = sent_at.pop(d.get("close"), None)
        if t is not None:
            lat.append((time.perf_counter() - t) * 1000)
    await sio.connect("http://127.0.0.1:%d" % qport, transports=["websocket"])
    # First tick makes the asset known; then focus on it.
    now = time.time()
    body = json.dumps([["LAT_otc", round(now, 3), 1.0]])
    await ws.send_str(frame(1, '451-["updateStream",{"_placeholder":true,"num":0}]', 1.0))
    await ws.send_str(frame(2, base64.b64encode(body.encode()).decode(), 1.0))
    await asyncio.sleep(0.5)
    await sio.emit("start_stream", {"asset": "LAT_otc"})
    await asyncio.sleep(0.5)
    for i in range(count):
        price = round(2.0 + i * 0.00001, 5)
        body = json.dumps([["LAT_otc", round(time.time(), 3), price]])
        header = frame(1, '451-["updateStream",{"_placeholder":true,"num":0}]', 2.0 + i)
        binary = frame(2, base64.b64encode(body.encode()).decode(), 2.0 + i)
        await ws.send_str(header)
        sent_at[price] = time.perf_counter()
        await ws.send_str(binary)
        await asyncio.sleep(1.0 / rate)
    await asyncio.sleep(0.5)
    base = await loopback(port, min(count, 500))
    print(json.dumps({"latencies_ms": lat, "sent": count, "loopback_ms": base}), flush=True)
    os._exit(0)  # no graceful shutdown: the figures are out, and qflux closes its side itself

asyncio.run(main())
