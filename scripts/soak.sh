#!/usr/bin/env bash
# Soak test: `qflux stream --demo --demo-rate 10000 --collect-stream both` with 100
# python-socketio clients attached, sampling RSS, open file descriptors and drops.
#   scripts/soak.sh [MINUTES]      default 2 (CI); 30 for the long run
# Environment: SOAK_RATE (10000), SOAK_CLIENTS (100), SOAK_ASSETS (100: one asset per client, so
#   each client gets ~100 updates/s – python-socketio cannot read ~1,250 updates/s per client for
#   100 clients on this machine and then misses its pong), SOAK_CLIENT_PROCS (2 python processes),
#   SOAK_INTERVAL (5 s), SOAK_CONFIG (release), SOAK_RSS_TARGET_MB (64: reported, not enforced),
#   SOAK_GROWTH_MB (8: enforced), SOAK_FROZEN_PCT (20: that share of the clients is frozen and thawed
#   at random by scripts/soak_freezer.py – SIGSTOP for 5–60 s – while the others stream; /health is
#   fetched every 0.5 s meanwhile and must never miss).
# Fails when qflux dies, /health misses once, a reading client is dropped or never receives an update, the fd count grows,
# ticks are dropped by the engine ring, or RSS grows by more than SOAK_GROWTH_MB between the end
# of the warm-up (first third, at least 30 s) and the end. Writes samples to
# .build-soak/soak-samples.csv and a summary line to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
MINUTES=${1:-2}
RATE=${SOAK_RATE:-10000}
CLIENTS=${SOAK_CLIENTS:-100}
ASSETS=${SOAK_ASSETS:-100}
PROCS=${SOAK_CLIENT_PROCS:-2}
INTERVAL=${SOAK_INTERVAL:-5}
CONFIG=${SOAK_CONFIG:-release}
TARGET_MB=${SOAK_RSS_TARGET_MB:-64}
GROWTH_MB=${SOAK_GROWTH_MB:-8}
FROZEN=$(( CLIENTS * ${SOAK_FROZEN_PCT:-20} / 100 ))
READING=$(( CLIENTS - FROZEN ))
DURATION=$(python3 -c "print(int(float('$MINUTES') * 60))")

swift build -c "$CONFIG" --product qflux >&2
QFLUX=$(swift build -c "$CONFIG" --show-bin-path)/qflux
WORK=$(mktemp -d /tmp/qflux-soak.XXXXXX)
mkdir -p .build-soak
SAMPLES=.build-soak/soak-samples.csv
PID=""
CPIDS=()
cleanup() {
  for c in "${CPIDS[@]}"; do kill "$c" 2>/dev/null || true; done
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$QFLUX" stream --demo --demo-rate "$RATE" --demo-assets "$ASSETS" --demo-seed 1 --port 0 --collect-stream both --data-dir "$WORK/data" 2>"$WORK/qflux.err" &
PID=$!
for _ in $(seq 100); do grep -q "http://127.0.0.1:" "$WORK/qflux.err" && break; sleep 0.1; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/qflux.err" | head -1 | cut -d: -f3)
[ -n "$PORT" ] || { cat "$WORK/qflux.err" >&2; echo "soak: qflux did not start" >&2; exit 1; }
echo "soak: qflux pid $PID on port $PORT, $RATE ticks/s over $ASSETS assets, $READING reading clients in $PROCS processes and $FROZEN frozen and thawed at random, ${DURATION}s ($CONFIG build)" >&2

: > .build-soak/clients.err
for k in $(seq 0 $((PROCS - 1))); do
  n=$(( READING / PROCS + (k < READING % PROCS ? 1 : 0) ))
  python3 scripts/soak_clients.py "http://127.0.0.1:$PORT" "$n" "$DURATION" $(( k * (READING / PROCS) )) \
    >"$WORK/clients.$k.out" 2>>.build-soak/clients.err &
  CPIDS+=($!)
done
if [ "$FROZEN" -gt 0 ]; then
  python3 scripts/soak_freezer.py "http://127.0.0.1:$PORT" "$FROZEN" "$DURATION" "$READING" \
    >"$WORK/freezer.out" 2>>.build-soak/clients.err &
  CPIDS+=($!)
fi

echo "t_s,rss_kb,fds,threads,ticks,ring_dropped,server_drops,slow_disconnects,clients,archive_errors,ping_timeouts,coalesced,messages_sent" > "$SAMPLES"
start=$(date +%s)
alive() { for c in "${CPIDS[@]}"; do kill -0 "$c" 2>/dev/null && return 0; done; return 1; }
while alive; do
  sleep "$INTERVAL"
  kill -0 "$PID" 2>/dev/null || { echo "soak: qflux died" >&2; cat "$WORK/qflux.err" >&2; exit 1; }
  rss=$(awk '/^VmRSS/ { print $2 }' /proc/$PID/status)
  fds=$(ls /proc/$PID/fd | wc -l)
  threads=$(awk '/^Threads/ { print $2 }' /proc/$PID/status)
  m=$(curl -s "http://127.0.0.1:$PORT/metrics")
  get() { echo "$m" | awk -v k="$1" '$1 == k { print $2 }'; }
  line="$(( $(date +%s) - start )),$rss,$fds,$threads,$(get qflux_ticks_total),$(get qflux_ring_dropped_total),$(get qflux_server_drops_total),$(get qflux_server_slow_disconnects_total),$(get qflux_server_clients),$(get qflux_archive_errors_total),$(get qflux_server_ping_timeouts_total),$(get qflux_server_coalesced_total),$(get qflux_server_messages_sent_total)"
  echo "$line" >> "$SAMPLES"
  echo "soak: $line" >&2
done
cstatus=0
for c in "${CPIDS[@]}"; do wait "$c" || cstatus=$?; done
CPIDS=()
kill -TERM "$PID"
for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID" && qstatus=0 || qstatus=$?
PID=""

cat "$WORK"/clients.*.out > "$WORK/clients.out"
[ -f "$WORK/freezer.out" ] && cat "$WORK/freezer.out" >> "$WORK/clients.out"
python3 - "$SAMPLES" "$WORK/clients.out" "$cstatus" "$qstatus" "$TARGET_MB" "$GROWTH_MB" "$RATE" "$READING" "$WORK/qflux.err" "$FROZEN" <<'PY'
import csv, json, sys
samples, clients_out, cstatus, qstatus, target, growth, rate, nclients, qerr, nfrozen = sys.argv[1:]
rows = [{k: float(v or 0) for k, v in r.items()} for r in csv.DictReader(open(samples))]
lines = [json.loads(l) for l in open(clients_out) if l.strip().startswith("{")]
freezer = next((l for l in lines if l.get("freezer")), None)
finals = [l for l in lines if l.get("final")]
final = {k: sum(f.get(k, 0) for f in finals) for k in ("connected", "updates", "clients_with_updates", "disconnects")}
errors = [l["error"] for l in lines if "error" in l]
problems = []
if len(rows) < 4:
    problems.append("only %d samples" % len(rows))
else:
    warm = max(1, len(rows) // 3)
    while warm < len(rows) - 2 and rows[warm]["t_s"] < 30: warm += 1
    base = rows[warm]; last = rows[-1]
    peak = max(r["rss_kb"] for r in rows)
    grow = (last["rss_kb"] - base["rss_kb"]) / 1024
    tail = rows[warm:]
    rate_seen = (last["ticks"] - rows[0]["ticks"]) / max(1, last["t_s"] - rows[0]["t_s"])
    print("soak: RSS %.1f MB after warm-up (t=%ds), %.1f MB at the end, peak %.1f MB (target < %s MB: %s); "
          "fds %d→%d; threads %d; %.0f ticks/s; ring drops %d, server drops %d, slow disconnects %d, archive errors %d; "
          "%d/%s clients connected, %d with updates, %d updates"
          % (base["rss_kb"] / 1024, base["t_s"], last["rss_kb"] / 1024, peak / 1024, target,
             "met" if peak / 1024 < float(target) else "NOT met", base["fds"], last["fds"], last["threads"], rate_seen,
             last["ring_dropped"], last["server_drops"], last["slow_disconnects"], last["archive_errors"],
             final.get("connected", 0), nclients, final.get("clients_with_updates", 0), final.get("updates", 0)))
    if grow > float(growth): problems.append("RSS grew %.1f MB after warm-up (limit %s MB)" % (grow, growth))
    # A steady upward trend over the second half also counts, however small the last step.
    half = tail[len(tail) // 2:]
    if len(half) >= 4 and all(b["rss_kb"] > a["rss_kb"] for a, b in zip(half, half[1:])) and grow > float(growth) / 2:
        problems.append("RSS rises at every sample in the second half")
    if last["fds"] > base["fds"] + 5: problems.append("fds grew %d→%d" % (base["fds"], last["fds"]))
    if last["ring_dropped"] > 0: problems.append("%d ticks dropped by the engine ring" % last["ring_dropped"])
    if last["archive_errors"] > 0: problems.append("%d archive errors" % last["archive_errors"])
    if rate_seen < 0.9 * float(rate): problems.append("only %.0f ticks/s of %s" % (rate_seen, rate))
if errors: problems += errors
if int(nfrozen) > 0:
    if freezer is None:
        problems.append("the freezer reported nothing")
    else:
        print("soak: frozen clients: %d freezes of %d clients; /health %d checks, %d missed, slowest %d ms"
              % (freezer["freezes"], freezer["freezable_clients"], freezer["health_checks"],
                 freezer["health_misses"], freezer["health_slowest_ms"]))
        if freezer["health_misses"] > 0: problems.append("/health missed %d of %d times" % (freezer["health_misses"], freezer["health_checks"]))
        if freezer["freezes"] == 0: problems.append("no client was frozen")
if final.get("connected", 0) != int(nclients): problems.append("%s of %s clients still connected" % (final.get("connected"), nclients))
if final.get("clients_with_updates", 0) != int(nclients): problems.append("%s of %s clients got updates" % (final.get("clients_with_updates"), nclients))
if cstatus != "0": problems.append("client swarm exited %s" % cstatus)
if qstatus != "0": problems.append("qflux exited %s on SIGTERM" % qstatus)
err = open(qerr).read()
stopped = [l for l in err.splitlines() if "stopped:" in l]
if stopped: print("soak: " + stopped[-1].strip())
for p in problems: print("soak: FAIL: " + p)
sys.exit(1 if problems else 0)
PY
