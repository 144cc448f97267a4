/*
 * qf_lws.h – libwebsockets for Swift: the macros Swift cannot import, as constants and helpers.
 */
#ifndef QF_LWS_H
#define QF_LWS_H

#include <libwebsockets.h>
#include <string.h>

/** LWS_PRE: bytes libwebsockets needs before the data passed to lws_write. */
static inline size_t qf_lws_pre(void) { return (size_t)LWS_PRE; }

/** LWS_SERVER_OPTION_DISABLE_IPV6 as a plain integer (the macro is a 64-bit shift). */
static inline uint64_t qf_lws_option_disable_ipv6(void) { return (uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6; }

/** LWS_SERVER_OPTION_VALIDATE_UTF8: reject text frames that are not UTF-8. */
static inline uint64_t qf_lws_option_validate_utf8(void) { return (uint64_t)LWS_SERVER_OPTION_VALIDATE_UTF8; }

/**
 * Writes an HTTP response head (status, content type, length, no caching) on a server wsi.
 * Returns 0 on success, nonzero on failure (close the connection then).
 */
static inline int qf_lws_write_http_head(struct lws *wsi, unsigned int status,
                                         const char *content_type, size_t content_length)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = &buf[LWS_PRE];
    unsigned char *p = start;
    unsigned char *end = &buf[sizeof(buf) - 1];
    static const char no_cache[] = "no-store";
    if (lws_add_http_common_headers(wsi, status, content_type, (lws_filepos_t)content_length, &p, end))
        return 1;
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)no_cache, (int)strlen(no_cache), &p, end))
        return 1;
    return lws_finalize_write_http_header(wsi, start, &p, end);
}

/**
 * Copies the request path (without the query) into dest, NUL-terminated.
 * Returns its length, or -1 when absent or too long.
 */
static inline int qf_lws_request_path(struct lws *wsi, char *dest, int len)
{
    int n = lws_hdr_copy(wsi, dest, len, WSI_TOKEN_GET_URI);
    if (n < 0 || n >= len) return -1;
    return n;
}

/**
 * Whether the request line ended with its HTTP version ("GET /path HTTP/1.1"). libwebsockets ends
 * the URI at a percent-decoded CR or LF (`%0d%0a`) and then reads the rest of the request line as
 * a header, so such a request has no version, and LWS_CALLBACK_HTTP's path is cut short.
 */
static inline int qf_lws_has_http_version(struct lws *wsi)
{
    return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP) > 0;
}

/**
 * Copies the value of the query argument `name` (given with its '=', e.g. "EIO=") into dest.
 * Returns the value's length, or -1 when absent.
 */
static inline int qf_lws_query_arg(struct lws *wsi, const char *name, char *dest, int len)
{
    const char *v = lws_get_urlarg_by_name(wsi, name, dest, len);
    if (!v) return -1;
    size_t n = strlen(v);
    memmove(dest, v, n + 1);
    return (int)n;
}

/**
 * Copies a request header (WSI_TOKEN_ORIGIN, WSI_TOKEN_HOST, WSI_TOKEN_HTTP_AUTHORIZATION, …)
 * into dest, NUL-terminated. Returns its length, -1 when absent, -2 when longer than len - 1.
 */
static inline int qf_lws_header(struct lws *wsi, int token, char *dest, int len)
{
    int total = lws_hdr_total_length(wsi, (enum lws_token_indexes)token);
    if (total <= 0) return -1;
    if (total >= len) return -2;
    int n = lws_hdr_copy(wsi, dest, len, (enum lws_token_indexes)token);
    if (n < 0 || n >= len) return -2;
    return n;
}

/** The header tokens qflux reads, as plain integers. */
static inline int qf_lws_token_origin(void) { return (int)WSI_TOKEN_ORIGIN; }
static inline int qf_lws_token_host(void) { return (int)WSI_TOKEN_HOST; }
static inline int qf_lws_token_authorization(void) { return (int)WSI_TOKEN_HTTP_AUTHORIZATION; }

/**
 * Answers a refused request with `status` and a small JSON body, then the connection closes.
 * Returns what lws_return_http_status returns.
 */
static inline int qf_lws_refuse(struct lws *wsi, unsigned int status, const char *message)
{
    return lws_return_http_status(wsi, status, message);
}

/** Sets (seconds > 0) or clears (0) the connection's user timeout. A NULL wsi (a session without
 *  a connection of its own, e.g. Engine.IO long-polling) is ignored. */
static inline void qf_lws_set_user_timeout(struct lws *wsi, int seconds)
{
    if (!wsi) return;
    lws_set_timeout(wsi, seconds > 0 ? PENDING_TIMEOUT_USER_OK : NO_PENDING_TIMEOUT, seconds);
}

/** Closes the connection on the next service turn (any callback, any connection of the context's thread). */
static inline void qf_lws_kill_async(struct lws *wsi)
{
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/** Request methods the server tells apart. */
enum { QF_LWS_METHOD_OTHER = 0, QF_LWS_METHOD_GET = 1, QF_LWS_METHOD_POST = 2 };

/** The method of the request being served: QF_LWS_METHOD_GET, _POST or _OTHER. */
static inline int qf_lws_method(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0) return QF_LWS_METHOD_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0) return QF_LWS_METHOD_POST;
    return QF_LWS_METHOD_OTHER;
}

/** The request's Content-Length, or -1 when absent or not a number. */
static inline long long qf_lws_content_length(struct lws *wsi)
{
    char buf[32];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) return -1;
    int n = lws_hdr_copy(wsi, buf, (int)sizeof(buf), WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (n <= 0 || n >= (int)sizeof(buf)) return -1;
    long long v = 0;
    for (int i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9') return -1;
        if (v > (1LL << 50)) return -1;
        v = v * 10 + (buf[i] - '0');
    }
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Implemented in qf_lws.c (things that need a C function body of their own: callbacks, structs).
 * ------------------------------------------------------------------------------------------- */

/**
 * Writes an HTTP response head on a server wsi: status, content type, `Cache-Control: no-store`,
 * then `Content-Length: content_length`, or `Transfer-Encoding: chunked` when content_length < 0
 * (the caller then frames the body with qf_lws_chunk_*). When allow_origin is not NULL it is
 * echoed as `Access-Control-Allow-Origin` (with `Access-Control-Allow-Credentials: true`).
 * Returns 0 on success, nonzero on failure (close the connection then).
 */
int qf_lws_write_http_head_ex(struct lws *wsi, unsigned int status, const char *content_type,
                              long long content_length, const char *allow_origin);

/** Bytes a chunk header needs at most ("%X\r\n" of a size_t). */
#define QF_LWS_CHUNK_HEAD_MAX 18

/**
 * Writes `len` bytes at `data` as one HTTP/1.1 chunk (`%X\r\n…\r\n`); `data` must have
 * LWS_PRE + QF_LWS_CHUNK_HEAD_MAX spare bytes before it and 2 after it (`len` + 2 writable).
 * With `last` set, the terminating `0\r\n\r\n` follows (7 spare bytes after instead of 2);
 * len may be 0 then. Returns what lws_write returns (< 0: the connection failed).
 */
int qf_lws_write_chunk(struct lws *wsi, unsigned char *data, size_t len, int last);

/** The numeric peer address of a socket (IPv4 dotted, IPv6 text) into dest; its length or -1. */
int qf_lws_peer_address(int fd, char *dest, int len);

/** A repeating-on-demand timer on a context's service thread (an lws_sorted_usec_list_t). */
typedef struct qf_lws_ticker qf_lws_ticker;

/** What a ticker calls (on the service thread). */
typedef void (*qf_lws_tick_fn)(void *user);

/** A ticker for `context` that calls fn(user). Create it on the thread that owns the context. */
qf_lws_ticker *qf_lws_ticker_create(struct lws_context *context, qf_lws_tick_fn fn, void *user);

/** (Re)schedules the ticker `usec` microseconds from now (service thread, or the owner before the
 *  service thread starts). */
void qf_lws_ticker_schedule(qf_lws_ticker *ticker, long long usec);

/** Frees a ticker. Call it only after lws_context_destroy of its context (or before it ever ran). */
void qf_lws_ticker_free(qf_lws_ticker *ticker);

#endif /* QF_LWS_H */
