#!/usr/bin/env python3
"""Plain-Python restatement of the original QuantumFlux backtest and its `quantum_flux` strategy
(analysis.md sections 1-2): the oracle qflux's Swift backtest must match bit for bit.

Usage: quantum_flux_reference.py [FILE|-] [--payout 0.8] [--stake 0.01] [--expiry 1] [--window 50]
                                 [--ties loss|refund|win] [--balance 10000] [--scores]
FILE (or stdin) holds candles: a JSON list of {timestamp, open, high, low, close} objects, or CSV
with the original's columns timestamp,open,close,high,low (timestamps are passed through).
Prints the result JSON {trades, equity_curve, statistics}; floats use repr (shortest round trip).
--flat prints the result as text lines instead of JSON (what the tests compare, field by field):
    "trade TIMESTAMP SIGNAL ENTRY EXIT WON PROFIT BALANCE", then "stat NAME VALUE" lines.
--scores prints, instead, a histogram of the strategy's scores (to check test series reach 0.6).
"""
import csv
import io
import json
import math
import sys


def ema_q(p, n):
    # Not a real EMA: weights exp(-1 + i/(n-1)), normalised by their (sequential) sum; the smallest
    # weight meets the newest price; summed m = 0 first.
    if len(p) < n:
        return p[-1]
    w = [math.exp(-1 + i / (n - 1)) for i in range(n)]
    total = 0.0
    for x in w:
        total += x
    w = [x / total for x in w]
    s = 0.0
    for m in range(n):
        s += p[len(p) - 1 - m] * w[m]
    return s


def rsi_q(p, period=14):
    if len(p) < period + 1:
        return 50.0
    d = [p[k] - p[k - 1] for k in range(len(p) - period, len(p))]
    gains = [x if x > 0 else 0.0 for x in d]
    losses = [-x if x < 0 else 0.0 for x in d]
    gsum = 0.0
    for x in gains:
        gsum += x
    lsum = 0.0
    for x in losses:
        lsum += x
    avg_gain = gsum / period if any(x != 0 for x in gains) else 0.0
    avg_loss = lsum / period if any(x != 0 for x in losses) else 0.0
    if avg_loss == 0:
        return 100.0
    return 100 - 100 / (1 + avg_gain / avg_loss)


def score_of(p):
    rsi = rsi_q(p, 14)
    e12 = ema_q(p, 12)
    e26 = ema_q(p, 26)
    macd = e12 - e26
    hist = macd - macd * 0.9
    q = p[-20:]
    m = 0.0
    for x in q:
        m += x
    m = m / 20
    v = 0.0
    for x in q:
        v += (x - m) * (x - m)
    sd = math.sqrt(v / 20)
    upper = m + sd * 2.0
    lower = m - sd * 2.0
    return combine(rsi, hist, p[-1], lower, upper, e12, e26)


def combine(rsi, hist, last, lower, upper, e12, e26):
    score = 0.0
    if rsi < 30:
        score += 0.4
    elif rsi > 70:
        score -= 0.4
    if hist > 0:
        score += 0.3
    else:
        score -= 0.3
    if last < lower:
        score += 0.3
    elif last > upper:
        score -= 0.3
    if e12 > e26:
        score += 0.2
    else:
        score -= 0.2
    return max(-1.0, min(1.0, score))


def strategy(window):
    if len(window) < 50:
        return None
    p = [c["close"] for c in window]
    score = score_of(p)
    if abs(score) < 0.2:
        return None
    direction = "call" if score > 0 else "put"
    if min(abs(score), 1.0) >= 0.6:
        return direction
    return None


def run_backtest(candles, payout=0.8, stake=0.01, expiry=1, window=50, ties="loss", balance=10000.0):
    start = balance
    wins = losses = 0
    trades = []
    equity = []
    n = len(candles)
    for i in range(window, n):
        signal = strategy(candles[i - window:i])
        if signal and i + expiry < n:
            entry = candles[i]["close"]
            exit_ = candles[i + expiry]["close"]
            if exit_ == entry and ties != "loss":
                outcome = ties
            elif signal == "call":
                outcome = "win" if exit_ > entry else "loss"
            else:
                outcome = "win" if exit_ < entry else "loss"
            amount = balance * stake
            if outcome == "win":
                profit = amount * payout
                balance += profit
                wins += 1
                won = True
            elif outcome == "loss":
                profit = -amount
                balance -= amount
                losses += 1
                won = False
            else:
                profit = 0.0
                won = False
            trades.append({"timestamp": candles[i]["timestamp"], "signal": signal, "entry_price": entry,
                           "exit_price": exit_, "won": won, "profit": profit, "balance": balance})
            equity.append({"timestamp": candles[i]["timestamp"], "balance": balance})
    total = len(trades)
    total_profit = balance - start
    stats = {"total_trades": total, "wins": wins, "losses": losses,
             "win_rate": (wins / total * 100) if total > 0 else 0,
             "starting_balance": start, "ending_balance": balance,
             "total_profit": total_profit, "profit_percentage": total_profit / (start / 100)}
    return {"trades": trades, "equity_curve": equity, "statistics": stats}


def load(text):
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    return [{"timestamp": r["timestamp"], "open": float(r["open"]), "high": float(r["high"]),
             "low": float(r["low"]), "close": float(r["close"])} for r in rows]


def main():
    args = sys.argv[1:]
    opts = {"payout": 0.8, "stake": 0.01, "expiry": 1, "window": 50, "ties": "loss", "balance": 10000.0}
    path = "-"
    scores = False
    flat = False
    if "--combos" in args:
        out = []
        for rsi in (20.0, 50.0, 80.0):
            for hist in (1.0, -1.0):
                for last in (0.0, 1.0, 2.0):
                    for e12, e26 in ((2.0, 1.0), (1.0, 2.0)):
                        out.append(combine(rsi, hist, last, 0.5, 1.5, e12, e26))
        print(json.dumps(out))
        return
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--scores":
            scores = True
        elif a == "--flat":
            flat = True
        elif a.startswith("--"):
            key = a[2:]
            val = args[i + 1]
            i += 1
            opts[key] = val if key == "ties" else (int(val) if key in ("expiry", "window") else float(val))
        else:
            path = a
        i += 1
    text = sys.stdin.read() if path == "-" else open(path).read()
    candles = load(text)
    if scores:
        hist = {}
        for k in range(50, len(candles)):
            s = repr(score_of([c["close"] for c in candles[k - 50:k]]))
            hist[s] = hist.get(s, 0) + 1
        print(json.dumps(hist, sort_keys=True))
        return
    result = run_backtest(candles, **opts)
    if flat:
        lines = []
        for t in result["trades"]:
            lines.append("trade %r %s %r %r %s %r %r" % (float(t["timestamp"]), t["signal"], t["entry_price"], t["exit_price"],
                                                       "true" if t["won"] else "false", t["profit"], t["balance"]))
        for k, v in result["statistics"].items():
            lines.append("stat %s %r" % (k, float(v)))
        print("\n".join(lines))
        return
    print(json.dumps(result))


if __name__ == "__main__":
    main()
