"""Waiting on observable state for the test scripts, never for a fixed time (issue 26, item 6).

wait_for(predicate, timeout, what)        – polls predicate() until it is true or timeout passes
await async_wait_for(predicate, timeout, what) – the same inside an asyncio client
metric(url, name)                         – an unlabelled sample of the server's /metrics (None if absent)
server_has_read(sock) / server_closed(sock, port) – what the server did with a raw TCP connection
                                             of ours, from the kernel's table (/proc/net/tcp)

A wait that gives up prints one line on stderr naming what it waited for and returns False: the
script carries on, so the Swift test's own assertion reports the failure with the script's output.
The deadlines are generous (a loaded 2-core machine, sanitizers); the poll is short."""
import asyncio
import sys
import time
import urllib.request


def _gave_up(what, timeout):
    print("waiting.py: gave up after %.1f s waiting for %s" % (timeout, what), file=sys.stderr, flush=True)


def wait_for(predicate, timeout, what, every=0.02):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            _gave_up(what, timeout)
            return False
        time.sleep(every)


async def async_wait_for(predicate, timeout, what, every=0.02):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            _gave_up(what, timeout)
            return False
        await asyncio.sleep(every)


def metric(url, name):
    """The value of the unlabelled sample `name` on URL/metrics, or None."""
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            body = r.read().decode()
    except Exception:
        return None
    for line in body.splitlines():
        if line.startswith(name + " "):
            try:
                return float(line.split()[-1])
            except ValueError:
                return None
    return None


def _hex(address):
    """An IPv4 (host, port) as /proc/net/tcp spells it."""
    return "%08X:%04X" % (int.from_bytes(bytes(map(int, address[0].split("."))), "little"), address[1])


def _server_side(endpoints):
    """(state, rx_queue) of the server's end of our TCP connection (`endpoints`: our address, the
    server's), from /proc/net/tcp; None when that end is gone; "unknown" when the table cannot be read."""
    ours, theirs = endpoints
    local, remote = _hex(theirs), _hex(ours)
    try:
        with open("/proc/net/tcp") as f:
            lines = f.readlines()[1:]
    except OSError:
        return "unknown"
    for line in lines:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return int(fields[3], 16), int(fields[4].split(":")[1], 16)
    return None


def server_has_read(sock, timeout=10, what="the server to read our request"):
    """Waits until the server has taken every byte we sent on `sock` off its socket (its receive
    queue is empty): it has read the request, so it holds it or answers it. Without a readable
    /proc/net/tcp there is nothing to observe and it returns at once."""
    endpoints = peer_endpoint(sock)

    def done():
        s = _server_side(endpoints)
        return s == "unknown" or (s is not None and s[1] == 0)
    return wait_for(done, timeout, what)


def peer_endpoint(sock):
    """(our address, their address) of `sock`, to look the connection up after it is closed."""
    return sock.getsockname(), sock.getpeername()


def server_closed(endpoints, timeout=10, what="the server to close its end of our connection"):
    """Waits until the server's end of a connection we closed (`endpoints` from peer_endpoint
    before closing) is closed too: gone, or past ESTABLISHED (01) and CLOSE_WAIT (08)."""
    def done():
        s = _server_side(endpoints)
        return s is None or s == "unknown" or s[0] not in (0x01, 0x08)
    return wait_for(done, timeout, what)
