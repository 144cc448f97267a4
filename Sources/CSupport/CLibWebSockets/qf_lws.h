/*
 * qf_lws.h – libwebsockets for Swift (the CLibWebSockets system-library module): the macros Swift
 * cannot import, as constants and helpers.
 */
#ifndef QF_LWS_H
#define QF_LWS_H

#include <libwebsockets.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
 * Response heads with chunked transfer or CORS, chunk framing, the peer address of a socket, and
 * the ticker (an lws_sorted_usec_list_t whose callback finds its owner with lws_container_of).
 * All static inline: CLibWebSockets is a system-library module (a header, no C sources).
 * ------------------------------------------------------------------------------------------- */

/**
 * Writes an HTTP response head on a server wsi: status, content type, `Cache-Control: no-store`,
 * then `Content-Length: content_length`, or `Transfer-Encoding: chunked` when content_length < 0
 * (the caller then frames the body with qf_lws_chunk_*). When allow_origin is not NULL it is
 * echoed as `Access-Control-Allow-Origin` (with `Access-Control-Allow-Credentials: true`).
 * Returns 0 on success, nonzero on failure (close the connection then).
 */
static inline int qf_lws_write_http_head_ex(struct lws *wsi, unsigned int status, const char *content_type,
                              long long content_length, const char *allow_origin)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = &buf[LWS_PRE];
    unsigned char *p = start;
    unsigned char *end = &buf[sizeof(buf) - 1];
    static const char no_cache[] = "no-store";
    static const char chunked[] = "chunked";
    static const char yes[] = "true";

    if (lws_add_http_header_status(wsi, status, &p, end)) return 1;
    if (content_type &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, (const unsigned char *)content_type,
                                     (int)strlen(content_type), &p, end))
        return 1;
    if (content_length >= 0) {
        if (lws_add_http_header_content_length(wsi, (lws_filepos_t)content_length, &p, end)) return 1;
    } else if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING,
                                            (const unsigned char *)chunked, (int)strlen(chunked), &p, end)) {
        return 1;
    }
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (const unsigned char *)no_cache,
                                     (int)strlen(no_cache), &p, end))
        return 1;
    if (allow_origin && allow_origin[0]) {
        if (strlen(allow_origin) > 1024) return 1;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
                                        (const unsigned char *)allow_origin, (int)strlen(allow_origin), &p, end))
            return 1;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-credentials:",
                                        (const unsigned char *)yes, (int)strlen(yes), &p, end))
            return 1;
    }
    return lws_finalize_write_http_header(wsi, start, &p, end);
}

/** Bytes a chunk header needs at most ("%X\r\n" of a size_t). */
#define QF_LWS_CHUNK_HEAD_MAX 18

/**
 * Writes `len` bytes at `data` as one HTTP/1.1 chunk (`%X\r\n…\r\n`); `data` must have
 * LWS_PRE + QF_LWS_CHUNK_HEAD_MAX spare bytes before it and 2 after it (`len` + 2 writable).
 * With `last` set, the terminating `0\r\n\r\n` follows (7 spare bytes after instead of 2);
 * len may be 0 then. Returns what lws_write returns (< 0: the connection failed).
 */
static inline int qf_lws_write_chunk(struct lws *wsi, unsigned char *data, size_t len, int last)
{
    char head[QF_LWS_CHUNK_HEAD_MAX + 1];
    unsigned char *out = data;
    size_t total = 0;
    if (len > 0) {
        int n = snprintf(head, sizeof(head), "%zX\r\n", len);
        if (n <= 0 || n > QF_LWS_CHUNK_HEAD_MAX) return -1;
        out = data - n;
        memcpy(out, head, (size_t)n);
        data[len] = '\r';
        data[len + 1] = '\n';
        total = (size_t)n + len + 2;
    }
    if (last) {
        memcpy(out + total, "0\r\n\r\n", 5);
        total += 5;
    }
    return lws_write(wsi, out, total, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
}

/** The numeric peer address of a socket (IPv4 dotted, IPv6 text) into dest; its length or -1. */
static inline int qf_lws_peer_address(int fd, char *dest, int len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (fd < 0 || len < INET6_ADDRSTRLEN) return -1;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) return -1;
    const char *r = NULL;
    if (ss.ss_family == AF_INET) {
        r = inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, dest, (socklen_t)len);
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        /* an IPv4-mapped address counts as the IPv4 address */
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
            r = inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], dest, (socklen_t)len);
        else
            r = inet_ntop(AF_INET6, &s6->sin6_addr, dest, (socklen_t)len);
    }
    if (!r) return -1;
    return (int)strlen(dest);
}

/** A repeating-on-demand timer on a context's service thread (an lws_sorted_usec_list_t). */
typedef struct qf_lws_ticker qf_lws_ticker;

/** What a ticker calls (on the service thread). */
typedef void (*qf_lws_tick_fn)(void *user);

struct qf_lws_ticker {
    lws_sorted_usec_list_t sul;  /* first: lws keeps it in its sorted list */
    struct lws_context *context;
    qf_lws_tick_fn fn;
    void *user;
};

static inline void qf_lws_ticker_fire(lws_sorted_usec_list_t *sul)
{
    struct qf_lws_ticker *t = lws_container_of(sul, struct qf_lws_ticker, sul);
    t->fn(t->user);
}

/** A ticker for `context` that calls fn(user). Create it on the thread that owns the context. */
static inline qf_lws_ticker *qf_lws_ticker_create(struct lws_context *context, qf_lws_tick_fn fn, void *user)
{
    struct qf_lws_ticker *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->context = context;
    t->fn = fn;
    t->user = user;
    return t;
}

/** (Re)schedules the ticker `usec` microseconds from now (service thread, or the owner before the
 *  service thread starts). */
static inline void qf_lws_ticker_schedule(qf_lws_ticker *t, long long usec)
{
    if (!t) return;
    lws_sul_schedule(t->context, 0, &t->sul, qf_lws_ticker_fire, (lws_usec_t)(usec > 0 ? usec : 1));
}

/** Frees a ticker. Call it only after lws_context_destroy of its context (or before it ever ran). */
static inline void qf_lws_ticker_free(qf_lws_ticker *t)
{
    free(t);
}

#endif /* QF_LWS_H */
