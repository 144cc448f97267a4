// qf_format_double: Swift's `Double.description` layout over the shortest round-trip digits of
// std::to_chars (libstdc++ ≥ 11: Ryu). Only noexcept calls (to_chars, memcpy, strlen): nothing
// throws across extern "C".
#include "qf_float_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace {

size_t copy_literal(const char *text, uint8_t *out, size_t cap) {
    size_t n = std::strlen(text);
    if (n > cap) return 0;
    std::memcpy(out, text, n);
    return n;
}

// The shared body: `plainIntegers` drops the ".0" of integral values below 10^15 (not -0);
// `significant` receives the number of shortest digits (0 for zero, NaN and infinities).
size_t format(double value, uint8_t *out, size_t cap, bool plainIntegers, int *significant) noexcept {
    *significant = 0;
    if (std::isnan(value)) return copy_literal("nan", out, cap);
    if (std::isinf(value)) return copy_literal(value < 0 ? "-inf" : "inf", out, cap);
    if (value == 0) {
        if (std::signbit(value)) return copy_literal("-0.0", out, cap);
        return copy_literal(plainIntegers ? "0" : "0.0", out, cap);
    }

    // Scientific form of the shortest digits: [-]d[.ddd]e±XX.
    char sci[QF_FORMAT_DOUBLE_MAX];
    auto result = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
    if (result.ec != std::errc()) return 0;
    const char *end = result.ptr;
    const char *p = sci;
    bool negative = *p == '-';
    if (negative) ++p;
    // d[.ddd]: the first digit, then the fraction digits between the point and the 'e' (copied
    // in runs below, not byte by byte).
    const char *e = static_cast<const char *>(std::memchr(p, 'e', static_cast<size_t>(end - p)));
    if (e == nullptr || e == p) return 0;
    const char *first = p;
    const char *fraction = e - p > 1 ? p + 2 : e;
    if (e - p > 1 && p[1] != '.') return 0;
    int fractionCount = static_cast<int>(e - fraction);
    int count = 1 + fractionCount;
    if (count > 20) return 0;
    *significant = count;
    const char *x = e + 1;
    bool negativeExponent = *x == '-';
    ++x; // sign
    int exponent = 0;
    while (x < end) exponent = exponent * 10 + (*x++ - '0');
    if (negativeExponent) exponent = -exponent;

    if (exponent < -4 || std::fabs(value) > 0x1.0p53) {
        // Swift's exponential form is the scientific form itself.
        size_t n = static_cast<size_t>(end - sci);
        if (n > cap) return 0;
        std::memcpy(out, sci, n);
        return n;
    }

    // Plain decimal: sign, integer digits (or 0), point, fraction digits (at least one, unless
    // `plainIntegers` drops the ".0").
    int integerDigits = exponent + 1;
    int length = exponent < 0 ? 1 - exponent + count
                              : (count > integerDigits ? count + 1 : integerDigits + 2);
    if (static_cast<size_t>(length + (negative ? 1 : 0)) > cap) return 0;
    uint8_t *q = out;
    if (negative) *q++ = '-';
    if (exponent < 0) {
        *q++ = '0';
        *q++ = '.';
        for (int i = -1; i > exponent; --i) *q++ = '0';
        *q++ = static_cast<uint8_t>(*first);
        std::memcpy(q, fraction, static_cast<size_t>(fractionCount));
        q += fractionCount;
    } else {
        *q++ = static_cast<uint8_t>(*first);
        int inInteger = exponent < fractionCount ? exponent : fractionCount;
        std::memcpy(q, fraction, static_cast<size_t>(inInteger));
        q += inInteger;
        for (int i = inInteger; i < exponent; ++i) *q++ = '0';
        if (count > integerDigits) {
            *q++ = '.';
            std::memcpy(q, fraction + inInteger, static_cast<size_t>(fractionCount - inInteger));
            q += fractionCount - inInteger;
        } else if (!plainIntegers || std::fabs(value) >= 1e15) {
            *q++ = '.';
            *q++ = '0';
        }
    }
    return static_cast<size_t>(q - out);
}

} // namespace

extern "C" size_t qf_format_double(double value, uint8_t *out, size_t cap) {
    int significant = 0;
    return format(value, out, cap, false, &significant);
}

extern "C" size_t qf_format_decimal(double value, uint8_t *out, size_t cap, int *significant) {
    return format(value, out, cap, true, significant);
}
