/*
 * qf_float_format.h – shortest round-trip double → ASCII, in the exact form of Swift's
 * `Double.description` (`0.1`, `10000.0`, `1e-05`, `1.2345678901234568e+17`, `-0.0`, `nan`,
 * `inf`), written into a caller's buffer: no String, no allocation, no exception.
 * (float_format.cpp: Schubfach digits, the same as C++17 std::to_chars' shortest ones.)
 */
#ifndef QF_FLOAT_FORMAT_H
#define QF_FLOAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes that always suffice for qf_format_double (Swift's description of a Double is ≤ 24). */
#define QF_FORMAT_DOUBLE_MAX 32

/**
 * Writes `value` as Swift's `description` writes it: the shortest digits that parse back to the
 * same double; plain decimal notation (with at least one fraction digit) when the digits' decimal
 * exponent is ≥ -4 and |value| ≤ 2^53, otherwise `d.ddde±XX` (at least two exponent digits); `nan`
 * for any NaN, `inf` / `-inf`. Returns the length written, or 0 when `cap` is too small (nothing
 * is promised in `out` then). `cap` ≥ QF_FORMAT_DOUBLE_MAX always suffices.
 */
size_t qf_format_double(double value, uint8_t *out, size_t cap);

/**
 * qf_format_double's text, except that integral values below 10^15 in magnitude (not -0) have no
 * fraction (`42`, `0`): the text of qflux's DecimalWriter. Sets *significant to the number of
 * shortest round-trip digits (0 for zeros, NaN and infinities). Returns the length written, or 0
 * when `cap` is too small.
 */
size_t qf_format_decimal(double value, uint8_t *out, size_t cap, int *significant);

#ifdef __cplusplus
}
#endif

#endif
