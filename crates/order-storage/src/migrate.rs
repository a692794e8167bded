//! The embedded migrations, one set per backend (`migrations/sqlite`, `migrations/postgres`, same names).

use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;
use crate::OpenError;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The advisory lock key that lets one replica migrate while the others wait.
const MIGRATION_LOCK: i64 = 0x6f72_6465_7273; // "orders"

/// Brings the schema up to date on a connection from the pool (for `sqlite::memory:` the only one there is).
/// On Postgres several replicas may start at once: the first to take the lock migrates, the others then find
/// nothing left to do.
pub(crate) fn run_pending(conn: &mut DbConnection) -> Result<(), OpenError> {
    let failed =
        |error: Box<dyn std::error::Error + Send + Sync>| OpenError::Migrate(error.to_string());
    match conn {
        DbConnection::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE)
            .map(drop)
            .map_err(failed),
        DbConnection::Postgres(conn) => {
            advisory(conn, "pg_advisory_lock")?;
            let result = conn.run_pending_migrations(POSTGRES).map(drop);
            advisory(conn, "pg_advisory_unlock")?;
            result.map_err(failed)
        }
    }
}

fn advisory(conn: &mut diesel::PgConnection, function: &str) -> Result<(), OpenError> {
    diesel::sql_query(format!("SELECT {function}({MIGRATION_LOCK})"))
        .execute(conn)
        .map(drop)
        .map_err(|e| OpenError::Migrate(e.to_string()))
}
