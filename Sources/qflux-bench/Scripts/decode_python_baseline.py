#!/usr/bin/env python3
"""The original tool's decode pipeline in Python, timed on the bench's perf-log corpus file.

Run by `qflux-bench decode` (in-process timing, best of RUNS) and `qflux-bench replay` (the
whole process, RUNS = 1); Sources/qflux-bench/Stages/PythonBaseline.swift.
Usage: decode_python_baseline.py VARIANT FILE RUNS
  VARIANT  "stdlib" (json.loads) or "orjson" (orjson.loads)
  FILE     a perf-log JSON-lines file
  RUNS     passes over the file; the fastest is reported

Per line: json.loads of the perf-log entry and of its `message`, base64.b64decode of binary
payloads, json.loads of the payload (and of Socket.IO text events); counts the ticks so the
work is checked. Prints "SECONDS TICKS", or "missing" when VARIANT's module is not installed.
"""
import base64, sys, time
variant, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
if variant == "orjson":
    try:
        import orjson
    except ImportError:
        print("missing"); sys.exit(0)
    loads = orjson.loads
else:
    import json
    loads = json.loads
data = open(path, "rb").read().splitlines()
best = None
for _ in range(runs):
    t0 = time.perf_counter()
    ticks = 0
    pending = {}
    for line in data:
        entry = loads(line)
        msg = loads(entry["message"])["message"]
        if msg.get("method") != "Network.webSocketFrameReceived":
            continue
        params = msg["params"]
        resp = params["response"]
        rid = params["requestId"]
        if resp["opcode"] == 1:
            text = resp["payloadData"]
            if text.startswith("451-"):
                pending[rid] = loads(text[4:])[0]
            elif text.startswith("42"):
                loads(text[2:])
            continue
        payload = loads(base64.b64decode(resp["payloadData"]))
        if pending.pop(rid, None) == "updateStream":
            ticks += len(payload)
    elapsed = time.perf_counter() - t0
    best = elapsed if best is None else min(best, elapsed)
print(f"{best} {ticks}")
