// The few functions of the SQLite copy that sqlite-nio bundles (its symbols carry a `sqlite_nio_` prefix) that
// Docket's read pool calls directly. Declaring them here, rather than linking a second SQLite, keeps one SQLite
// library per process: two copies opening one file do not see each other's POSIX locks and can corrupt it.
// Nothing is linked by this module; the symbols come from sqlite-nio's VaporCSQLite target in the same binary.
#ifndef DOCKET_BUNDLED_SQLITE_H
#define DOCKET_BUNDLED_SQLITE_H

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

#define DOCKET_SQLITE_OK 0
#define DOCKET_SQLITE_ROW 100
#define DOCKET_SQLITE_DONE 101
#define DOCKET_SQLITE_INTEGER 1
#define DOCKET_SQLITE_FLOAT 2
#define DOCKET_SQLITE_TEXT 3
#define DOCKET_SQLITE_BLOB 4
#define DOCKET_SQLITE_NULL 5
#define DOCKET_SQLITE_OPEN_READONLY 0x00000001
#define DOCKET_SQLITE_OPEN_READWRITE 0x00000002
#define DOCKET_SQLITE_OPEN_NOMUTEX 0x00008000
#define DOCKET_SQLITE_PREPARE_PERSISTENT 0x01

int sqlite_nio_sqlite3_libversion_number(void);
int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite_nio_sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg, char **errmsg);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);
int sqlite_nio_sqlite3_extended_errcode(sqlite3 *db);
int sqlite_nio_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags, sqlite3_stmt **statement, const char **tail);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_reset(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_clear_bindings(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_step(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_bind_int64(sqlite3_stmt *statement, int index, int64_t value);
int sqlite_nio_sqlite3_bind_double(sqlite3_stmt *statement, int index, double value);
int sqlite_nio_sqlite3_bind_null(sqlite3_stmt *statement, int index);
int sqlite_nio_sqlite3_bind_text(sqlite3_stmt *statement, int index, const char *text, int bytes, void (*destructor)(void *));
int sqlite_nio_sqlite3_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int count, void (*destructor)(void *));
int sqlite_nio_sqlite3_column_count(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_column_type(sqlite3_stmt *statement, int column);
int64_t sqlite_nio_sqlite3_column_int64(sqlite3_stmt *statement, int column);
double sqlite_nio_sqlite3_column_double(sqlite3_stmt *statement, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_bytes(sqlite3_stmt *statement, int column);
const void *sqlite_nio_sqlite3_column_blob(sqlite3_stmt *statement, int column);
const char *sqlite_nio_sqlite3_column_name(sqlite3_stmt *statement, int column);

/// SQLite's SQLITE_TRANSIENT: SQLite copies a bound text or blob before the call returns.
static inline void (*docket_sqlite_transient(void))(void *) { return (void (*)(void *))-1; }

#endif
