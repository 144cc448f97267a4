// plain_decimal.h – private to CSupport: the exact fast path for the plain decimals the shim's
// hand-written scanners meet (tick times and prices, CDP timestamps), without simdjson so the
// CDP scanner can include it alone.
#ifndef QF_PLAIN_DECIMAL_H
#define QF_PLAIN_DECIMAL_H

#include <cstddef>
#include <cstdint>

namespace qf {

/// Parses the plain JSON decimal at `p` (`-?D+(.D+)?`, at most 15 significant digits
/// counted with leading zeros, no exponent, no leading zero before more integer digits) and
/// returns the byte after it, or nullptr for anything else (the caller then uses
/// std::from_chars). Exact: the digits form an integer below 2^53 and 10^k (k <= 15) is exact,
/// so one IEEE division rounds the decimal correctly (Clinger's fast path) – the same double
/// std::from_chars gives, without the call. Ticks' times and prices and CDP timestamps are all
/// of this kind.
inline const char *parse_plain_decimal(const char *p, const char *end, double &out) {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *q = p;
    bool negative = false;
    if (q < end && *q == '-') { negative = true; q++; }
    const char *digits_start = q;
    uint64_t m = 0;
    while (q < end && *q >= '0' && *q <= '9') { m = m * 10 + static_cast<uint64_t>(*q - '0'); q++; }
    ptrdiff_t int_digits = q - digits_start;
    if (int_digits == 0 || (int_digits > 1 && *digits_start == '0')) return nullptr;
    ptrdiff_t frac_digits = 0;
    if (q < end && *q == '.') {
        q++;
        const char *frac_start = q;
        while (q < end && *q >= '0' && *q <= '9') { m = m * 10 + static_cast<uint64_t>(*q - '0'); q++; }
        frac_digits = q - frac_start;
        if (frac_digits == 0) return nullptr;
    }
    if (int_digits + frac_digits > 15) return nullptr;
    if (q < end && (*q == 'e' || *q == 'E')) return nullptr;
    double v = static_cast<double>(m);
    if (frac_digits) v /= kPow10[frac_digits];
    out = negative ? -v : v;
    return q;
}

}  // namespace qf

#endif
