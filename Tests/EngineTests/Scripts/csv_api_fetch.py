"""Fetches the CSV API of a running qflux as the original GUI does (plain HTTP, urllib): the
listing, the listing filtered by ?timeframe=, every listed CSV of ASSET (parsed by position), and a
few traversal attempts. Prints one JSON object. Usage: csv_api_fetch.py BASE_URL ASSET"""
import csv, io, json, sys, urllib.error, urllib.request

base, asset = sys.argv[1], sys.argv[2]

def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=20) as r:
            return r.status, r.headers.get("Content-Type"), r.headers.get("Transfer-Encoding"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), None, e.read()

out = {}
status, ctype, _, body = get("/api/available-csv-files")
out["listing"] = {"status": status, "type": ctype, "body": json.loads(body)}
status, _, _, body = get("/api/available-csv-files?timeframe=tick")
out["ticks_only"] = json.loads(body)
out["csv"] = {}
for f in out["listing"]["body"]["files"]:
    if f["asset"] != asset:
        continue
    status, ctype, te, body = get("/api/csv-data/" + f["filename"])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    out["csv"][f["filename"]] = {"status": status, "type": ctype, "transfer_encoding": te, "rows": rows,
                                 "bytes": len(body), "timeframe": f["timeframe"], "size": f["size"], "path": f["path"]}
out["traversal"] = {p: get(p)[0] for p in ["/api/csv-data/..%2f..%2fetc%2fpasswd", "/api/csv-data/../../etc/passwd",
                                           "/api/csv-data/%2e%2e", "/api/csv-data/nothing_here.csv"]}
print(json.dumps(out))
