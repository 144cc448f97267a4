// plain_decimal.h – private to CSupport: the exact fast path for the plain decimals the shim's
// hand-written scanners meet (tick times and prices, CDP timestamps), without simdjson so the
// CDP scanner can include it alone.
#ifndef QF_PLAIN_DECIMAL_H
#define QF_PLAIN_DECIMAL_H

#include "json_grammar.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace qf {

/// m / 10^k correctly rounded (to nearest, ties to even) for any m < 2^64 and k <= 19, in integer
/// arithmetic: one 128-by-64-bit division gives the quotient to 63 or 64 bits plus a sticky
/// remainder, which is rounded to 53 bits. The result is a normal double (>= 1e-19), so its bits
/// are put together directly.
inline double divide_pow10_exact(uint64_t m, int k) {
    static constexpr uint64_t kPow10Int[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
                                             10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
                                             100000000000ULL, 1000000000000ULL, 10000000000000ULL,
                                             100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
                                             100000000000000000ULL, 1000000000000000000ULL,
                                             10000000000000000000ULL};
    if (m == 0) return 0.0;
    uint64_t d = kPow10Int[k];
    int bm = 64 - __builtin_clzll(m), bd = 64 - __builtin_clzll(d);
    // m * 2^s / d lies in (2^62, 2^64): the quotient fits 64 bits with at least 63 significant.
    int s = 63 + bd - bm;
    unsigned __int128 n = static_cast<unsigned __int128>(m) << s;
    uint64_t q, r;
#if defined(__x86_64__)
    uint64_t hi = static_cast<uint64_t>(n >> 64), lo = static_cast<uint64_t>(n);
    __asm__("divq %[d]" : "=a"(q), "=d"(r) : [d] "r"(d), "a"(lo), "d"(hi) : "cc");
#else
    q = static_cast<uint64_t>(n / d);
    r = static_cast<uint64_t>(n % d);
#endif
    int shift = 11 - __builtin_clzll(q);  // bits below the 53 kept: 11 (q >= 2^63) or 10
    uint64_t kept = q >> shift;
    uint64_t below = q & ((uint64_t(1) << shift) - 1), half = uint64_t(1) << (shift - 1);
    if (below > half || (below == half && (r != 0 || (kept & 1)))) kept++;
    // value = kept * 2^(shift - s); kept in [2^52, 2^53] (2^53 after a carry: one more exponent).
    int exponent = shift - s + 52;
    if (kept == (uint64_t(1) << 53)) { kept >>= 1; exponent++; }
    uint64_t bits = (static_cast<uint64_t>(exponent + 1023) << 52) | (kept & ((uint64_t(1) << 52) - 1));
    double v;
    __builtin_memcpy(&v, &bits, sizeof v);
    return v;
}

/// The value of eight digits already taken down to 0…9 per byte, the first digit in the lowest
/// byte (simdjson's parse_eight_digits_unrolled): three multiplications instead of eight
/// dependent multiply-adds.
inline uint32_t eight_digit_bytes_value(uint64_t v) {
    v = v * 10 + (v >> 8);
    constexpr uint64_t mask = 0x000000FF000000FFULL;
    constexpr uint64_t mul1 = 0x000F424000000064ULL;  // 100 + (1000000 << 32)
    constexpr uint64_t mul2 = 0x0000271000000001ULL;  // 1 + (10000 << 32)
    return static_cast<uint32_t>((((v & mask) * mul1) + (((v >> 16) & mask) * mul2)) >> 32);
}

/// The value of eight ASCII digits at `p`.
inline uint32_t eight_digits_value(const char *p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return eight_digit_bytes_value(v - 0x3030303030303030ULL);
}

/// `m` followed by the decimal digits [p, q) (the caller keeps the total at 19 digits or fewer).
/// A last group of 1…7 digits is read as eight bytes and shifted up behind leading zeros, so up
/// to 7 bytes past `q` must be readable (the shim's inputs have QF_PADDING): no per-digit loop
/// whose length changes from number to number (a tick's time and price parse ~17 % faster).
inline uint64_t append_digits(uint64_t m, const char *p, const char *q) {
    static constexpr uint64_t kPow10Int[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
                                             10000000ULL};
    for (; q - p >= 8; p += 8) m = m * 100000000ULL + eight_digits_value(p);
    ptrdiff_t rest = q - p;
    if (rest > 0) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        // Subtracting first: a byte past the digits can only borrow from the bytes after it,
        // which the shift drops with it. Little-endian: the first digit is the lowest byte.
        v = (v - 0x3030303030303030ULL) << (8 * (8 - rest));
        m = m * kPow10Int[rest] + eight_digit_bytes_value(v);
    }
    return m;
}

/// Parses the plain JSON decimal at `p` (`-?D+(.D+)?`, at most 19 significant digits
/// counted with leading zeros, no exponent, no leading zero before more integer digits) and
/// returns the byte after it, or nullptr for anything else (the caller then uses
/// std::from_chars). Exact, the same double std::from_chars gives, without the call: the digits
/// form an integer m < 10^19; up to 15 digits m < 2^53 and 10^k (k <= 15) are exact, so one IEEE
/// division rounds correctly (Clinger's fast path); 16 to 19 digits (CDP timestamps written in
/// shortest form, 1000.0274999999999) go through divide_pow10_exact. Ticks' times and prices and
/// CDP timestamps are all of this kind. Up to 7 bytes past `end` may be read (append_digits).
inline const char *parse_plain_decimal(const char *p, const char *end, double &out) {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *q = p;
    bool negative = false;
    if (q < end && *q == '-') { negative = true; q++; }
    const char *int_start = q, *int_end = digits_end(q, end);
    ptrdiff_t int_digits = int_end - int_start;
    if (int_digits == 0 || (int_digits > 1 && *int_start == '0')) return nullptr;
    q = int_end;
    const char *frac_start = q, *frac_end = q;
    if (q < end && *q == '.') {
        frac_start = q + 1;
        frac_end = digits_end(frac_start, end);
        if (frac_end == frac_start) return nullptr;
        q = frac_end;
    }
    ptrdiff_t frac_digits = frac_end - frac_start;
    if (int_digits + frac_digits > 19) return nullptr;
    if (q < end && (*q == 'e' || *q == 'E')) return nullptr;
    uint64_t m = append_digits(append_digits(0, int_start, int_end), frac_start, frac_end);
    double v;
    if (int_digits + frac_digits <= 15) {
        v = static_cast<double>(m);
        if (frac_digits) v /= kPow10[frac_digits];
    } else {
        v = divide_pow10_exact(m, static_cast<int>(frac_digits));
    }
    out = negative ? -v : v;
    return q;
}

/// Any JSON number at `p` as a double: the exact fast path above, else the grammar-checked
/// std::from_chars (json_number_convert). Returns the byte after it, or nullptr when the bytes are
/// not a JSON number or it is out of a double's range (where simdjson fails too). Up to 7 bytes
/// past `end` may be read.
inline const char *json_number_to_double(const char *p, const char *end, double &out) {
    if (const char *after = parse_plain_decimal(p, end, out)) return after;
    return json_number_convert(p, end, out);
}

}  // namespace qf

#endif
