/*
 * qf_pq.h – libpq (PostgreSQL's C client, Debian's libpq-dev) for Swift. Debian installs the
 * header as /usr/include/postgresql/libpq-fe.h (pkg-config libpq adds that folder).
 */
#ifndef QF_PQ_H
#define QF_PQ_H

#include <libpq-fe.h>

/** PG_DIAG_SQLSTATE as an int (the macro is a character constant Swift imports oddly). */
static inline int qf_pq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }

/** PG_DIAG_MESSAGE_PRIMARY as an int. */
static inline int qf_pq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }

#endif /* QF_PQ_H */
