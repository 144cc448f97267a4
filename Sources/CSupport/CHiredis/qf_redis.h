/*
 * qf_redis.h – hiredis (Debian libhiredis-dev 0.14, synchronous C API) for Swift, plus tiny
 * helpers for what Swift cannot import directly: the context's error text (a char array), the
 * reply type constants (macros) and reply fields reached through `element`.
 */
#ifndef QF_REDIS_H
#define QF_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/time.h>

/* Reply types (REDIS_REPLY_* macros), as plain values. */
enum {
    QF_REDIS_STRING = REDIS_REPLY_STRING,
    QF_REDIS_ARRAY = REDIS_REPLY_ARRAY,
    QF_REDIS_INTEGER = REDIS_REPLY_INTEGER,
    QF_REDIS_NIL = REDIS_REPLY_NIL,
    QF_REDIS_STATUS = REDIS_REPLY_STATUS,
    QF_REDIS_ERROR = REDIS_REPLY_ERROR,
};

/** Connects over TCP with a connect timeout in milliseconds; NULL only when out of memory
 *  (otherwise check qf_redis_err). */
static inline redisContext *qf_redis_connect(const char *host, int port, int timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisConnectWithTimeout(host, port, tv);
}

/** Sets the read/write timeout (milliseconds; 0 = block forever). REDIS_OK or REDIS_ERR. */
static inline int qf_redis_set_timeout(redisContext *c, int timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisSetTimeout(c, tv);
}

/** The context's error code (0: none) and text. */
static inline int qf_redis_err(const redisContext *c) { return c->err; }
static inline const char *qf_redis_errstr(const redisContext *c) { return c->errstr; }
/** The socket (for poll). */
static inline int qf_redis_fd(const redisContext *c) { return c->fd; }

/** Reply fields. */
static inline int qf_reply_type(const redisReply *r) { return r->type; }
static inline long long qf_reply_integer(const redisReply *r) { return r->integer; }
static inline const char *qf_reply_str(const redisReply *r) { return r->str; }
static inline size_t qf_reply_len(const redisReply *r) { return r->len; }
static inline size_t qf_reply_elements(const redisReply *r) { return r->elements; }
static inline const redisReply *qf_reply_element(const redisReply *r, size_t i) { return r->element[i]; }

#endif /* QF_REDIS_H */
