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

/** Sets (seconds > 0) or clears (0) the connection's user timeout. */
static inline void qf_lws_set_user_timeout(struct lws *wsi, int seconds)
{
    lws_set_timeout(wsi, seconds > 0 ? PENDING_TIMEOUT_USER_OK : NO_PENDING_TIMEOUT, seconds);
}

#endif /* QF_LWS_H */
