#!/usr/bin/env python3
"""The analysis stage's pandas + TA-Lib baseline: what a user runs instead of `qflux indicators`.

Run by `qflux-bench analysis` (Sources/qflux-bench/Stages/AnalysisStage.swift), as a whole process.
Usage: analysis_pandas_talib.py CANDLES OUTPUT FORMAT SPEC
  CANDLES  candle CSV with a header (timestamp,open,close,high,low; epoch seconds)
  OUTPUT   file to write
  FORMAT   csv or jsonl (pandas to_csv / to_json(orient="records", lines=True))
  SPEC     rsi or rsi_macd_bbands: RSI(14), or RSI(14) + MACD(12,26,9) + BBANDS(20,2,2) – the
           columns `qflux indicators --indicators 'rsi(14),macd(12,26,9),bbands(20,2)'` writes

Prints the number of rows written.
"""
import sys

import pandas as pd
import talib

path, output, fmt, spec = sys.argv[1:5]
df = pd.read_csv(path)
close = df["close"].to_numpy(dtype="float64")
out = pd.DataFrame({"timestamp": df["timestamp"]})
out["rsi_14"] = talib.RSI(close, timeperiod=14)
if spec == "rsi_macd_bbands":
    macd, signal, hist = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    out["macd_12_26_9"] = macd
    out["macd_12_26_9_signal"] = signal
    out["macd_12_26_9_hist"] = hist
    upper, middle, lower = talib.BBANDS(close, timeperiod=20, nbdevup=2, nbdevdn=2)
    out["bbands_20_2_upper"] = upper
    out["bbands_20_2_middle"] = middle
    out["bbands_20_2_lower"] = lower
if fmt == "csv":
    out.to_csv(output, index=False)
else:
    out.to_json(output, orient="records", lines=True)
print(len(out))
