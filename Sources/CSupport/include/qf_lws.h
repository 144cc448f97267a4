/*
 * qf_lws.h – libwebsockets for Swift: the macros Swift cannot import, as constants and helpers.
 */
#ifndef QF_LWS_H
#define QF_LWS_H

#include <libwebsockets.h>

/** LWS_PRE: bytes libwebsockets needs before the data passed to lws_write. */
static inline size_t qf_lws_pre(void) { return (size_t)LWS_PRE; }

#endif /* QF_LWS_H */
