"""The original GUI's analysis sequences over a default python-socketio Client (HTTP long-polling,
then the upgrade to WebSocket), checked against TA-Lib, restated formulas and the QuantumFlux
reference (../../AnalysisTests/Scripts):

- store_csv_candles with a ~900 KB file (a few bad rows among them) -> csv_storage_success;
- calculate_indicators with all 14 of the original's kinds (and two qflux spellings) on it:
  every series point and latest value equal TA-Lib's (relative 1e-9) or the plain-Python
  restatements (DeMarker, STC, SuperTrend); types, parameters and BUY/SELL/NEUTRAL signals;
- the refusals (no asset, no candles, fewer than 20) and the empty request;
- generate_signal / execute_strategy against the QuantumFlux score (bit for bit), strategies
  quantum_flux_ta and rules, and their errors.

Usage: compat_analysis_client.py URL. Prints one JSON object on its last stdout line:
{transport, file_bytes, stored, checks, failures: [...], ...}."""
import json
import math
import os
import queue
import random
import sys
import time

import numpy as np
import socketio
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "AnalysisTests", "Scripts"))
from talib_oracle import demarker, stc, supertrend  # noqa: E402
from quantum_flux_reference import ema_q, rsi_q, score_of  # noqa: E402

failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok and len(failures) < 40:
        failures.append(what)


def near(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def iso(t):
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def gui_candles(asset, n, seed, start=1756000000):
    """Rows as the GUI sends a loaded CSV: time text, prices, volume, symbol."""
    rng = random.Random(seed)
    p = 1.08123
    rows = []
    for i in range(n):
        o = p
        c = round(p + rng.randint(-40, 40) / 1e5, 5)
        p = c
        h = round(max(o, c) + rng.randint(0, 9) / 1e5, 5)
        lo = round(min(o, c) - rng.randint(0, 9) / 1e5, 5)
        t = start + 60 * i
        rows.append({"timestamp": iso(t), "date": iso(t).replace(" ", "T").replace("Z", "+00:00"),
                     "open": o, "close": c, "high": h, "low": lo, "volume": 0, "symbol": asset})
    return rows


def main(url):
    sio = socketio.Client(reconnection=False)  # default transports: polling, then websocket
    inbox = queue.Queue()
    names = ["csv_storage_success", "csv_storage_error", "indicators_calculated", "indicators_error",
             "signal_generated", "signal_error", "strategy_result", "strategy_error"]
    for name in names:
        sio.on(name, (lambda n: (lambda d: inbox.put((n, d))))(name))

    def ask(event, payload):
        sio.emit(event, payload)
        return inbox.get(timeout=60)

    sio.connect(url, wait_timeout=10)
    out = {}

    # --- store a ~900 KB file with three bad rows
    asset = "CSVGUI_otc"
    rows = gui_candles(asset, 5450, seed=5)
    bad = [{"timestamp": "soon", "open": 1, "close": 1, "high": 1, "low": 1},
           {"timestamp": iso(1700000000), "open": 1.1, "high": 1.2, "low": 1.0},
           {"timestamp": iso(1700000060), "open": 1.1, "close": 1.1, "high": 1.0, "low": 1.2}]
    payload = {"asset": asset, "candles": rows[:100] + bad + rows[100:]}
    out["file_bytes"] = len(json.dumps(payload, separators=(",", ":")))
    event, stored = ask("store_csv_candles", payload)
    out["stored"] = stored
    check(event == "csv_storage_success", "store: %s %s" % (event, stored))
    check(stored.get("asset") == asset and stored.get("candle_count") == len(rows), "store count %s" % stored)
    check(stored.get("skipped_rows") == 3 and len(stored.get("row_errors", [])) == 3, "bad rows %s" % stored)
    check(isinstance(stored.get("timestamp"), str), "store timestamp")
    out["transport"] = sio.transport()

    h = np.array([r["high"] for r in rows], dtype=float)
    lo = np.array([r["low"] for r in rows], dtype=float)
    cl = np.array([r["close"] for r in rows], dtype=float)
    times = [1756000000 + 60 * i for i in range(len(rows))]

    # --- all 14 kinds, the original's names, plus two qflux spellings
    instances = {
        "SMA-20": {"type": "sma", "params": {"period": 20}},
        "EMA-20": {"type": "ema", "params": {"period": 20}},
        "WMA-20": {"type": "wma", "params": {"period": 20}},
        "RSI-14": {"type": "rsi", "params": {"period": 14}},
        "MACD": {"type": "macd", "params": {"fast": 12, "slow": 26, "signal": 9}},
        "BB-20": {"type": "bollinger", "params": {"period": 20, "std_dev": 2}},
        "STOCH": {"type": "stochastic", "params": {"k": 14, "d": 3}},
        "WR-14": {"type": "williams_r", "params": {"period": 14}},
        "ROC-10": {"type": "roc", "params": {"period": 10}},
        "STC": {"type": "schaff_tc", "params": {"fast": 10, "slow": 20, "d_macd": 3, "d_pf": 3}},
        "DEM-10": {"type": "demarker", "params": {"period": 10}},
        "CCI-20": {"type": "cci", "params": {"period": 20}},
        "ATR-14": {"type": "atr", "params": {"period": 14}},
        "ST": {"type": "supertrend", "params": {"period": 10, "multiplier": 3}},
        "WILLR-Q": {"type": "willr", "params": {"period": 14}},
        "BB-Q": {"type": "bbands", "params": {"period": 20, "up": 2}},
    }
    macd, macds, macdh = talib.MACD(cl, 12, 26, 9)
    bu, bm, bl = talib.BBANDS(cl, 20, 2, 2, 0)
    sk, sd = talib.STOCH(h, lo, cl, 14, 3, 0, 3, 0)
    st_line, _ = supertrend(list(h), list(lo), list(cl), 10, 3.0, talib, np)
    expected = {
        "SMA-20": talib.SMA(cl, 20), "EMA-20": talib.EMA(cl, 20), "WMA-20": talib.WMA(cl, 20),
        "RSI-14": talib.RSI(cl, 14), "MACD": {"macd": macd, "signal": macds, "histogram": macdh},
        "BB-20": {"upper": bu, "middle": bm, "lower": bl}, "STOCH": {"k": sk, "d": sd},
        "WR-14": talib.WILLR(h, lo, cl, 14), "ROC-10": talib.ROC(cl, 10),
        "STC": stc(list(cl), 10, 20, 3, 3), "DEM-10": demarker(list(h), list(lo), 10),
        "CCI-20": talib.CCI(h, lo, cl, 20), "ATR-14": talib.ATR(h, lo, cl, 14), "ST": st_line,
        "WILLR-Q": talib.WILLR(h, lo, cl, 14), "BB-Q": {"upper": bu, "middle": bm, "lower": bl},
    }
    params = {"SMA-20": {"period": 20}, "MACD": {"fast": 12, "slow": 26, "signal_period": 9},
              "BB-20": {"period": 20, "std_dev": 2}, "STOCH": {"k_period": 14, "d_period": 3},
              "STC": {"fast": 10, "slow": 20, "d_macd": 3, "d_pf": 3}, "DEM-10": {"period": 10},
              "ST": {"period": 10, "multiplier": 3}}

    def value_at(arr, i):
        v = arr[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    event, ind = ask("calculate_indicators", {"asset": asset, "instances": instances})
    check(event == "indicators_calculated", "calculate: %s %s" % (event, str(ind)[:300]))
    if event == "indicators_calculated":
        check(ind["asset"] == asset and ind["data_points"] == len(rows), "data_points %s" % ind.get("data_points"))
        check(ind["timeframe_minutes"] == 1 and ind["latest_timestamp"] == times[-1], "timeframe/latest_timestamp")
        check(ind["latest_price"] == rows[-1]["close"], "latest_price")
        check(isinstance(ind["timestamp"], str) and ind.get("source") == "stored", "timestamp/source")
        index = {t: i for i, t in enumerate(times)}
        compared = 0
        for name, inst in instances.items():
            got = ind["indicators"].get(name, {})
            check(got.get("type") == inst["type"], "%s type %s" % (name, got.get("type")))
            for k, v in params.get(name, {}).items():
                check(got.get(k) == v, "%s param %s=%s" % (name, k, got.get(k)))
            exp = expected[name]
            outputs = exp.items() if isinstance(exp, dict) else [(None, exp)]
            for out_name, arr in outputs:
                series = ind["series"][name][out_name] if out_name else ind["series"][name]
                latest = got.get(out_name if out_name else "value")
                check(near(latest, value_at(arr, len(rows) - 1)), "%s %s latest %s vs %s"
                      % (name, out_name, latest, value_at(arr, len(rows) - 1)))
                check(len(series) == min(500, sum(1 for i in range(len(rows)) if value_at(arr, i) is not None)),
                      "%s %s series length %d" % (name, out_name, len(series)))
                for point in series:
                    compared += 1
                    e = value_at(arr, index[point["time"]])
                    if not near(point["value"], e):
                        check(False, "%s %s at %s: %s vs %s" % (name, out_name, point["time"], point["value"], e))
        out["compared"] = compared
        check(compared > 14 * 500, "compared %d" % compared)

        # signals, from the reference's latest values
        last = len(rows) - 1

        def band(v, buy, sell):
            return "NEUTRAL" if v is None else "BUY" if v < buy else "SELL" if v > sell else "NEUTRAL"
        want = {
            "RSI-14": band(value_at(expected["RSI-14"], last), 30, 70),
            "WR-14": band(value_at(expected["WR-14"], last), -80, -20),
            "WILLR-Q": band(value_at(expected["WR-14"], last), -80, -20),
            "STC": band(value_at(expected["STC"], last), 25, 75),
            "DEM-10": band(value_at(expected["DEM-10"], last), 0.3, 0.7),
            "CCI-20": band(value_at(expected["CCI-20"], last), -100, 100),
            "ROC-10": (lambda v: "BUY" if v > 0 else "SELL" if v < 0 else "NEUTRAL")(value_at(expected["ROC-10"], last)),
            "MACD": "BUY" if value_at(macdh, last) > 0 else "SELL",
            "STOCH": (lambda k, d: "BUY" if k < 20 and d < 20 else "SELL" if k > 80 and d > 80 else "NEUTRAL")(
                value_at(sk, last), value_at(sd, last)),
        }
        check(ind["signals"] == want, "signals %s vs %s" % (ind["signals"], want))

    # --- refusals and the empty request
    e, d = ask("calculate_indicators", {"instances": instances})
    check(e == "indicators_error" and d.get("error") == "No asset specified" and "timestamp" in d, "no asset %s" % d)
    e, d = ask("calculate_indicators", {"asset": "NOPE_asset", "instances": instances})
    check(e == "indicators_error" and d.get("error") == "No candle data available for NOPE_asset", "no candles %s" % d)
    e, d = ask("store_csv_candles", {"asset": "SHORT_otc", "candles": gui_candles("SHORT_otc", 10, seed=2)})
    check(e == "csv_storage_success" and d.get("candle_count") == 10, "short store %s" % d)
    e, d = ask("calculate_indicators", {"asset": "SHORT_otc", "instances": instances})
    check(e == "indicators_error" and d.get("error") == "Insufficient data points for SHORT_otc: 10 (minimum 20 required)",
          "insufficient %s" % d)
    e, d = ask("calculate_indicators", {"asset": asset, "instances": {}})
    check(e == "indicators_calculated" and sorted(d) == ["asset", "indicators", "series", "signals", "timestamp"]
          and d["indicators"] == {} and d["series"] == {} and d["signals"] == {}, "empty %s" % d)
    e, d = ask("store_csv_candles", {"candles": rows[:5]})
    check(e == "csv_storage_error" and d.get("error") == "No asset specified" and "timestamp" in d, "store no asset %s" % d)
    e, d = ask("store_csv_candles", {"asset": asset, "candles": []})
    check(e == "csv_storage_error" and d.get("error") == "No candle data provided", "store no candles %s" % d)

    # --- generate_signal / execute_strategy on the QuantumFlux score
    closes = [r["close"] for r in rows]
    seen = set()
    for start in range(0, 3000, 150):
        window = closes[start:start + 60]
        candles = [{"open": r["open"], "high": r["high"], "low": r["low"], "close": r["close"]}
                   for r in rows[start:start + 60]]
        s = score_of(window)
        e, d = ask("generate_signal", {"candles": candles, "strategy": "quantum_flux"})
        check(e == "signal_generated", "generate %s" % d)
        direction = "neutral" if abs(s) < 0.2 else "call" if s > 0 else "put"
        seen.add(direction)
        check(d.get("signal") == direction, "signal %s vs score %r" % (d.get("signal"), s))
        if direction != "neutral":
            check(d.get("confidence") == min(abs(s), 1.0) and d.get("strength") == d.get("confidence"),
                  "confidence %s vs %r" % (d.get("confidence"), s))
            ind_q = d.get("indicators", {})
            check(ind_q.get("rsi") == rsi_q(window, 14) and ind_q.get("ema_12") == ema_q(window, 12)
                  and ind_q.get("ema_26") == ema_q(window, 26) and ind_q.get("close") == window[-1],
                  "quantum indicators %s" % ind_q)
            check(ind_q.get("macd") == ema_q(window, 12) - ema_q(window, 26), "macd")
        else:
            check(d.get("confidence") == 0.0 and d.get("strength") == 0.0, "neutral %s" % d)
        e, d = ask("execute_strategy", {"candles": candles, "strategy": "quantum_flux", "asset": asset})
        valid = direction if min(abs(s), 1.0) >= 0.6 else "neutral"
        check(e == "strategy_result" and d.get("signal") == valid and d.get("asset") == asset,
              "execute %s vs %s (%r)" % (d, valid, s))
    out["directions"] = sorted(seen)
    e, d = ask("generate_signal", {"asset": asset, "strategy": "quantum_flux"})
    s = score_of(closes)
    check(e == "signal_generated" and (d.get("signal") == ("neutral" if abs(s) < 0.2 else "call" if s > 0 else "put")),
          "stored series signal %s vs %r" % (d, s))
    e, d = ask("generate_signal", {"candles": [{"close": c} for c in closes[:30]]})
    check(e == "signal_generated" and d.get("signal") == "neutral" and d.get("confidence") == 0.0
          and "indicators" not in d, "under 50 %s" % d)
    e, d = ask("generate_signal", {"candles": [{"close": c} for c in closes[:60]], "strategy": "nope"})
    check(e == "signal_error" and d == {"error": "Unknown strategy: nope"}, "unknown %s" % d)
    e, d = ask("generate_signal", {"strategy": "quantum_flux"})
    check(e == "signal_error" and d == {"error": "No candles provided"}, "no candles %s" % d)
    e, d = ask("execute_strategy", {"candles": [], "strategy": "quantum_flux"})
    check(e == "strategy_error" and d == {"error": "No candles provided"}, "execute no candles %s" % d)
    some = [{"timestamp": 1756000000 + 60 * i, "open": r["open"], "high": r["high"], "low": r["low"],
             "close": r["close"]} for i, r in enumerate(rows[:200])]
    e, d = ask("generate_signal", {"candles": some, "strategy": "quantum_flux_ta"})
    check(e == "signal_generated" and d.get("strategy") == "quantum_flux_ta"
          and d.get("signal") in ("call", "put", "neutral"), "quantum_flux_ta %s" % d)
    e, d = ask("execute_strategy", {"candles": some, "strategy": "rules", "rules": "call: rsi(14) < 101\n"})
    check(e == "strategy_result" and d.get("signal") == "call", "rules call %s" % d)
    e, d = ask("generate_signal", {"candles": some, "strategy": "rules", "rules": "put: close > 0\n"})
    check(e == "signal_generated" and d.get("signal") == "put" and d.get("confidence") == 1, "rules put %s" % d)
    e, d = ask("generate_signal", {"candles": some, "strategy": "rules", "rules": "call: nope(3) > 1"})
    check(e == "signal_error" and "unknown" in d.get("error", ""), "bad rules %s" % d)

    sio.disconnect()
    out["checks"] = checks
    out["failures"] = failures
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
