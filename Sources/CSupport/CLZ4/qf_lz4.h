/*
 * qf_lz4.h – liblz4 frame API for Swift, plus the few values Swift cannot import as macros.
 */
#ifndef QF_LZ4_H
#define QF_LZ4_H

#include <lz4frame.h>
#include <stdint.h>

/** LZ4F_VERSION as an unsigned value (the macro imports as Int32). */
static inline unsigned qf_lz4f_version(void) { return (unsigned)LZ4F_VERSION; }

/** 1 when an LZ4F_* return value is an error code. */
static inline int qf_lz4f_is_error(size_t code) { return LZ4F_isError(code) ? 1 : 0; }

#endif /* QF_LZ4_H */
