#!/usr/bin/env python3
"""The redis stage's baseline: redis-py's pipelined XADD into the bench's redis-server.

Run by `qflux-bench redis` (Sources/qflux-bench/Stages/RedisStage.swift).
Usage: redis_py_xadd.py PORT TICKS
  PORT   the redis-server on 127.0.0.1 the bench started
  TICKS  XADDs to send (200000 with --quick, else 500000)

The same commands as qflux's publisher: XADD MAXLEN ~ 100000 round-robin over 8 streams,
pipelines of 1024. Prints the rate in ticks/s, or "missing" when redis-py is not installed.
"""
import sys, time
try:
    import redis
except ImportError:
    print("missing"); sys.exit(0)
port, n = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(host="127.0.0.1", port=port)
names = ["qflux:ticks:BENCH%d_otc" % i for i in range(8)]
t = 1700000000.0
t0 = time.perf_counter()
pipe = r.pipeline(transaction=False)
for i in range(n):
    t += 0.001
    pipe.xadd(names[i & 7], {"time": repr(t), "price": repr(1.08 + (i % 1000) * 1e-5)}, maxlen=100000, approximate=True)
    if i % 1024 == 1023:
        pipe.execute()
pipe.execute()
print(n / (time.perf_counter() - t0))
