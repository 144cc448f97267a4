#!/usr/bin/env python3
"""Clients that freeze and thaw at random while the others stream, for scripts/soak.sh (issue 28:
a client that stops reading – a laptop going to sleep – must never wedge the server).

    scripts/soak_freezer.py URL CLIENTS SECONDS OFFSET

Starts CLIENTS python-socketio clients in processes of 5 (`soak_clients.py … --freezable`: they
reconnect when the server has cut them). Every second it may SIGSTOP one running process for
5–60 s (at most half of them at once), then SIGCONT it: a frozen process's clients read nothing,
so the server's buffers for them fill; one frozen past pingInterval + pingTimeout (45 s) is cut
and reconnects once thawed. Meanwhile /health is fetched every 0.5 s with a 2 s timeout. The last
stdout line is one JSON object: freezes, health checks, misses and the slowest answer (ms).
"""
import json, os, random, signal, subprocess, sys, time, urllib.request

PER_PROCESS = 5


def health(url):
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as r:
            r.read()
            ok = r.status == 200
    except Exception:
        ok = False
    return ok, (time.monotonic() - start) * 1000


def main(url, clients, seconds, offset):
    rng = random.Random(28)
    here = os.path.dirname(os.path.abspath(__file__))
    procs = []
    for k in range(0, clients, PER_PROCESS):
        n = min(PER_PROCESS, clients - k)
        procs.append(subprocess.Popen([sys.executable, os.path.join(here, "soak_clients.py"), url, str(n),
                                       str(seconds), str(offset + k), "--freezable"],
                                      stdout=subprocess.PIPE, text=True))
    thaw_at = {}  # index -> monotonic time
    freezes = checks = misses = 0
    slowest = 0.0
    start = time.monotonic()
    next_health = start
    next_decision = start + 5  # let them connect first
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        for i, t in list(thaw_at.items()):
            if now >= t:
                os.kill(procs[i].pid, signal.SIGCONT)
                del thaw_at[i]
        if now >= next_decision:
            next_decision = now + 1
            running = [i for i, p in enumerate(procs) if i not in thaw_at and p.poll() is None]
            if running and len(thaw_at) < max(1, len(procs) // 2) and rng.random() < 0.5:
                i = rng.choice(running)
                os.kill(procs[i].pid, signal.SIGSTOP)
                thaw_at[i] = now + rng.uniform(5, 60)
                freezes += 1
        if now >= next_health:
            next_health = now + 0.5
            ok, ms = health(url)
            checks += 1
            misses += 0 if ok else 1
            slowest = max(slowest, ms)
        time.sleep(0.05)
    for i in list(thaw_at):
        os.kill(procs[i].pid, signal.SIGCONT)
    finals = []
    for p in procs:
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        finals += [json.loads(l) for l in out.splitlines() if l.strip().startswith("{") and '"final"' in l]
    print(json.dumps({"freezer": True, "freezes": freezes, "health_checks": checks, "health_misses": misses,
                      "health_slowest_ms": round(slowest), "freezable_clients": clients,
                      "freezable_updates": sum(f.get("updates", 0) for f in finals)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])))
