import lz4.frame, re, struct, sys; z = lambda u: u >> 1 ^ -(u & 1)  # pip install lz4; python3 qfa_ticks.py CHUNK
d = lz4.frame.open(sys.argv[1]).read(); v = iter([sum((b & 127) << 7 * i for i, b in enumerate(m)) for m in re.findall(rb'[\x80-\xff]*[\x00-\x7f]', d[14 + int.from_bytes(d[12:14], 'little'):])])
f = lambda a, k: struct.unpack('<d', a.to_bytes(8, 'little', signed=True))[0] if k == 4095 else a / (10 ** k if k < 32 else 2 ** (k - 1056))
s = [[0, 0], [0, 0]]; col = lambda c, st: st.__init__([st[0] + z(c >> 1), st[1]] if c % 2 == 0 else [z(next(v)), c >> 1]) or f(*st)
for c in v: print(repr(col(c, s[0])), repr(col(next(v), s[1])))
