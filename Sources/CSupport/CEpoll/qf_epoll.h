/*
 * qf_epoll.h – epoll for Swift (the Glibc module does not export <sys/epoll.h>, and its
 * packed struct epoll_event does not import cleanly): a descriptor is registered with a 64-bit
 * token, and a wait hands back the tokens of the ready descriptors. Used by qflux-bench's raw
 * WebSocket fan-out clients.
 */
#ifndef QF_EPOLL_H
#define QF_EPOLL_H

#include <stdint.h>
#include <sys/epoll.h>

/** A new epoll instance (close-on-exec), or -1 (errno set). */
static inline int qf_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/** Watches `fd` for reading (level-triggered) under `token`. 0, or -1 (errno set). */
static inline int qf_epoll_add_readable(int ep, int fd, uint64_t token)
{
    struct epoll_event ev;
    ev.events = EPOLLIN;
    ev.data.u64 = token;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/** Stops watching `fd`. 0, or -1 (errno set). */
static inline int qf_epoll_remove(int ep, int fd)
{
    struct epoll_event ev = {0};
    return epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev);
}

/**
 * Waits up to `timeout_ms` for ready descriptors and writes up to `max` (≤ 1024) of their tokens
 * to `tokens`. Returns how many, 0 on timeout, -1 on error (errno set: EINTR included).
 */
static inline int qf_epoll_wait_tokens(int ep, uint64_t *tokens, int max, int timeout_ms)
{
    struct epoll_event evs[1024];
    if (max > 1024) max = 1024;
    int n = epoll_wait(ep, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) tokens[i] = evs[i].data.u64;
    return n;
}

#endif /* QF_EPOLL_H */
