#!/usr/bin/env python3
"""Builds candle CSV fixtures (the original tool's layout timestamp,open,close,high,low) from the
real PocketOption tick fixtures in ../Fixtures/*.ticks.jsonl.

Usage: make_tick_candles.py SECONDS OUT.csv [ASSET]
Candles are bucketed by floor(time / SECONDS) * SECONDS per asset (default: EURGBP_otc, the asset
with the most ticks); timestamps are written as "YYYY-mm-dd HH:MM:SS" (UTC).
"""
import datetime
import glob
import json
import os
import sys


def main():
    seconds = float(sys.argv[1])
    out = sys.argv[2]
    asset = sys.argv[3] if len(sys.argv) > 3 else "EURGBP_otc"
    here = os.path.dirname(os.path.abspath(__file__))
    ticks = []
    for path in sorted(glob.glob(os.path.join(here, "..", "Fixtures", "*.ticks.jsonl"))):
        for line in open(path):
            t = json.loads(line)
            if t["asset"] == asset:
                ticks.append((t["time"], t["price"]))
    ticks.sort()
    candles = []
    for time, price in ticks:
        start = int(time // seconds * seconds)
        if candles and candles[-1][0] == start:
            c = candles[-1]
            c[2] = max(c[2], price)
            c[3] = min(c[3], price)
            c[4] = price
        else:
            candles.append([start, price, price, price, price])
    with open(out, "w") as f:
        f.write("timestamp,open,close,high,low\n")
        for start, o, h, l, c in candles:
            ts = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            f.write("%s,%r,%r,%r,%r\n" % (ts, o, c, h, l))


if __name__ == "__main__":
    main()
