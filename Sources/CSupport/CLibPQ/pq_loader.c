/*
 * pq_loader.c – libpq loaded on first use (dlopen) instead of linked. libpq-fe.h (Debian's
 * libpq-dev) is included here only: it gives every pointer below libpq's exact type, and the
 * static asserts check the constants qf_pq.h copies. Swift sees qf_pq.h alone, so no Swift code
 * can call a PQ… symbol that this file did not resolve.
 */
#include "qf_pq.h"

#include <dlfcn.h>
#include <postgresql/libpq-fe.h>
#include <pthread.h>
#include <stdio.h>

_Static_assert(QF_PQ_CONNECTION_OK == CONNECTION_OK, "ConnStatusType changed");
_Static_assert(QF_PQ_EMPTY_QUERY == PGRES_EMPTY_QUERY, "ExecStatusType changed");
_Static_assert(QF_PQ_COMMAND_OK == PGRES_COMMAND_OK, "ExecStatusType changed");
_Static_assert(QF_PQ_TUPLES_OK == PGRES_TUPLES_OK, "ExecStatusType changed");
_Static_assert(QF_PQ_COPY_IN == PGRES_COPY_IN, "ExecStatusType changed");
_Static_assert(QF_PQ_FATAL_ERROR == PGRES_FATAL_ERROR, "ExecStatusType changed");
_Static_assert(QF_PQ_DIAG_SQLSTATE == PG_DIAG_SQLSTATE, "PG_DIAG_SQLSTATE changed");
_Static_assert(QF_PQ_DIAG_MESSAGE_PRIMARY == PG_DIAG_MESSAGE_PRIMARY, "PG_DIAG_MESSAGE_PRIMARY changed");

/* The library's soname: libpq's ABI has been 5 since PostgreSQL 8.0. */
#define QF_PQ_SONAME "libpq.so.5"

/* One pointer per function qflux uses, typed from libpq-fe.h's own declarations. */
#define QF_PQ_FUNCTIONS(X)                                                                       \
    X(PQconnectdbParams) X(PQfinish) X(PQstatus) X(PQerrorMessage) X(PQserverVersion)            \
    X(PQsetNoticeProcessor) X(PQexec) X(PQexecParams) X(PQgetResult) X(PQclear)                  \
    X(PQresultStatus) X(PQresultErrorMessage) X(PQresultErrorField) X(PQcmdTuples) X(PQntuples) \
    X(PQnfields) X(PQgetisnull) X(PQgetvalue) X(PQputCopyData) X(PQputCopyEnd)

struct pq_functions {
#define QF_PQ_POINTER(name) __typeof__(name) *name;
    QF_PQ_FUNCTIONS(QF_PQ_POINTER)
#undef QF_PQ_POINTER
};

static struct pq_functions pq;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[320];

/* Opens `soname` and resolves every function into `into`; returns the handle, or NULL with one
 * line in `error`. */
static void *resolve(const char *soname, struct pq_functions *into, char *error, size_t capacity) {
    /* RTLD_LOCAL: libpq's symbols stay out of the global namespace; only dlsym reaches them. */
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(error, capacity,
                 "PostgreSQL's client library %s cannot be loaded (install the Debian package libpq5): %s", soname,
                 why ? why : "not found");
        return NULL;
    }
#define QF_PQ_RESOLVE(name)                                                                                  \
    into->name = (__typeof__(name) *)dlsym(handle, #name);                                                   \
    if (into->name == NULL) {                                                                                \
        snprintf(error, capacity, "%s has no function " #name " (install the Debian package libpq5)", soname); \
        dlclose(handle);                                                                                     \
        return NULL;                                                                                         \
    }
    QF_PQ_FUNCTIONS(QF_PQ_RESOLVE)
#undef QF_PQ_RESOLVE
    return handle;
}

static void load(void) { loaded = resolve(QF_PQ_SONAME, &pq, load_error, sizeof load_error) != NULL; }

int qf_pq_load(char *error, size_t capacity) {
    pthread_once(&load_once, load);
    if (!loaded && error != NULL && capacity > 0) snprintf(error, capacity, "%s", load_error);
    return loaded;
}

int qf_pq_probe(const char *soname, char *error, size_t capacity) {
    struct pq_functions functions;
    void *handle = resolve(soname, &functions, error, capacity);
    if (handle == NULL) return 0;
    dlclose(handle);
    return 1;
}

static void ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

PGconn *qf_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname) {
    return pq.PQconnectdbParams(keywords, values, expand_dbname);
}
void qf_PQfinish(PGconn *conn) { pq.PQfinish(conn); }
int qf_PQstatus(const PGconn *conn) { return (int)pq.PQstatus(conn); }
char *qf_PQerrorMessage(const PGconn *conn) { return pq.PQerrorMessage(conn); }
int qf_PQserverVersion(const PGconn *conn) { return pq.PQserverVersion(conn); }
void qf_PQsetQuietNoticeProcessor(PGconn *conn) { pq.PQsetNoticeProcessor(conn, ignore_notice, NULL); }

PGresult *qf_PQexec(PGconn *conn, const char *query) { return pq.PQexec(conn, query); }
PGresult *qf_PQexecParams(PGconn *conn, const char *command, int nParams, const char *const *paramValues) {
    return pq.PQexecParams(conn, command, nParams, NULL, paramValues, NULL, NULL, 0);
}
PGresult *qf_PQgetResult(PGconn *conn) { return pq.PQgetResult(conn); }
void qf_PQclear(PGresult *res) { pq.PQclear(res); }
int qf_PQresultStatus(const PGresult *res) { return (int)pq.PQresultStatus(res); }
char *qf_PQresultErrorMessage(const PGresult *res) { return pq.PQresultErrorMessage(res); }
char *qf_PQresultErrorField(const PGresult *res, int fieldcode) { return pq.PQresultErrorField(res, fieldcode); }
char *qf_PQcmdTuples(PGresult *res) { return pq.PQcmdTuples(res); }
int qf_PQntuples(const PGresult *res) { return pq.PQntuples(res); }
int qf_PQnfields(const PGresult *res) { return pq.PQnfields(res); }
int qf_PQgetisnull(const PGresult *res, int tup_num, int field_num) { return pq.PQgetisnull(res, tup_num, field_num); }
char *qf_PQgetvalue(const PGresult *res, int tup_num, int field_num) { return pq.PQgetvalue(res, tup_num, field_num); }

int qf_PQputCopyData(PGconn *conn, const char *buffer, int nbytes) { return pq.PQputCopyData(conn, buffer, nbytes); }
int qf_PQputCopyEnd(PGconn *conn, const char *errormsg) { return pq.PQputCopyEnd(conn, errormsg); }
