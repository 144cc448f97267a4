#!/usr/bin/env python3
"""The table of scripts/bench-compare.sh: reads DIR/{base,this}-N.json (qflux-bench --json) and
DIR/{base,this}-N.load, prints a markdown table: per figure the median and range of each side and
the change of the medians (higher is better for rates, lower for times – the unit says which).

    scripts/bench_compare.py DIR BASE_LABEL THIS_LABEL
"""
import glob
import json
import os
import statistics
import sys

# Units where a smaller figure is the better one.
LOWER_IS_BETTER = {"ms", "ns", "µs", "s", "B"}


def load(directory, side):
    runs, loads = [], []
    for path in sorted(glob.glob(os.path.join(directory, f"{side}-*.json"))):
        with open(path) as f:
            runs.append(json.load(f))
        load_path = path[:-5] + ".load"
        if os.path.exists(load_path):
            with open(load_path) as f:
                loads.extend(float(x) for x in f.read().split())
    return runs, loads


def figures(runs):
    """(stage, name) -> (unit, [values]) in first-seen order."""
    table = {}
    for run in runs:
        for fig in run.get("figures", []):
            value = fig.get("value")
            if value is None or value != value:  # missing or NaN
                continue
            key = (fig["stage"], fig["name"])
            table.setdefault(key, (fig.get("unit", ""), []))[1].append(float(value))
    return table


def fmt(v):
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.2f} M"
    if a >= 1e4:
        return f"{v / 1e3:.1f} k"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def cell(values):
    if not values:
        return "–"
    m = statistics.median(values)
    if len(values) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(values))}–{fmt(max(values))})"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: bench_compare.py DIR BASE_LABEL THIS_LABEL")
    directory, base_label, this_label = sys.argv[1:]
    base_runs, base_loads = load(directory, "base")
    this_runs, this_loads = load(directory, "this")
    if not base_runs or not this_runs:
        sys.exit(f"bench_compare: no runs in {directory}")
    base, this = figures(base_runs), figures(this_runs)
    machine = this_runs[0].get("machine", "?")
    loads = base_loads + this_loads
    print(f"{machine}; {len(base_runs)} run(s) each, alternating; load average {min(loads):.1f}–{max(loads):.1f}"
          if loads else machine)
    print()
    print(f"| stage | figure | unit | {base_label} | {this_label} | change |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key in list(base) + [k for k in this if k not in base]:
        unit = (base.get(key) or this.get(key))[0]
        b = base.get(key, (unit, []))[1]
        t = this.get(key, (unit, []))[1]
        change = "–"
        if b and t and statistics.median(b) != 0:
            pct = (statistics.median(t) / statistics.median(b) - 1) * 100
            better = pct < 0 if unit in LOWER_IS_BETTER else pct > 0
            change = f"{pct:+.0f} %" + ("" if abs(pct) < 5 else (" ▲" if better else " ▼"))
        print(f"| {key[0]} | {key[1]} | {unit} | {cell(b)} | {cell(t)} | {change} |")


if __name__ == "__main__":
    main()
