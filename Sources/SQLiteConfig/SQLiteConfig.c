#include "SQLiteConfig.h"

int keyward_sqlite_keep_query_plans(sqlite3 *db) {
    int enabled = 0;
    int status = sqlite_nio_sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, &enabled);
    return status == SQLITE_OK && enabled == 1 ? SQLITE_OK : SQLITE_ERROR;
}
