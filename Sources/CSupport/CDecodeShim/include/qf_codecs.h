/*
 * qf_codecs.h – the two byte transforms on the decode path, plain C, no allocation
 * (text_codecs.c): base64 for binary frame payloads and JSON string unescaping for perf-log
 * messages, text payloads and updateCharts' settings strings. Both validate their input.
 */
#ifndef QF_CODECS_H
#define QF_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Base64 (RFC 4648 standard alphabet) decoder. Padding is optional; whitespace is not allowed.
 * Writes at most qf_base64_decoded_max(len) bytes to `dst`. Returns the decoded length,
 * or -1 when the input is not valid base64.
 */
ptrdiff_t qf_base64_decode(const uint8_t *src, size_t len, uint8_t *dst);
/** Upper bound on qf_base64_decode's output for `len` input bytes. */
static inline size_t qf_base64_decoded_max(size_t len) { return (len / 4) * 3 + 3; }

/**
 * Unescapes the content of a JSON string (without its quotes) into `dst` (at least `len` bytes).
 * Handles every JSON escape, \\uXXXX and surrogate pairs (to UTF-8). Returns the output
 * length or -1 on an invalid escape.
 */
ptrdiff_t qf_json_unescape(const uint8_t *src, size_t len, uint8_t *dst);

/**
 * Unescapes a JSON string's content starting at `src` (just after its opening quote) up to its
 * closing quote, into `dst` (room for end - src + 64 bytes). On success returns the output
 * length and sets *after to the byte after the closing quote. Returns -1 on an invalid escape,
 * -2 when the string does not end before `end`, -3 on a raw control byte.
 */
ptrdiff_t qf_json_unescape_string(const uint8_t *src, const uint8_t *end, uint8_t *dst, const uint8_t **after);

/** Tests and benchmarks: 1 makes the codecs skip their AVX2 and AVX-512 kernels (portable SSE2/scalar). */
void qf_codecs_force_portable(int on);

#ifdef __cplusplus
}
#endif

#endif /* QF_CODECS_H */
