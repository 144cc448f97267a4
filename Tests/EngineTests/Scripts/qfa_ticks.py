import lz4.frame, struct, sys  # pip install lz4; python3 qfa_ticks.py CHUNK  (a format-2 tick chunk)
d = lz4.frame.open(sys.argv[1]).read(); b = ''.join(f'{x:08b}' for x in d[18 + int.from_bytes(d[12:14], 'little'):]); i = 0
def bits(n): global i; i += n; return int(b[i - n:i] or '0', 2)  # the next n bits, most significant first
def value(c):  # c = a column's [a, k, s, m]; returns its next Double
    global i; q = min(b.index('1', i) - i, 12); i += q + (q < 12); z = lambda u: u >> 1 ^ -(u & 1)
    if q == 12 and bits(1): c[:] = [z(bits(bits(7))), bits(12), 0, 0]  # escape 1: new integer a and scale k
    else:  # a Rice code (q < 12) or escape 0: the residual u; e = the change of a
        p = max((c[2] >> 4).bit_length() - 1, 0); u = bits(bits(7)) if q == 12 else q << p | bits(p); e = z(u) + (c[3] >> 4)
        c[0] += e; c[2:] = [u << 4, e << 4] if c[2] == 0 else [c[2] + u - (c[2] >> 4), c[3] + e - (c[3] >> 4)]
    return struct.unpack('<d', c[0].to_bytes(8, 'little', signed=True))[0] if c[1] == 4095 else c[0] / (10 ** c[1] if c[1] < 32 else 2 ** (c[1] - 1056))
s = [[0] * 4, [0] * 4]; end = b.rfind('1')
while i <= end: print(repr(value(s[0])), repr(value(s[1])))
