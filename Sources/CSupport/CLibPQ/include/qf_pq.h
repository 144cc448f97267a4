/*
 * qf_pq.h – libpq (PostgreSQL's C client), loaded on first use. qflux does not link libpq: its
 * ~19 libraries (Kerberos, LDAP, SASL, GnuTLS, …) would load at the start of every command.
 * qf_pq_load() dlopens libpq.so.5 (Debian's libpq5) once and resolves the functions below; each
 * qf_PQ… function calls libpq's PQ… of the same name (libpq's documentation applies; status
 * enums come back as int, and the two that take fewer arguments say so). Call them only after
 * qf_pq_load() returned 1.
 */
#ifndef QF_PQ_H
#define QF_PQ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** libpq's connection and result (opaque; the same struct tags as libpq-fe.h). */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

/** The values of libpq's ConnStatusType / ExecStatusType that qflux tests (pq_loader.c checks
 * them against libpq-fe.h). Macros, so Swift imports them as Int32 like the functions' results. */
#define QF_PQ_CONNECTION_OK 0
#define QF_PQ_EMPTY_QUERY 0
#define QF_PQ_COMMAND_OK 1
#define QF_PQ_TUPLES_OK 2
#define QF_PQ_COPY_IN 4
#define QF_PQ_FATAL_ERROR 7

/** PG_DIAG_SQLSTATE ('C') and PG_DIAG_MESSAGE_PRIMARY ('M'), field codes of
 * qf_PQresultErrorField, as numbers (Swift does not import character-constant macros). */
#define QF_PQ_DIAG_SQLSTATE 67
#define QF_PQ_DIAG_MESSAGE_PRIMARY 77

/**
 * Loads libpq.so.5 and resolves every function below, once per process (thread-safe). Returns
 * 1 when they are usable; 0 otherwise, with one line saying why in `error` (NUL-terminated,
 * truncated to `capacity`). The library stays loaded until the process exits (as a linked
 * library would: libpq and OpenSSL register exit handlers, so it is never unloaded).
 */
int qf_pq_load(char *error, size_t capacity);

/**
 * What qf_pq_load does, for the library `soname`, without keeping it: opens it, resolves every
 * function, closes it. Returns 1, or 0 with qf_pq_load's one line in `error`. (For tests.)
 */
int qf_pq_probe(const char *soname, char *error, size_t capacity);

PGconn *qf_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname);
void qf_PQfinish(PGconn *conn);
int qf_PQstatus(const PGconn *conn);
char *qf_PQerrorMessage(const PGconn *conn);
int qf_PQserverVersion(const PGconn *conn);
/** PQsetNoticeProcessor with one that drops the notices (libpq prints them on stderr). */
void qf_PQsetQuietNoticeProcessor(PGconn *conn);

PGresult *qf_PQexec(PGconn *conn, const char *query);
/** PQexecParams with text parameters (no types, lengths or formats) and text results. */
PGresult *qf_PQexecParams(PGconn *conn, const char *command, int nParams, const char *const *paramValues);
PGresult *qf_PQgetResult(PGconn *conn);
void qf_PQclear(PGresult *res);
int qf_PQresultStatus(const PGresult *res);
char *qf_PQresultErrorMessage(const PGresult *res);
char *qf_PQresultErrorField(const PGresult *res, int fieldcode);
char *qf_PQcmdTuples(PGresult *res);
int qf_PQntuples(const PGresult *res);
int qf_PQnfields(const PGresult *res);
int qf_PQgetisnull(const PGresult *res, int tup_num, int field_num);
char *qf_PQgetvalue(const PGresult *res, int tup_num, int field_num);

int qf_PQputCopyData(PGconn *conn, const char *buffer, int nbytes);
int qf_PQputCopyEnd(PGconn *conn, const char *errormsg);

#ifdef __cplusplus
}
#endif

#endif /* QF_PQ_H */
