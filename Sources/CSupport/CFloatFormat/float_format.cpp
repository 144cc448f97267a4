// qf_format_double: Swift's `Double.description` layout over the shortest round-trip digits,
// found by Giulietti's Schubfach ("The Schubfach way to render doubles", 2020): three 128×64-bit
// products against a table of powers of ten (shortest_pow10.h), no digit-by-digit search, no
// big-number fallback. The digits are those of std::to_chars' shortest form (the formatter this
// replaced; libstdc++'s is Ryu): the shortest that parse back to the same double, the nearest to
// it among those, ties to the even one. The text is written straight from the digit integer
// (16-17 digits, the common indicator outputs, as two 8-digit runs stored around the point).
#include "qf_float_format.h"

#include <cstring>

#include "shortest_pow10.h"

namespace {

using qf_shortest::kPow10;
using qf_shortest::kPow10Min;

/// A finite nonzero double as digits × 10^exponent (digits has no trailing zeros, ≤ 17 digits).
struct Decimal {
    uint64_t digits;
    int exponent;
};

/// floor(x / 2^n) for the small negative x below (arithmetic shift).
inline int floor_shift(int x, int n) { return x >> n; }

/// The upper 64 bits of g × cp (g 128 bits), rounded to odd: the low bit set when any discarded
/// bit is (Schubfach's exact-enough estimate of the scaled boundaries).
inline uint64_t round_to_odd(const qf_shortest::Pow10 &g, uint64_t cp) {
    using u128 = unsigned __int128;
    const u128 x = static_cast<u128>(cp) * g.low;
    const u128 y = static_cast<u128>(cp) * g.high + static_cast<uint64_t>(x >> 64);
    const uint64_t y0 = static_cast<uint64_t>(y);
    const uint64_t y1 = static_cast<uint64_t>(y >> 64);
    return y1 | (y0 > 1 ? 1 : 0);
}

/// The shortest round-trip digits of a finite nonzero |value| given its IEEE fields.
inline Decimal shortest(uint64_t fraction, int biasedExponent) {
    uint64_t c;
    int q;
    if (biasedExponent != 0) {
        c = (uint64_t{1} << 52) | fraction;
        q = biasedExponent - 1075;
        // Integers below 2^53: the value itself (every shorter candidate is a whole unit away).
        if (q <= 0 && q > -53 && (c & ((uint64_t{1} << -q) - 1)) == 0) {
            uint64_t n = c >> -q;
            int e = 0;
            while (n % 10 == 0) {
                n /= 10;
                ++e;
            }
            return {n, e};
        }
    } else {
        c = fraction;
        q = -1074;
    }
    const bool even = (c & 1) == 0;
    // A power of two (not the smallest normal) has a lower neighbour half as far as the upper.
    const bool lowerCloser = fraction == 0 && biasedExponent > 1;
    const uint64_t cbl = 4 * c - 2 + (lowerCloser ? 1 : 0);
    const uint64_t cb = 4 * c;
    const uint64_t cbr = 4 * c + 2;
    // k = floor(log10(2^q)), or floor(log10(3/4 · 2^q)) when the lower neighbour is closer.
    const int k = floor_shift(q * 1262611 - (lowerCloser ? 524031 : 0), 22);
    // h = q + floor(log2(10^-k)) + 1, in 1…4.
    const int h = q + floor_shift(-k * 1741647, 19) + 1;
    const qf_shortest::Pow10 &g = kPow10[-k - kPow10Min];
    const uint64_t vbl = round_to_odd(g, cbl << h);
    const uint64_t vb = round_to_odd(g, cb << h);
    const uint64_t vbr = round_to_odd(g, cbr << h);
    // The rounding interval, closed when c is even (round-half-even reads its ends back as v).
    const uint64_t lower = vbl + (even ? 0 : 1);
    const uint64_t upper = vbr - (even ? 0 : 1);

    uint64_t digits = 0;
    int exponent = k;
    const uint64_t s = vb / 4;
    bool done = false;
    if (s >= 10) {
        // One digit fewer: s' 10^(k+1) or (s' + 1) 10^(k+1), when exactly one is in the interval.
        const uint64_t sp = s / 10;
        const bool upInside = lower <= 40 * sp;
        const bool wpInside = 40 * sp + 40 <= upper;
        if (upInside != wpInside) {
            digits = sp + (wpInside ? 1 : 0);
            exponent = k + 1;
            done = true;
        }
    }
    if (!done) {
        const bool uInside = lower <= 4 * s;
        const bool wInside = 4 * s + 4 <= upper;
        if (uInside != wInside) {
            digits = s + (wInside ? 1 : 0);
        } else {
            // Both (or, never, neither) in the interval: the nearer to v, ties to even.
            const uint64_t mid = 4 * s + 2;
            const bool up = vb > mid || (vb == mid && (s & 1) != 0);
            digits = s + (up ? 1 : 0);
        }
        exponent = k;
    }
    while (digits % 10 == 0) {
        digits /= 10;
        ++exponent;
    }
    return {digits, exponent};
}

/// "00" "01" … "99".
constexpr char kTwoDigits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr uint64_t kPowersOf10[20] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
};

/// Number of decimal digits of n ≥ 1.
inline int digit_count(uint64_t n) {
    const int bits = 64 - __builtin_clzll(n);
    const int t = (bits * 1233) >> 12;
    return t + (n >= kPowersOf10[t] ? 1 : 0);
}

/// Writes the two digits of n < 100 at p.
inline void write_pair(uint8_t *p, uint32_t n) { std::memcpy(p, kTwoDigits + 2 * n, 2); }

/// The 8 ASCII digits of n < 10^8 (leading zeros included) in one register, the first digit in
/// the lowest byte (memory order on a little-endian machine): SWAR – both 4-digit halves, then
/// all four pairs, then all eight digits split at once by multiply-and-shift (exact below 10^4 and
/// 100), no table, no dependent divisions.
inline uint64_t eight_digits(uint32_t n) {
    const uint32_t high = n / 10000;
    uint64_t x = high | (uint64_t{n - high * 10000} << 32);
    const uint64_t hundreds = ((x * 10486) >> 20) & 0x0000007F0000007Full;
    x = hundreds | ((x - hundreds * 100) << 16);
    const uint64_t tens = ((x * 103) >> 10) & 0x000F000F000F000Full;
    x = tens | ((x - tens * 10) << 8);
    return x | 0x3030303030303030ull;
}

/// n < 10^17 as 17 ASCII digits (leading zeros included): the first, then two runs of 8.
struct Seventeen {
    uint8_t top;
    uint64_t middle;
    uint64_t low;
};

inline Seventeen seventeen_digits(uint64_t n) {
    const uint64_t high = n / 100000000;
    const uint32_t low = static_cast<uint32_t>(n - high * 100000000);
    const uint32_t top = static_cast<uint32_t>(high / 100000000);
    const uint32_t middle = static_cast<uint32_t>(high - uint64_t{top} * 100000000);
    return {static_cast<uint8_t>('0' + top), eight_digits(middle), eight_digits(low)};
}

/// Stores 8 bytes (a run of eight_digits) at p.
inline void store8(uint8_t *p, uint64_t bytes) { std::memcpy(p, &bytes, 8); }

size_t copy_literal(const char *text, uint8_t *out, size_t cap) {
    size_t n = std::strlen(text);
    if (n > cap) return 0;
    std::memcpy(out, text, n);
    return n;
}

/// The text into `out` (room for QF_FORMAT_DOUBLE_MAX bytes); its length.
size_t layout(double value, uint8_t *out, bool plainIntegers, int *significant) noexcept {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const bool negative = (bits >> 63) != 0;
    const int biasedExponent = static_cast<int>((bits >> 52) & 0x7FF);
    const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
    *significant = 0;
    if (biasedExponent == 0x7FF) {
        if (fraction != 0) return copy_literal("nan", out, QF_FORMAT_DOUBLE_MAX);
        return copy_literal(negative ? "-inf" : "inf", out, QF_FORMAT_DOUBLE_MAX);
    }
    if (biasedExponent == 0 && fraction == 0) {
        if (negative) return copy_literal("-0.0", out, QF_FORMAT_DOUBLE_MAX);
        return copy_literal(plainIntegers ? "0" : "0.0", out, QF_FORMAT_DOUBLE_MAX);
    }
    const Decimal d = shortest(fraction, biasedExponent);
    const int count = digit_count(d.digits);
    *significant = count;
    const Seventeen runs = seventeen_digits(d.digits);
    // The decimal exponent of the first digit (scientific notation's).
    const int exponent = d.exponent + count - 1;
    uint8_t *q = out;
    if (negative) *q++ = '-';
    // |value| > 2^53: the biased exponent is over 1023 + 53, or equal with a nonzero fraction.
    const bool huge = biasedExponent > 1076 || (biasedExponent == 1076 && fraction != 0);
    const int integerDigits = exponent + 1;
    if (count >= 16 && !huge) {
        // 16 or 17 digits (indicator outputs): the runs stored straight at their places, no
        // digit buffer (so no load that waits on the stores that wrote it).
        const int lead = count - 16; // 1 when the top digit is a digit of the value
        if (exponent < 0 && exponent >= -4) {
            // 0.ddd … 0.0000ddd: "0.000000" whole, the digits after the zeros needed.
            store8(q, 0x3030303030302E30ull);
            q += 1 - exponent;
            if (lead) *q = runs.top;
            store8(q + lead, runs.middle);
            store8(q + lead + 8, runs.low);
            return static_cast<size_t>(q + count - out);
        }
        const int m = integerDigits - lead; // integer digits among the middle run's
        if (exponent >= 0 && m >= 0 && m <= 7) {
            // ddd.ddd: the middle run whole (its integer digits land in place), the point, the
            // middle run again shifted past its integer digits, then the low run.
            if (lead) q[0] = runs.top;
            store8(q + lead, runs.middle);
            store8(q + integerDigits + 1, runs.middle >> (8 * m));
            q[integerDigits] = '.';
            store8(q + count - 7, runs.low);
            return static_cast<size_t>(q + count + 1 - out);
        }
    }
    // The digits at digits[0..<count] of a buffer.
    uint8_t buffer[24];
    buffer[0] = runs.top;
    store8(buffer + 1, runs.middle);
    store8(buffer + 9, runs.low);
    const uint8_t *digits = buffer + 17 - count;
    if (exponent < -4 || huge) {
        // d[.ddd]e±XX (at least two exponent digits).
        *q++ = digits[0];
        if (count > 1) {
            *q++ = '.';
            std::memcpy(q, digits + 1, static_cast<size_t>(count - 1));
            q += count - 1;
        }
        *q++ = 'e';
        *q++ = exponent < 0 ? '-' : '+';
        unsigned magnitude = static_cast<unsigned>(exponent < 0 ? -exponent : exponent);
        if (magnitude >= 100) {
            *q++ = static_cast<uint8_t>('0' + magnitude / 100);
            magnitude %= 100;
        }
        write_pair(q, magnitude);
        q += 2;
        return static_cast<size_t>(q - out);
    }
    if (exponent < 0) {
        // 0.ddd … 0.0000ddd
        *q++ = '0';
        *q++ = '.';
        for (int i = -1; i > exponent; --i) *q++ = '0';
        std::memcpy(q, digits, static_cast<size_t>(count));
        q += count;
        return static_cast<size_t>(q - out);
    }
    if (count > integerDigits) {
        // ddd.ddd
        std::memcpy(q, digits, static_cast<size_t>(integerDigits));
        q[integerDigits] = '.';
        std::memcpy(q + integerDigits + 1, digits + integerDigits, static_cast<size_t>(count - integerDigits));
        q += count + 1;
        return static_cast<size_t>(q - out);
    }
    // ddd000 (and ".0" unless plainIntegers drops it below 10^15).
    std::memcpy(q, digits, static_cast<size_t>(count));
    q += count;
    for (int i = count; i < integerDigits; ++i) *q++ = '0';
    if (!plainIntegers || exponent >= 15) {
        *q++ = '.';
        *q++ = '0';
    }
    return static_cast<size_t>(q - out);
}

// The shared body: `plainIntegers` drops the ".0" of integral values below 10^15 (not -0);
// `significant` receives the number of shortest digits (0 for zero, NaN and infinities). Writes
// through a local buffer when `cap` is under the longest text.
size_t format(double value, uint8_t *out, size_t cap, bool plainIntegers, int *significant) noexcept {
    if (cap >= QF_FORMAT_DOUBLE_MAX) return layout(value, out, plainIntegers, significant);
    uint8_t text[QF_FORMAT_DOUBLE_MAX];
    const size_t n = layout(value, text, plainIntegers, significant);
    if (n > cap) return 0;
    std::memcpy(out, text, n);
    return n;
}

} // namespace

extern "C" size_t qf_format_double(double value, uint8_t *out, size_t cap) {
    int significant = 0;
    return format(value, out, cap, false, &significant);
}

extern "C" size_t qf_format_decimal(double value, uint8_t *out, size_t cap, int *significant) {
    return format(value, out, cap, true, significant);
}
