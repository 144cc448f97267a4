#!/usr/bin/env python3
"""The backtest stage's plain-Python timing: `run_backtest` of the tests' reference script.

Run by `qflux-bench backtest` (Sources/qflux-bench/Stages/BacktestStage.swift).
Usage: backtest_reference_timer.py REFERENCE CANDLES
  REFERENCE  Tests/AnalysisTests/Scripts/quantum_flux_reference.py
  CANDLES    a JSON array of {timestamp, open, high, low, close} the bench wrote

Times run_backtest alone (interpreter start and JSON loading excluded) and prints
"SECONDS TRADES ENDING_BALANCE" so the bench can check it made the same trades as qflux.
"""
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("quantum_flux_reference", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
candles = json.load(open(sys.argv[2]))
t0 = time.perf_counter(); r = m.run_backtest(candles); dt = time.perf_counter() - t0
print(dt, len(r["trades"]), repr(r["statistics"]["ending_balance"]))
