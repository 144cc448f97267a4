/*
 * text_codecs.c – base64 decoding and JSON string unescaping (qf_codecs.h), the two byte
 * transforms on the decode path. Plain C, no allocation; both validate their input and report -1
 * when it is bad.
 */
#include "qf_codecs.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---------------------------------------------------------------------------------------------
 * Base64: four 256-entry tables hold each character's 6-bit value already shifted into place for
 * its position in a quad, so one quad costs four loads, three ORs and a 3-byte store. An invalid
 * character maps to QF_B64_BAD (bit 24 set), which survives the ORs and is tested once per quad.
 * With AVX2 (run-time dispatch), whole 32-character blocks go through b64_decode_avx2_impl
 * below first and these tables take the rest.
 * ------------------------------------------------------------------------------------------- */

#define QF_B64_BAD 0x01000000u

static uint32_t b64_t0[256], b64_t1[256], b64_t2[256], b64_t3[256];
static int b64_ready = 0;

static void b64_init(void) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t t0[256], t1[256], t2[256], t3[256];
    for (int i = 0; i < 256; i++) t0[i] = t1[i] = t2[i] = t3[i] = QF_B64_BAD;
    for (uint32_t v = 0; v < 64; v++) {
        unsigned char c = (unsigned char)alphabet[v];
        t0[c] = v << 18;
        t1[c] = v << 12;
        t2[c] = v << 6;
        t3[c] = v;
    }
    memcpy(b64_t0, t0, sizeof t0);
    memcpy(b64_t1, t1, sizeof t1);
    memcpy(b64_t2, t2, sizeof t2);
    memcpy(b64_t3, t3, sizeof t3);
    __atomic_store_n(&b64_ready, 1, __ATOMIC_RELEASE);
}

static inline void b64_ensure_tables(void) {
    /* Idempotent: two threads racing here write identical values before publishing. */
    if (__builtin_expect(!__atomic_load_n(&b64_ready, __ATOMIC_ACQUIRE), 0)) b64_init();
}

/* Decodes the whole quads of src[i, full) after those the vector kernel took, and the last
   2 or 3 characters (rem); writes from `out`. Returns the end of the output, or NULL when a
   character is not in the alphabet. */
static uint8_t *b64_decode_scalar(const uint8_t *src, size_t i, size_t full, size_t rem, uint8_t *out) {
    uint32_t bad = 0;
    /* Two quads per step: independent loads the CPU overlaps; validity is checked once at the
       end (a bad character only costs the bytes already written to dst). */
    for (; i + 8 <= full; i += 8) {
        uint32_t a = b64_t0[src[i]] | b64_t1[src[i + 1]] | b64_t2[src[i + 2]] | b64_t3[src[i + 3]];
        uint32_t b = b64_t0[src[i + 4]] | b64_t1[src[i + 5]] | b64_t2[src[i + 6]] | b64_t3[src[i + 7]];
        bad |= a | b;
        out[0] = (uint8_t)(a >> 16); out[1] = (uint8_t)(a >> 8); out[2] = (uint8_t)a;
        out[3] = (uint8_t)(b >> 16); out[4] = (uint8_t)(b >> 8); out[5] = (uint8_t)b;
        out += 6;
    }
    for (; i < full; i += 4) {
        uint32_t a = b64_t0[src[i]] | b64_t1[src[i + 1]] | b64_t2[src[i + 2]] | b64_t3[src[i + 3]];
        bad |= a;
        out[0] = (uint8_t)(a >> 16); out[1] = (uint8_t)(a >> 8); out[2] = (uint8_t)a;
        out += 3;
    }
    if (rem == 2) {
        uint32_t a = b64_t0[src[i]] | b64_t1[src[i + 1]];
        bad |= a;
        out[0] = (uint8_t)(a >> 16);
        out += 1;
    } else if (rem == 3) {
        uint32_t a = b64_t0[src[i]] | b64_t1[src[i + 1]] | b64_t2[src[i + 2]];
        bad |= a;
        out[0] = (uint8_t)(a >> 16); out[1] = (uint8_t)(a >> 8);
        out += 2;
    }
    return (bad & QF_B64_BAD) ? NULL : out;
}

static int b64_have_avx2(void);
static size_t b64_decode_avx2(const uint8_t *src, size_t full, int overlap_ok, uint8_t **out, int *bad);

ptrdiff_t qf_base64_decode(const uint8_t *src, size_t len, uint8_t *dst) {
    b64_ensure_tables();
    if (len == 0) return 0;
    /* Up to two '=' at the end of a whole number of quads. */
    size_t n = len;
    if (n % 4 == 0) {
        if (src[n - 1] == '=') n--;
        if (src[n - 1] == '=') n--;
    }
    size_t rem = n % 4;
    if (rem == 1) return -1;
    size_t full = n - rem;
    uint8_t *out = dst;
    size_t i = 0;
    if (full >= 32 && b64_have_avx2()) {
        int bad = 0;
        /* Separate buffers: the kernel may finish with a block overlapping the one before. */
        uintptr_t s0 = (uintptr_t)src, d0 = (uintptr_t)dst;
        int apart = d0 >= s0 + len || d0 + qf_base64_decoded_max(len) <= s0;
        i = b64_decode_avx2(src, full, apart, &out, &bad);
        if (bad) return -1;
    }
    out = b64_decode_scalar(src, i, full, rem, out);
    if (!out) return -1;
    return (ptrdiff_t)(out - dst);
}

/* ---------------------------------------------------------------------------------------------
 * JSON string unescaping, 16 bytes per step (SSE2): a perf-log message has an escape every ~8
 * bytes, where a memchr call per run cost more than the copying (measured: 2.5x slower).
 * ------------------------------------------------------------------------------------------- */

static inline int hex4(const uint8_t *p, uint32_t *out) {
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t c = p[k];
        uint32_t d;
        if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
        else return 0;
        v = (v << 4) | d;
    }
    *out = v;
    return 1;
}

static inline uint8_t *put_utf8(uint8_t *o, uint32_t cp) {
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xC0 | (cp >> 6));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xE0 | (cp >> 12));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (uint8_t)(0xF0 | (cp >> 18));
        *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Handles the escape at p (p[0] == '\\'); advances p and o. Returns 0 on a bad escape. */
static inline int unescape_one(const uint8_t **pp, const uint8_t *end, uint8_t **oo) {
    const uint8_t *p = *pp + 1;
    uint8_t *o = *oo;
    if (p >= end) return 0;
    uint8_t c = *p++;
    switch (c) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
        uint32_t cp;
        if (end - p < 4 || !hex4(p, &cp)) return 0;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
                lo >= 0xDC00 && lo <= 0xDFFF) {
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
                cp = 0xFFFD; /* lone high surrogate: replacement character */
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD; /* lone low surrogate */
        }
        /* 6 escape bytes produce at most 4 output bytes: dst of `len` bytes suffices. */
        o = put_utf8(o, cp);
        break;
    }
    default:
        return 0;
    }
    *pp = p;
    *oo = o;
    return 1;
}

/* Takes the escape at p (p[0] == '\\'): the two escapes of a nested JSON string (\" and \\)
   inline, every other one through unescape_one. Returns 0 on a bad escape. */
static inline int take_escape(const uint8_t **pp, const uint8_t *end, uint8_t **oo) {
    const uint8_t *p = *pp;
    if (p + 1 < end && (p[1] == '"' || p[1] == '\\')) {
        *(*oo)++ = p[1];
        *pp = p + 2;
        return 1;
    }
    return unescape_one(pp, end, oo);
}

static int unescape_blocks_avx2(const uint8_t **p, const uint8_t *end, uint8_t **o);

/* The byte-at-a-time step of qf_json_unescape_string: unescapes string bytes from *pp until
   `stop`, the string's closing quote or an error (escapes may read up to `end`). Returns 1 when
   it reached `stop`, 0 at the closing quote (*pp just past it), -3 at a control byte, -1 at a
   bad escape; *pp and *oo advance either way. */
static inline int unescape_string_bytes(const uint8_t **pp, const uint8_t *stop, const uint8_t *end, uint8_t **oo) {
    const uint8_t *p = *pp;
    uint8_t *o = *oo;
    int r = 1;
    while (p < stop) {
        uint8_t c = *p;
        if (c == '"') {
            p++;
            r = 0;
            break;
        }
        if (c < 0x20) {
            r = -3;
            break;
        }
        if (c != '\\') {
            *o++ = c;
            p++;
            continue;
        }
        if (!unescape_one(&p, end, &o)) {
            r = -1;
            break;
        }
    }
    *pp = p;
    *oo = o;
    return r;
}

ptrdiff_t qf_json_unescape(const uint8_t *src, size_t len, uint8_t *dst) {
    const uint8_t *p = src, *end = src + len;
    uint8_t *o = dst;
    /* Whole 32-byte blocks with AVX2 when this CPU has it; the rest below. */
    if (len >= 32 && !unescape_blocks_avx2(&p, end, &o)) return -1;
#if defined(__SSE2__)
    /* 16 bytes at a time: store them unconditionally, then find the first backslash. The store
       never passes dst + len, because the output never runs ahead of the input. */
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        _mm_storeu_si128((__m128i *)o, v);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash));
        if (mask == 0) {
            p += 16;
            o += 16;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(mask);
        p += k;
        o += k;
        if (!take_escape(&p, end, &o)) return -1;
    }
#endif
    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        if (!unescape_one(&p, end, &o)) return -1;
    }
    return (ptrdiff_t)(o - dst);
}

/* ---------------------------------------------------------------------------------------------
 * AVX-512 VBMI2 kernel for qf_json_unescape_string: 64 bytes per step whatever the escape density
 * (a perf-log message has an escape every ~8 bytes). Escaped characters are found with simdjson's
 * odd-backslash-run arithmetic; the escaping backslashes are squeezed out with vpcompressb (the
 * register form, fast on Zen 4 and Ice Lake alike). Blocks holding escapes other than \" \\ \/
 * (\n, \u…) are left to the scalar code. Chosen at run time when the CPU has AVX-512 VBMI2.
 * ------------------------------------------------------------------------------------------- */
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define QF_HAVE_AVX512_KERNEL 1
/* unescape_string_avx512's result when it stops before the closing quote (at *stop_in /
   *stop_out) and leaves the rest to the portable code. */
#define QF_KERNEL_STOPPED (-4)

__attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,bmi2,popcnt")))
static ptrdiff_t unescape_string_avx512(const uint8_t *src, const uint8_t *end, uint8_t *dst,
                                        const uint8_t **after, const uint8_t **stop_in, uint8_t **stop_out) {
    const uint64_t odd_bits = 0xAAAAAAAAAAAAAAAAULL;
    const __m512i backslash = _mm512_set1_epi8('\\');
    const __m512i quote = _mm512_set1_epi8('"');
    const __m512i slash = _mm512_set1_epi8('/');
    const __m512i space = _mm512_set1_epi8(0x20);
    const uint8_t *p = src;
    uint8_t *o = dst;
    /* Every block starts outside an escape: a block ending in an escaping backslash hands that
       pair to the portable code (see below), so no carry crosses blocks. */
    while (p < end) {
        size_t left = (size_t)(end - p);
        uint64_t valid = left >= 64 ? ~0ULL : ((1ULL << left) - 1);
        __m512i v = _mm512_maskz_loadu_epi8(valid, p);
        uint64_t bs = _mm512_cmpeq_epi8_mask(v, backslash) & valid;
        uint64_t qt = _mm512_cmpeq_epi8_mask(v, quote) & valid;
        uint64_t ctl = _mm512_cmplt_epu8_mask(v, space) & valid;
        /* simdjson's escape scanner: `escaped` marks bytes that follow an escaping backslash. */
        uint64_t maybe = bs << 1;
        uint64_t codes = ((maybe | odd_bits) - bs) ^ odd_bits;
        uint64_t escaped = codes ^ bs;
        uint64_t starters = bs & ~escaped;
        uint64_t terminal = qt & ~escaped;
        uint64_t take = terminal ? (terminal & (0 - terminal)) - 1 : valid;
        /* Escapes other than \" \\ \/, or control bytes: the portable code takes this block. */
        uint64_t simple = qt | bs | _mm512_cmpeq_epi8_mask(v, slash);
        if ((escaped & take & ~simple) || (ctl & take)) break;
        /* An escaping backslash in the last taken byte: its pair straddles the block end. */
        uint64_t last = terminal ? 0 : (left >= 64 ? (1ULL << 63) : (1ULL << (left - 1)));
        uint64_t split = starters & last;
        uint64_t keep = take & ~starters;
        __m512i packed = _mm512_maskz_compress_epi8(keep, v);
        _mm512_storeu_si512((void *)o, packed);
        o += __builtin_popcountll(keep);
        if (terminal) {
            *after = p + __builtin_ctzll(terminal) + 1;
            return (ptrdiff_t)(o - dst);
        }
        if (split) {
            p += __builtin_ctzll(split);   /* at the backslash: the portable code takes the pair */
            break;
        }
        p += left >= 64 ? 64 : left;
    }
    *stop_in = p;
    *stop_out = o;
    return QF_KERNEL_STOPPED;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * AVX2 kernel for qf_json_unescape_string: the AVX-512 kernel's method in 32-byte blocks for CPUs
 * without AVX-512 VBMI2 (AMD Zen 2/3, most Intel desktops). Without vpcompressb, the escaping
 * backslashes are squeezed out 8 bytes at a time: a 256-entry table gives the pshufb indices of
 * each byte mask's set bits (the "despacer" method), and four overlapping 8-byte stores place the
 * groups. Loads only whole blocks before `end`; the tail is left to the SSE2/scalar code. A block
 * holding other escapes or control bytes goes through the scalar code, which then carries on
 * from wherever that block's last escape ended.
 * ------------------------------------------------------------------------------------------- */
#if defined(QF_HAVE_AVX512_KERNEL)
#define QF_HAVE_AVX2_KERNEL 1

/* compact_index[m]: the byte indices of m's set bits, packed from byte 0 (the rest 0). */
static uint64_t compact_index[256];
static int compact_ready = 0;

static void compact_init(void) {
    uint64_t t[256];
    for (unsigned m = 0; m < 256; m++) {
        uint64_t v = 0;
        unsigned k = 0;
        for (unsigned b = 0; b < 8; b++)
            if (m >> b & 1) v |= (uint64_t)b << (8 * k++);
        t[m] = v;
    }
    memcpy(compact_index, t, sizeof t);
    __atomic_store_n(&compact_ready, 1, __ATOMIC_RELEASE);
}

/* Writes the bytes of the 32-byte block `v` whose bit is set in `keep` to `o`, in order, and
   returns the output's new end: four 8-byte lane groups squeezed with the pshufb index tables,
   four 8-byte stores, each at most 8 bytes past the output so far (within the block's room). */
__attribute__((target("avx2,bmi,popcnt")))
static inline uint8_t *compact_store_avx2(__m256i v, uint32_t keep, uint8_t *o) {
    const uint64_t lane_high = 0x0808080808080808ULL; /* the second 8 bytes of each 16-byte lane */
    uint64_t k0 = keep & 0xFF, k1 = keep >> 8 & 0xFF, k2 = keep >> 16 & 0xFF, k3 = keep >> 24;
    __m256i index = _mm256_setr_epi64x((long long)compact_index[k0], (long long)(compact_index[k1] + lane_high),
                                       (long long)compact_index[k2], (long long)(compact_index[k3] + lane_high));
    __m256i packed = _mm256_shuffle_epi8(v, index);
    __m128i lo = _mm256_castsi256_si128(packed), hi = _mm256_extracti128_si256(packed, 1);
    _mm_storel_epi64((__m128i *)o, lo);
    o += __builtin_popcount((unsigned)k0);
    _mm_storel_epi64((__m128i *)o, _mm_unpackhi_epi64(lo, lo));
    o += __builtin_popcount((unsigned)k1);
    _mm_storel_epi64((__m128i *)o, hi);
    o += __builtin_popcount((unsigned)k2);
    _mm_storel_epi64((__m128i *)o, _mm_unpackhi_epi64(hi, hi));
    return o + __builtin_popcount((unsigned)k3);
}

__attribute__((target("avx2,bmi,popcnt")))
static ptrdiff_t unescape_string_avx2(const uint8_t *src, const uint8_t *end, uint8_t *dst,
                                      const uint8_t **after, const uint8_t **stop_in, uint8_t **stop_out) {
    const uint64_t odd_bits = 0xAAAAAAAAAAAAAAAAULL;
    const __m256i backslash = _mm256_set1_epi8('\\');
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i slash = _mm256_set1_epi8('/');
    const __m256i below_space = _mm256_set1_epi8(0x1F);
    const uint8_t *p = src;
    uint8_t *o = dst;
    /* Every block starts outside an escape: a pair straddling a block end is taken by
       take_escape, a block with other escapes by the scalar code, both of which end after it. */
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        uint32_t bs = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash));
        uint32_t qt = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote));
        uint32_t ctl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, below_space), v));
        if ((bs | qt | ctl) == 0) {
            _mm256_storeu_si256((__m256i *)o, v);
            p += 32;
            o += 32;
            continue;
        }
        /* simdjson's escape scanner: `escaped` marks bytes that follow an escaping backslash. */
        uint64_t b = bs;
        uint32_t escaped = (uint32_t)(((((b << 1) | odd_bits) - b) ^ odd_bits) ^ b);
        uint32_t starters = bs & ~escaped;
        uint32_t terminal = qt & ~escaped;
        uint32_t take = terminal ? (terminal & (0u - terminal)) - 1 : 0xFFFFFFFFu;
        uint32_t sl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, slash));
        if ((escaped & take & ~(qt | bs | sl)) || (ctl & take)) {
            /* \n, \u…, a bad escape or a control byte: this block byte by byte. */
            int r = unescape_string_bytes(&p, p + 32, end, &o);
            if (r == 0) {
                *after = p;
                return (ptrdiff_t)(o - dst);
            }
            if (r < 0) return r;
            continue;
        }
        uint32_t keep = take & ~starters;
        o = compact_store_avx2(v, keep, o);
        if (terminal) {
            *after = p + __builtin_ctz(terminal) + 1;
            return (ptrdiff_t)(o - dst);
        }
        if (starters & ~keep & 0x80000000u) {
            /* An escaping backslash in the last byte: its pair straddles the block end. */
            p += 31;
            if (!take_escape(&p, end, &o)) return -1;
            continue;
        }
        p += 32;
    }
    *stop_in = p;
    *stop_out = o;
    return QF_KERNEL_STOPPED;
}

/* The same for qf_json_unescape (the whole of src..end is string content: no terminal quote,
   control bytes copied as they are). Takes whole 32-byte blocks and returns where it stopped
   (*o_io: the output there); the caller finishes the tail. 0 on a bad escape. */
__attribute__((target("avx2,bmi,popcnt")))
static int unescape_avx2(const uint8_t **p_io, const uint8_t *end, uint8_t **o_io) {
    const uint64_t odd_bits = 0xAAAAAAAAAAAAAAAAULL;
    const __m256i backslash = _mm256_set1_epi8('\\');
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i slash = _mm256_set1_epi8('/');
    const uint8_t *p = *p_io;
    uint8_t *o = *o_io;
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        uint32_t bs = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash));
        if (bs == 0) {
            _mm256_storeu_si256((__m256i *)o, v);
            p += 32;
            o += 32;
            continue;
        }
        uint64_t b = bs;
        uint32_t escaped = (uint32_t)(((((b << 1) | odd_bits) - b) ^ odd_bits) ^ b);
        uint32_t starters = bs & ~escaped;
        uint32_t simple = bs | (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, slash)));
        if (escaped & ~simple) {
            const uint8_t *stop = p + 32;
            while (p < stop) {
                if (*p != '\\') {
                    *o++ = *p++;
                    continue;
                }
                if (!unescape_one(&p, end, &o)) return 0;
            }
            continue;
        }
        uint32_t keep = ~starters;
        o = compact_store_avx2(v, keep, o);
        if (starters & 0x80000000u) {
            /* An escaping backslash in the last byte: its pair straddles the block end. */
            p += 31;
            if (!take_escape(&p, end, &o)) return 0;
            continue;
        }
        p += 32;
    }
    *p_io = p;
    *o_io = o;
    return 1;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * AVX2 base64 decoding (Muła and Lemire, "Faster Base64 Encoding and Decoding using AVX2
 * Instructions", 2018; the lookup tables as in Klomp's libbase64): 32 characters per step.
 * Two nibble-indexed pshufb lookups flag any byte outside the alphabet (their AND is non-zero),
 * a third gives the offset from ASCII to the 6-bit value; pmaddubsw and pmaddwd pack four
 * values into three bytes, a pshufb and a vpermd gather the 24 bytes, which are stored as
 * 16 + 8 bytes, so the output never passes 3/4 of the input consumed: decoding in place (dst ==
 * src) stays safe, and dst needs no room beyond qf_base64_decoded_max. Only whole 32-character
 * blocks of the whole quads are taken; the rest (and the padding) goes to the scalar code. A
 * block with a bad character makes the whole input invalid, as in the scalar code.
 * ------------------------------------------------------------------------------------------- */
#if defined(QF_HAVE_AVX2_KERNEL)
__attribute__((target("avx2")))
static size_t b64_decode_avx2_impl(const uint8_t *src, size_t full, int overlap_ok, uint8_t **out, int *bad) {
    const __m256i lut_lo = _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A,
                                            0x1B, 0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                            0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m256i lut_hi = _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10,
                                            0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
                                            0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i slash = _mm256_set1_epi8('/');
    const __m256i pack_lane = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                               2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    uint8_t *o = *out;
    size_t i = 0;
    for (;; i += 32) {
        if (i + 32 > full) {
            if (!overlap_ok || i == full) break;
            /* The last whole quads: one more block ending at `full`, over quads already decoded
               (they give the same bytes again). Only when dst does not overlap src: in place,
               those input bytes may already have been overwritten by output. */
            size_t back = i + 32 - full;  /* a multiple of 4 below 32 */
            i -= back;
            o -= back / 4 * 3;
            overlap_ok = 0;
        }
        __m256i v = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(v, 4), nibble);
        __m256i lo_nibbles = _mm256_and_si256(v, nibble);
        __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
        __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
        if (!_mm256_testz_si256(lo, hi)) {
            *bad = 1;
            break;
        }
        /* '/' shares its high nibble with '+': one index lower picks its own offset. */
        __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(_mm256_cmpeq_epi8(v, slash), hi_nibbles));
        __m256i values = _mm256_add_epi8(v, roll);
        /* 00aaaaaa 00bbbbbb 00cccccc 00dddddd -> aaaaaabb bbbbcccc ccdddddd, per 32-bit word */
        __m256i pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
        __m256i words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
        __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(words, pack_lane), pack_lanes);
        _mm_storeu_si128((__m128i *)o, _mm256_castsi256_si128(packed));
        _mm_storel_epi64((__m128i *)(o + 16), _mm256_extracti128_si256(packed, 1));
        o += 24;
    }
    *out = o;
    return i;
}
#endif

static int force_portable = 0;

void qf_codecs_force_portable(int on) { __atomic_store_n(&force_portable, on ? 1 : 0, __ATOMIC_RELAXED); }

static int have_avx512_kernel(void) {
#if defined(QF_HAVE_AVX512_KERNEL)
    static int cached = -1;
    if (__atomic_load_n(&force_portable, __ATOMIC_RELAXED)) return 0;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        c = __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw") ? 1 : 0;
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
#else
    return 0;
#endif
}

static int have_avx2_kernel(void) {
#if defined(QF_HAVE_AVX2_KERNEL)
    static int cached = -1;
    if (__atomic_load_n(&force_portable, __ATOMIC_RELAXED)) return 0;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt") ? 1 : 0;
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
#else
    return 0;
#endif
}

static int b64_have_avx2(void) { return have_avx2_kernel(); }

/* qf_json_unescape's AVX2 part: advances *p and *o over the whole blocks it takes (none without
   AVX2). 0 on a bad escape. */
static int unescape_blocks_avx2(const uint8_t **p, const uint8_t *end, uint8_t **o) {
#if defined(QF_HAVE_AVX2_KERNEL)
    if (have_avx2_kernel()) {
        if (__builtin_expect(!__atomic_load_n(&compact_ready, __ATOMIC_ACQUIRE), 0)) compact_init();
        return unescape_avx2(p, end, o);
    }
#else
    (void)p; (void)end; (void)o;
#endif
    return 1;
}

static size_t b64_decode_avx2(const uint8_t *src, size_t full, int overlap_ok, uint8_t **out, int *bad) {
#if defined(QF_HAVE_AVX2_KERNEL)
    return b64_decode_avx2_impl(src, full, overlap_ok, out, bad);
#else
    (void)src; (void)full; (void)overlap_ok; (void)out; (void)bad;
    return 0;
#endif
}

ptrdiff_t qf_json_unescape_string(const uint8_t *src, const uint8_t *end, uint8_t *dst, const uint8_t **after) {
    const uint8_t *p = src;
    uint8_t *o = dst;
#if defined(QF_HAVE_AVX512_KERNEL)
    if (have_avx512_kernel()) {
        while (p < end) {
            const uint8_t *stop_in = p;
            uint8_t *stop_out = o;
            ptrdiff_t n = unescape_string_avx512(p, end, o, after, &stop_in, &stop_out);
            if (n != QF_KERNEL_STOPPED) return (o - dst) + n;
            p = stop_in;
            o = stop_out;
            /* A pair split across blocks: take it here and go on with the fast kernel. */
            if (p < end && *p == '\\') {
                if (!take_escape(&p, end, &o)) return -1;
                continue;
            }
            break;  /* a block the kernel leaves to the portable code */
        }
    } else
#endif
#if defined(QF_HAVE_AVX2_KERNEL)
    if (have_avx2_kernel()) {
        if (__builtin_expect(!__atomic_load_n(&compact_ready, __ATOMIC_ACQUIRE), 0)) compact_init();
        const uint8_t *stop_in = p;
        uint8_t *stop_out = o;
        ptrdiff_t n = unescape_string_avx2(p, end, o, after, &stop_in, &stop_out);
        if (n != QF_KERNEL_STOPPED) return n;
        p = stop_in;   /* fewer than 32 bytes left: the SSE2/scalar code below */
        o = stop_out;
    }
#endif
#if defined(__SSE2__)
    /* As qf_json_unescape, but stops at the first unescaped quote and rejects control bytes. */
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        _mm_storeu_si128((__m128i *)o, v);
        /* control bytes: unsigned v < 0x20  <=>  max(v, 0x20) != v */
        __m128i control = _mm_xor_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, space), v), _mm_set1_epi8(-1));
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, quote)), control);
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask == 0) {
            p += 16;
            o += 16;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(mask);
        p += k;
        o += k;
        if (*p == '"') {
            *after = p + 1;
            return (ptrdiff_t)(o - dst);
        }
        if (*p < 0x20) return -3;
        if (!take_escape(&p, end, &o)) return -1;
    }
#endif
    int r = unescape_string_bytes(&p, end, end, &o);
    if (r == 0) {
        *after = p;
        return (ptrdiff_t)(o - dst);
    }
    return r < 0 ? r : -2;
}
