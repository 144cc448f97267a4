// json_grammar.h – private to CSupport: the JSON number grammar (RFC 8259 §6) for the shim's
// hand-written scanners, which must reject exactly what simdjson rejects. std::from_chars alone
// is more lenient: it takes `01`, `1.`, `1.e5`, `inf` and `nan`.
#ifndef QF_JSON_GRAMMAR_H
#define QF_JSON_GRAMMAR_H

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qf {

/// The first byte at or after `q` (and before `end`) that is not an ASCII digit: eight bytes per
/// step while eight remain before `end` (one branch per eight digits, not one per digit).
inline const char *digits_end(const char *q, const char *end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - q >= 8) {
        uint64_t x;
        std::memcpy(&x, q, 8);
        // '0'..'9' become 0..9; a byte is a digit iff that is below 10 and its top bit is clear:
        // (b & 0x7f) + 0x76 sets bit 7 exactly for b >= 10 and never carries into the next byte.
        uint64_t a = x ^ 0x3030303030303030ULL;
        uint64_t other = (((a & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL) | a) & 0x8080808080808080ULL;
        if (other) return q + (__builtin_ctzll(other) >> 3);
        q += 8;
    }
#endif
    while (q < end && *q >= '0' && *q <= '9') q++;
    return q;
}

/// The first byte at or after `q` that is a quote, a backslash, a control byte or non-ASCII –
/// where a run of plain string bytes ends – or `end`: 16 bytes per step. The input must have
/// at least 16 readable bytes past `end` (the shim's inputs have QF_PADDING); the result may lie
/// past `end` when such a byte follows in the padding: callers treat anything at or past `end`
/// as the end.
inline const uint8_t *next_special(const uint8_t *q, const uint8_t *end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (q < end) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
        // signed compare: bytes >= 0x80 are negative, so v < 0x20 catches them and controls.
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmpgt_epi8(space, v));
        unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
        if (mask) return q + __builtin_ctz(mask);
        q += 16;
    }
    return end;
#else
    while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80) q++;
    return q;
#endif
}

/// Copies the plain string bytes from `q` to `o` up to where next_special stops, and returns
/// that position (`o` advanced by as many bytes): 16 bytes per step, each block stored whole
/// before it is looked at, so `o` needs 16 bytes of room past what it receives, and `q` 16
/// readable bytes past `end`. The result may lie past `end`, as next_special's may.
inline const uint8_t *copy_plain_bytes(const uint8_t *q, const uint8_t *end, uint8_t *&o) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (q < end) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(o), v);
        // signed compare: bytes >= 0x80 are negative, so v < 0x20 catches them and controls.
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmpgt_epi8(space, v));
        unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
        if (mask) {
            unsigned k = static_cast<unsigned>(__builtin_ctz(mask));
            o += k;
            return q + k;
        }
        q += 16;
        o += 16;
    }
    return q;
#else
    while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80) *o++ = *q++;
    return q;
#endif
}

/// The end of the JSON number starting at `p` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
/// or nullptr when the bytes from `p` do not start with one. The caller still checks what follows
/// (a digit cannot: the grammar takes every digit it can).
inline const char *json_number_end(const char *p, const char *end) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const char *q = p;
    if (q < end && *q == '-') q++;
    if (q == end || !digit(*q)) return nullptr;
    q = *q == '0' ? q + 1 : digits_end(q, end);
    if (q < end && *q == '.') {
        q++;
        if (q == end || !digit(*q)) return nullptr;
        q = digits_end(q, end);
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q == end || !digit(*q)) return nullptr;
        q = digits_end(q, end);
    }
    return q;
}

/// The end of the JSON literal (`true`, `false`, `null`) starting at `p`, or nullptr.
inline const char *json_literal_end(const char *p, const char *end) {
    static constexpr std::string_view words[] = {"true", "false", "null"};
    for (auto w : words)
        if (static_cast<size_t>(end - p) >= w.size() && std::memcmp(p, w.data(), w.size()) == 0) return p + w.size();
    return nullptr;
}

/// Converts the JSON number at `p` into `out` (a double, or an integer type that must hold it
/// exactly: `1.0`, `1e3` or one past the type's range fail) and returns the byte after it, or
/// nullptr when the bytes are not a JSON number or do not convert. std::from_chars alone is more
/// lenient than the grammar (see above), so the grammar goes first.
template <typename T>
inline const char *json_number_convert(const char *p, const char *end, T &out) {
    const char *stop = json_number_end(p, end);
    if (!stop) return nullptr;
    auto r = std::from_chars(p, stop, out);
    return r.ec == std::errc() && r.ptr == stop ? stop : nullptr;
}

}  // namespace qf

#endif
