#!/usr/bin/env python3
"""TA-Lib oracle for qflux's indicator tests.

Usage: talib_oracle.py IN.json OUT.json
IN  = {"candles": [{"timestamp","open","high","low","close","volume"}...], "specs": [[name, [params...]], ...]}
OUT = one line per column: "<column>\t<v0>,<v1>,..." with repr() floats and "nan" for no value
      (plain text, so the Swift side parses every number with a correctly rounded parser)
`--check` only imports talib and numpy (exit 0 when available).
SuperTrend has no TA-Lib function: supertrend() below is a plain-Python reference built on talib.ATR.
DeMarker and Schaff Trend Cycle have none either: demarker() and stc() restate the original tool's
pandas formulas (../shared/compat.md) in plain Python.
"""
import json
import math
import sys


def fmt(v):
    if float(v) == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def supertrend(high, low, close, period, mult, talib, np):
    atr = talib.ATR(np.array(high), np.array(low), np.array(close), timeperiod=period)
    n = len(close)
    line = [None] * n
    direction = [None] * n
    prev = None  # (upper, lower, direction)
    for i in range(n):
        a = atr[i]
        if math.isnan(a):
            continue
        hl2 = (high[i] + low[i]) / 2
        bu = hl2 + mult * a
        bl = hl2 - mult * a
        if prev is None:
            up, lo, d = bu, bl, 1.0
        else:
            pu, pl, pd = prev
            pc = close[i - 1]
            up = bu if (bu < pu or pc > pu) else pu
            lo = bl if (bl > pl or pc < pl) else pl
            if pd > 0:
                d = -1.0 if close[i] < lo else 1.0
            else:
                d = 1.0 if close[i] > up else -1.0
        prev = (up, lo, d)
        line[i] = lo if d > 0 else up
        direction[i] = d
    return line, direction


def demarker(high, low, n):
    """SMA_n(demax) / (SMA_n(demax) + SMA_n(demin)), 0 when the denominator is 0; demax/demin
    undefined at the first candle, so the first value is at index n."""
    size = len(high)
    demax = [None] + [high[i] - high[i - 1] if high[i] > high[i - 1] else 0.0 for i in range(1, size)]
    demin = [None] + [low[i - 1] - low[i] if low[i] < low[i - 1] else 0.0 for i in range(1, size)]
    out = [None] * size
    for i in range(n, size):
        a = sum(demax[i - n + 1:i + 1]) / n
        b = sum(demin[i - n + 1:i + 1]) / n
        out[i] = 0.0 if a + b == 0 else a / (a + b)
    return out


def ewm(values, span):
    """pandas ewm(span, adjust=False): seeded with the first defined value; None stays None."""
    alpha = 2.0 / (span + 1)
    out, y = [], None
    for x in values:
        if x is not None:
            y = x if y is None else (1 - alpha) * y + alpha * x
        out.append(y if x is not None else None)
    return out


def stochastic(values, d):
    """100*(x - min)/(max - min) over the last d values (all defined), 0 when max == min."""
    out = [None] * len(values)
    for i in range(len(values)):
        window = values[i - d + 1:i + 1] if i - d + 1 >= 0 else []
        if len(window) < d or any(v is None for v in window):
            continue
        lo, hi = min(window), max(window)
        out[i] = 0.0 if hi == lo else 100 * (values[i] - lo) / (hi - lo)
    return out


def stc(close, fast, slow, d_macd, d_pf):
    f, s = ewm(close, fast), ewm(close, slow)
    macd = [a - b for a, b in zip(f, s)]
    pf = ewm(stochastic(macd, d_macd), d_macd)
    return ewm(stochastic(pf, d_pf), d_pf)


def main():
    if sys.argv[1:] == ["--check"]:
        import talib  # noqa: F401
        import numpy  # noqa: F401
        print("ok")
        return
    import numpy as np
    import talib
    with open(sys.argv[1]) as f:
        data = json.load(f)
    c = data["candles"]
    o = np.array([x["open"] for x in c], dtype=float)
    h = np.array([x["high"] for x in c], dtype=float)
    l = np.array([x["low"] for x in c], dtype=float)
    cl = np.array([x["close"] for x in c], dtype=float)
    out = {}

    def put(name, arr):
        out[name] = [None if (v is None or math.isnan(v)) else float(v) for v in arr]

    for kind, p in data["specs"]:
        ip = [int(v) for v in p]
        base = kind + "_" + "_".join(fmt(v) for v in p)
        if kind == "sma":
            put(base, talib.SMA(cl, ip[0]))
        elif kind == "ema":
            put(base, talib.EMA(cl, ip[0]))
        elif kind == "wma":
            put(base, talib.WMA(cl, ip[0]))
        elif kind == "rsi":
            put(base, talib.RSI(cl, ip[0]))
        elif kind == "macd":
            m, s, hh = talib.MACD(cl, ip[0], ip[1], ip[2])
            put(base, m); put(base + "_signal", s); put(base + "_hist", hh)
        elif kind == "bbands":
            up, dn = float(p[1]), float(p[2] if len(p) > 2 else p[1])
            base = "bbands_" + fmt(p[0]) + "_" + fmt(up) + ("" if up == dn else "_" + fmt(dn))
            u, m, lo = talib.BBANDS(cl, ip[0], up, dn, 0)
            put(base + "_upper", u); put(base + "_middle", m); put(base + "_lower", lo)
        elif kind == "stoch":
            k, d = talib.STOCH(h, l, cl, ip[0], ip[1], 0, ip[2], 0)
            put(base + "_k", k); put(base + "_d", d)
        elif kind == "atr":
            put(base, talib.ATR(h, l, cl, ip[0]))
        elif kind == "cci":
            put(base, talib.CCI(h, l, cl, ip[0]))
        elif kind == "willr":
            put(base, talib.WILLR(h, l, cl, ip[0]))
        elif kind == "roc":
            put(base, talib.ROC(cl, ip[0]))
        elif kind == "adx":
            put(base, talib.ADX(h, l, cl, ip[0]))
        elif kind == "supertrend":
            line, d = supertrend(list(h), list(l), list(cl), ip[0], float(p[1]), talib, np)
            out[base] = line
            out[base + "_direction"] = d
        elif kind == "demarker":
            out[base] = demarker(list(h), list(l), ip[0])
        elif kind == "stc":
            out[base] = stc(list(cl), ip[0], ip[1], ip[2], ip[3])
        else:
            raise SystemExit("unknown indicator " + kind)
    with open(sys.argv[2], "w") as f:
        for name, values in out.items():
            f.write(name + "\t" + ",".join("nan" if v is None else repr(float(v)) for v in values) + "\n")


if __name__ == "__main__":
    main()
