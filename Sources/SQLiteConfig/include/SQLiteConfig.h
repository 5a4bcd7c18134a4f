#ifndef KEYWARD_SQLITE_CONFIG_H
#define KEYWARD_SQLITE_CONFIG_H
#include "sqlite_nio_sqlite3.h"

/// Turns on the query planner stability guarantee of connection `db`: a prepared statement keeps its plan whatever
/// values are bound to it, so that rebinding it (a LIMIT, an IN list) never makes SQLite prepare it again.
/// `sqlite3_db_config` is variadic, which Swift cannot call. Returns SQLITE_OK on success.
int keyward_sqlite_keep_query_plans(sqlite3 *db);
#endif
