/*
 * qf_lws.c – the libwebsockets helpers of qf_lws.h that need a body of their own: response heads
 * with chunked transfer or CORS, chunk framing, the peer address of a socket, and the ticker (an
 * lws_sorted_usec_list_t whose callback finds its owner with lws_container_of).
 */
#include "qf_lws.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int qf_lws_write_http_head_ex(struct lws *wsi, unsigned int status, const char *content_type,
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

int qf_lws_write_chunk(struct lws *wsi, unsigned char *data, size_t len, int last)
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

int qf_lws_peer_address(int fd, char *dest, int len)
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

struct qf_lws_ticker {
    lws_sorted_usec_list_t sul;  /* first: lws keeps it in its sorted list */
    struct lws_context *context;
    qf_lws_tick_fn fn;
    void *user;
};

static void qf_lws_ticker_fire(lws_sorted_usec_list_t *sul)
{
    struct qf_lws_ticker *t = lws_container_of(sul, struct qf_lws_ticker, sul);
    t->fn(t->user);
}

qf_lws_ticker *qf_lws_ticker_create(struct lws_context *context, qf_lws_tick_fn fn, void *user)
{
    struct qf_lws_ticker *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->context = context;
    t->fn = fn;
    t->user = user;
    return t;
}

void qf_lws_ticker_schedule(qf_lws_ticker *t, long long usec)
{
    if (!t) return;
    lws_sul_schedule(t->context, 0, &t->sul, qf_lws_ticker_fire, (lws_usec_t)(usec > 0 ? usec : 1));
}

void qf_lws_ticker_free(qf_lws_ticker *t)
{
    free(t);
}
