#!/usr/bin/env python3
"""Generates the fuzzers' seed corpora from the test fixtures (nothing is committed but this).

    fuzz/seeds.py OUT_DIR [QFLUX_BINARY]

OUT_DIR/<target>/ gets one file per seed:
  line      CDP and perf-log lines from Tests/FastDecodeTests/Fixtures (a sample of each kind)
  event     Socket.IO event arrays (selector 0) and binary attachments (selectors 1-5: every kind)
  codecs    base64 payloadData strings and escaped perf-log message strings
  engineio  Engine.IO / Socket.IO client messages the server front parses (whole and fragmented)
  archive   chunk files written by `qflux replay --collect-stream both` over the fixtures (with
            QFLUX_BINARY), a truncated copy of each, each decoded stream (also as a bomb: + zeros),
            each file with a sparse tail, and the format-1 fixtures
  export    record descriptions (see fuzz/swift/ArchiveExportFuzz.swift): plausible candle and tick
            series, each with absurd values (every table entry, raw bit patterns) among them
  csv       the candle CSV fixtures of Tests/AnalysisTests/Fixtures (whole, cut short, with CRLF)
            and small files of every time form, quoted fields, volumes and bad rows
  rules     the rules examples of docs/analysis.md and the tests, and issue 28's shapes in the
            repeating form (nested '(' / 'not' / unary '-', '+' and 'and' chains)
"""
import base64, hashlib, json, pathlib, subprocess, sys, tempfile

try:
    import lz4.frame
except ImportError:  # the decoded-stream seeds need python lz4 (scripts/setup.sh --test installs it)
    lz4 = None

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "FastDecodeTests" / "Fixtures"


def put(out: pathlib.Path, data: bytes):
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def strip_header(text: str) -> str:
    i = 0
    while i < len(text) and text[i].isdigit():
        i += 1
    if i < len(text) and text[i] == "-":
        i += 1
    return text[i:]


def main():
    out = pathlib.Path(sys.argv[1])
    qflux = sys.argv[2] if len(sys.argv) > 2 else None
    seen_shapes = {}
    for path in sorted(FIXTURES.glob("*.jsonl")):
        if path.name.endswith(".ticks.jsonl"):
            continue
        perflog = ".perflog." in path.name
        for n, raw in enumerate(path.read_bytes().splitlines()):
            entry = json.loads(raw)
            cdp = json.loads(entry["message"])["message"] if perflog else entry
            resp = cdp.get("params", {}).get("response", {})
            payload = resp.get("payloadData")
            opcode = resp.get("opcode")
            key = (perflog, cdp.get("method"), opcode, (payload or "")[:12])
            # A sample: the first few lines of every (form, method, opcode, payload start).
            seen_shapes[key] = seen_shapes.get(key, 0) + 1
            if seen_shapes[key] <= 3:
                put(out / "line", raw)
            if payload is None or seen_shapes[key] > 6:
                continue
            if opcode == 1:
                put(out / "event", b"\x00" + strip_header(payload).encode())
                if perflog:
                    put(out / "codecs", json.dumps(entry["message"])[1:-1].encode())
            else:
                put(out / "codecs", payload.encode())
                body = base64.b64decode(payload)
                for selector in range(1, 7):
                    put(out / "event", bytes([selector]) + body)
                put(out / "event", bytes([0x81]) + body)  # small result buffers
    # Hand-written shapes the fixtures lack.
    for sel, text in [(0, '["loadHistoryPeriodFast",{"asset":"EURUSD_otc","index":1756866000,"data":[{"time":1756866000,"open":1.1,"close":1.2,"high":1.3,"low":1.0}],"period":60}]'),
                      (0, '["updateCharts",[{"chart_id":"graph","settings":"{\\"symbol\\":\\"EURUSD_otc\\",\\"chartPeriod\\":4,\\"fastTimeframe\\":5}"}]]'),
                      (0, '["successauth",{"id":"x"}]'),
                      (0, '["updateAssets",[[5,"#AAPL","Apple","stock",2,50,60,30,3,0,170,0,[],1756917300,false]]]'),
                      (6, '[[1,"A","a","t",0,80,0,0,0,1,0,0,[],0,true],["x"],5,[2,"B"],[3,"C","c","t",0,"92"],[4,"D","d","t",0,-3]]'),
                      (0, '["updateStream",{"_placeholder":true,"num":0}]'),
                      # Absurd numbers (hardening): overflowing, negative, non-JSON infinities.
                      (2, '[["EURUSD_otc",1e300,1.1],["EURUSD_otc",-1e300,1e300],["X",1e19,-Infinity]]'),
                      (2, '[["EURUSD_otc",-Infinity,NaN],["EURUSD_otc",1756866774.962,0],["A",9007199254740993,-0.0]]'),
                      (3, '{"asset":"EURUSD_otc","period":60,"history":[[1e300,1.1],[-1,-1]],"candles":[[1e19,1,2,3,4,5]]}')]:
        put(out / "event", bytes([sel]) + text.encode())

    for msg in ["40", '40{"token":"secret"}', "41", '42["start_stream",{"asset":"EURUSD_otc","timeframe":60}]',
                '421["get_available_data"]', '42["change_asset",{"asset":"GBPUSD"}]', '42["stop_stream"]',
                '42/admin,7["x",1,2.5,null,true,{"a":[]}]', "43/admin,12[1]", "2probe", "3", "5", "6", "1",
                '42["a","\\u00e9\\ud83d\\ude00"]']:
        put(out / "engineio", b"\x80" + msg.encode())  # whole message, then a reuse check
        put(out / "engineio", b"\x02" + msg.encode())  # in 3-byte fragments

    if qflux:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = [str(p) for p in sorted(FIXTURES.glob("*.cdp.jsonl"))]
            subprocess.run([qflux, "replay", *inputs, "--quiet", "--timeframes", "5s,1m", "--collect-stream", "both",
                            "--data-dir", tmp, "--tick-chunk-size", "40", "--candle-chunk-size", "10",
                            "--signals", "quantum_flux@5s"],
                           check=True, stdout=subprocess.DEVNULL)
            journal = sorted((pathlib.Path(tmp) / "signals.journal").glob("*.lz4*"))  # signal records, encoding 4
            for chunk in journal + sorted(pathlib.Path(tmp).rglob("*.lz4*"))[:40]:
                data = chunk.read_bytes()
                put(out / "archive", b"\x00" + data)  # the file as written
                put(out / "archive", b"\x00" + data[: len(data) * 2 // 3])  # cut short (a crash)
                if lz4 and not chunk.name.endswith(".open"):
                    put(out / "archive", b"\x01" + lz4.frame.decompress(data))  # the decoded stream
                    put(out / "archive", b"\x03\xff" + lz4.frame.decompress(data))  # + 8 MB of zeros (a bomb)
                    put(out / "archive", b"\x04\xff" + data)  # + a 1 GB sparse tail
    # Format-1 chunks (written before format 2) and an orphaned .open one.
    for chunk in sorted((ROOT / "Tests" / "EngineTests" / "Fixtures" / "archive-v1").rglob("*.lz4*")):
        put(out / "archive", b"\x00" + chunk.read_bytes())
    export_seeds(out / "export")
    rules_seeds(out / "rules")
    csv_seeds(out / "csv")
    for d in sorted(out.iterdir()):
        print(f"seeds: {d.name}: {len(list(d.iterdir()))} files", file=sys.stderr)


def csv_seeds(out: pathlib.Path):
    for path in sorted((ROOT / "Tests" / "AnalysisTests" / "Fixtures").glob("*.csv")):
        data = path.read_bytes()
        put(out, data)
        put(out, data[: len(data) // 3])
        put(out, data.replace(b"\n", b"\r\n"))
    for text in [
        "timestamp,open,close,high,low\n2025-09-03 02:32:00,1.1,1.2,1.3,1.0\n2025-09-03T02:33:00Z,1.2,1.1,1.25,1.05\n",
        "Time,Open,High,Low,Close,Volume\n2025-01-01 00:00:00.25+01:00,1,3,0.5,2,77\n2025-01-01,1,3,0.5,2,\n",
        "1735689600,1,2,3,0.5\n1735689660000,1e0,+2,.3e1,0.5,\"9\"\n \t\n1735689720.5,1,2,3,x\n",
        "\"date\",\"close\",\"open\",\"low\",\"high\"\n\"2025-01-01 00:00\",\"1.5\",1,1,2\n",
    ]:
        put(out, text.encode())


def export_seeds(out: pathlib.Path):
    """Record descriptions: a selector byte per field (0x00-0x7F plausible, 0x80-0xBF absurd
    table entries, 0xC0-0xFF followed by 8 raw bytes)."""
    import struct
    sane_candle = bytes([64, 66, 64, 64, 0, 9])  # open, close, high, low, start, ticks
    sane_tick = bytes([64, 65])  # time, price
    put(out, b"\x00" + sane_candle * 120)
    put(out, b"\x01" + sane_tick * 400)
    for k in range(20):  # every absurd table entry, in every field
        for field in range(6):
            c = bytearray(sane_candle)
            c[field] = 0x80 + k
            put(out, b"\x00" + sane_candle * 60 + bytes(c) + sane_candle * 60)
        for field in range(2):
            t = bytearray(sane_tick)
            t[field] = 0x80 + k
            put(out, b"\x01" + sane_tick * 100 + bytes(t) + sane_tick * 100)
    for v in [1e308, float("nan"), float("inf"), -1.0, 9.3e18]:
        raw = b"\xc0" + struct.pack(">d", v)
        put(out, b"\x00" + sane_candle * 30 + raw + sane_candle[1:] + sane_candle * 30)
        put(out, b"\x01" + sane_tick * 50 + raw + sane_tick[1:] + sane_tick * 50)


def rules_seeds(out: pathlib.Path):
    texts = [
        "param lo = 30\ncall: rsi(14) < $lo and close < bbands(20,2).lower\nput:  rsi(14) > 100 - $lo and close > bbands(20,2).upper\n",
        "call: ema(9) crosses_above ema(21); put: ema(9) crosses_below ema(21)",
        "call: close < bbands(20,2.5).lower and stoch(14,3,3).k < 20",
        "put:  macd().hist < 0 and adx(14) > 25 and close < supertrend(10,3)",
        "call: (close - sma(20)) / atr(14) < -2",
        "# oversold\ncall: rsi(14) < < 30\n",
        "call: not (willr(14) > -20) or cci(20) < -100 and roc(10) != 0; put: wma(5) >= open * 1.001",
    ]
    for t in texts:
        put(out, b"\x00" + t.encode())
    # Repeating form: byte 1 x 16 repetitions of UNIT between PREFIX and SUFFIX.
    for prefix, unit, suffix, n in [(b"call: ", b"(", b"close > 1", 160), (b"call: ", b"not ", b"close > 1", 250),
                                    (b"put: close > ", b"-", b"1", 250), (b"call: close > 1", b"+1", b"", 250),
                                    (b"put: 1<2", b" and 1<2", b"", 250), (b"call: close > 0", b" + 0", b"", 1)]:
        put(out, b"\x01" + bytes([n]) + prefix + b"\x00" + unit + b"\x00" + suffix)


if __name__ == "__main__":
    main()
