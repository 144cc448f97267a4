"""Fetches /api/signals of a running qflux with a plain HTTP client (urllib): the whole journal,
the pages `limit` gives (following next_since), and bad arguments. Prints one JSON object.
Usage: signals_api_fetch.py BASE_URL PAGE_LIMIT"""
import json, sys, urllib.error, urllib.request

base, page = sys.argv[1], int(sys.argv[2])

def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=20) as r:
            return r.status, r.headers.get("Content-Type"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.loads(e.read() or b"null")

out = {}
status, ctype, body = get("/api/signals")
out["all"] = {"status": status, "type": ctype, "body": body}
pages, since = [], 0
for _ in range(100):
    status, _, body = get("/api/signals?since=%d&limit=%d" % (since, page))
    pages.append({"status": status, "body": body})
    if status != 200 or body.get("next_since") is None:
        break
    since = body["next_since"]
out["pages"] = pages
out["bad"] = {p: get(p)[0] for p in ["/api/signals?since=abc", "/api/signals?limit=0", "/api/signals?since=-5"]}
print(json.dumps(out))
