#!/usr/bin/env bash
# Before/after figures in the same run: builds qflux-bench (release) at BASE and at the working
# tree, runs them alternately (base, this, base, this, …) and prints one markdown table of the
# medians and ranges per figure, with the load average of each run.
#   scripts/bench-compare.sh BASE [RUNS] [QFLUX-BENCH ARGS…]
#     BASE   a git revision (the base build lives in .build-compare/, a worktree kept between runs)
#     RUNS   runs of each binary (default 2)
#     ARGS   passed to both, e.g. `--quick --no-python decode replay` (default: every stage)
# BENCH_COMPARE_TREE=DIR uses the git worktree DIR for the base instead (its build is reused).
# The raw JSON of every run is kept in .build-compare/results/. On a shared machine alternate
# at least twice and read the ranges, not one figure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
# Each side runs its own revision's Python programs (qflux-bench finds them in the tree it was
# built from), not one directory named for both.
unset QFLUX_BENCH_SCRIPTS
[ $# -ge 1 ] || { echo "usage: scripts/bench-compare.sh BASE [RUNS] [QFLUX-BENCH ARGS…]" >&2; exit 2; }
BASE=$1; shift
RUNS=2
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then RUNS=$1; shift; fi
REV=$(git rev-parse --verify --quiet "$BASE^{commit}") || { echo "bench-compare: no such revision: $BASE" >&2; exit 2; }

ROOT=$PWD
WORK=$ROOT/.build-compare
TREE=${BENCH_COMPARE_TREE:-$WORK/tree}
OUT=$WORK/results/$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$WORK" "$OUT"
if [ -d "$TREE" ]; then
  git -C "$TREE" checkout -q --detach "$REV"
else
  git worktree add -q --detach "$TREE" "$REV"
fi
echo "bench-compare: building base ${REV:0:10} and this tree (release)…" >&2
# Every product, as `make release` builds them: the bench's whole-process figures run the qflux
# beside qflux-bench, which must be of the same revision.
(cd "$TREE" && swift build -c release --static-swift-stdlib >"$OUT/build-base.log" 2>&1) \
  || { echo "bench-compare: the base build failed (see $OUT/build-base.log)" >&2; exit 1; }
swift build -c release --static-swift-stdlib >"$OUT/build-this.log" 2>&1 \
  || { echo "bench-compare: this tree's build failed (see $OUT/build-this.log)" >&2; exit 1; }

for i in $(seq 1 "$RUNS"); do
  for side in base this; do
    bin=$ROOT/.build/release/qflux-bench
    [ "$side" = base ] && bin=$TREE/.build/release/qflux-bench
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "bench-compare: run $i/$RUNS, $side (load $load)…" >&2
    "$bin" --json "$@" >"$OUT/$side-$i.json" 2>"$OUT/$side-$i.log" \
      || { echo "bench-compare: the $side run failed (see $OUT/$side-$i.log)" >&2; exit 1; }
    echo "$load $(cut -d' ' -f1 /proc/loadavg)" >"$OUT/$side-$i.load"
  done
done
python3 scripts/bench_compare.py "$OUT" "${REV:0:10}" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"
