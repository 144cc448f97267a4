"""A python-socketio client of a qflux node: asks get_assets, then /health. Prints one JSON object
({"assets": <get_assets reply>, "health": <the /health document>}) on its last stdout line
(RedisPayoutTests: the payouts a Redis-fed node shows)."""
import asyncio, json, sys, urllib.request
import socketio


async def run(url):
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(url, transports=["websocket"], wait_timeout=5)
    got = {"assets": await sio.call("get_assets", timeout=10)}
    with urllib.request.urlopen(url + "/health", timeout=10) as r:
        got["health"] = json.loads(r.read().decode())
    await sio.disconnect()
    print(json.dumps(got))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
