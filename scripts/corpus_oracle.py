#!/usr/bin/env python3
"""Independent reference decoder for PocketOption CDP captures (stdlib json + base64 only).

Writes one JSON line per live tick: {"asset":…,"time":…,"price":…} in capture order. The Swift
tests compare qflux's decoder against this output (Tests/FastDecodeTests/Fixtures/*.ticks.jsonl).
Usage: scripts/corpus_oracle.py CAPTURE.cdp.jsonl > CAPTURE.ticks.jsonl
"""
import base64, json, sys

def main(path):
    pending = {}  # requestId -> event name awaiting its binary attachment
    for line in open(path, encoding="utf-8"):
        event = json.loads(line)
        if event.get("method") != "Network.webSocketFrameReceived":
            continue
        params = event["params"]
        rid, resp = params["requestId"], params["response"]
        if resp["opcode"] == 1:
            text = resp["payloadData"]
            if text.startswith("451-"):
                pending[rid] = json.loads(text[4:])[0]
            else:
                pending.pop(rid, None)
            continue
        name = pending.pop(rid, None)
        data = json.loads(base64.b64decode(resp["payloadData"]))
        if name == "updateStream":
            for asset, t, price in (row[:3] for row in data):
                t = t / 1000 if t > 1e12 else t
                print(json.dumps({"asset": asset, "time": t, "price": price}))

if __name__ == "__main__":
    main(sys.argv[1])
