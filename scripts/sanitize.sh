#!/usr/bin/env bash
# Runs the test suite under sanitizers, each build in its own scratch path:
#   scripts/sanitize.sh [address|thread]…     default: both
#   address  every test but the disk-full one (see ASAN_SKIP), `swift test --sanitize=address`
#            (.build-rel-asan), leaks checked (suppressions: scripts/sanitizers/lsan.supp)
#   thread   the concurrent parts – ring, pipeline, server, live stream, archive kill/fault
#            tests, parallel replay, the Redis publisher, source and archiver, the signal engine,
#            journal and payout tape, the PostgreSQL archiver and loader, and the analysis code
#            that uses a second thread: the CSV reader's halves, the indicator grid's blocks, the
#            archive runs (the Redis suites start a private redis-server: it must be on the PATH,
#            else they are skipped) – under
#            `swift test --sanitize=thread` (.build-rel-tsan), except the disk-full tests (the
#            TSan runtime itself dies of SIGBUS under RLIMIT_FSIZE)
#            (suppressions: scripts/sanitizers/tsan.supp; none names a qflux type)
# Child processes the tests start (the built qflux) are sanitized too. Exit status non-zero on
# any failure or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(address thread)
SUPP="$PWD/scripts/sanitizers"
TSAN_FILTER=${TSAN_FILTER:-'Ring|Pipeline|Server|Stream|Reliability|ArchiveKill|Chrome|Replay|Redis|Signal|Postgres|Payout|CandleCSV|IndicatorGrid|AnalysisArchiveRuns'}
# The TSan runtime dies with SIGBUS under RLIMIT_FSIZE, which the disk-full tests use (the
# stream's and the Redis archiver's: all named diskFull…).
# ServerInboundLimitTests count the replies a flood gets within a fixed window (3 s); a TSan
# build answers several times slower, so those counts cannot hold there (they run in every
# `make test` and under ASan).
TSAN_SKIP=${TSAN_SKIP:-'diskFull|ServerInboundLimitTests'}
# The disk-full test needs the demo's 8,000 ticks/s; a debug + ASan qflux makes ~1,400 (measured
# 2026-11-26), so its "still streaming" checks cannot hold there. It runs in every plain `make test`.
ASAN_SKIP=${ASAN_SKIP:-'diskFull'}
mkdir -p .build-sanitize-logs

run() { # run MODE SCRATCH [FILTER [SKIP]]
  local mode=$1 scratch=$2 filter=${3:-} skip=${4:-}
  local log=.build-sanitize-logs/$mode.log
  local start=$(date +%s)
  echo "sanitize: building for $mode ($scratch)" >&2
  swift build --build-tests --scratch-path "$scratch" --sanitize="$mode" >"$log.build" 2>&1 || {
    tail -30 "$log.build" >&2; echo "sanitize: $mode build failed" >&2; return 1; }
  echo "sanitize: testing under $mode${filter:+ (filter $filter)}" >&2
  local args=(test --skip-build --scratch-path "$scratch" --sanitize="$mode")
  [ -n "$filter" ] && args+=(--filter "$filter")
  [ -n "$skip" ] && args+=(--skip "$skip")
  local status=0
  swift "${args[@]}" >"$log" 2>&1 || status=$?
  local reports
  reports=$(grep -c -E "ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:" "$log" || true)
  grep -E "Test run with|Executed .* tests" "$log" | tail -2 >&2 || true
  echo "sanitize: $mode: exit $status, $reports sanitizer reports, $(( $(date +%s) - start )) s (log: $log)" >&2
  if [ "$status" != 0 ] || [ "$reports" != 0 ]; then
    grep -E -A12 "ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:" "$log" | head -60 >&2
    grep -E "✘" "$log" | head -20 >&2 || true
    return 1
  fi
}

failed=()
for m in "${MODES[@]}"; do
  case $m in
    address)
      export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
      export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
      run address .build-rel-asan "" "$ASAN_SKIP" || failed+=(address) ;;
    thread)
      export TSAN_OPTIONS="suppressions=$SUPP/tsan.supp:halt_on_error=0:second_deadlock_stack=1"
      run thread .build-rel-tsan "$TSAN_FILTER" "$TSAN_SKIP" || failed+=(thread) ;;
    *) echo "sanitize: unknown mode $m (address, thread)" >&2; exit 2 ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then echo "sanitize: FAILED: ${failed[*]}" >&2; exit 1; fi
echo "sanitize: clean (${MODES[*]})" >&2
