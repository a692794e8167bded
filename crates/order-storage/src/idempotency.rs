//! The `idempotency_keys` rows and their queries.

use crate::connection::{load_native, DbConnection};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Binary, Text, Timestamp};
use order_domain::ports::RepositoryError;
use order_domain::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope,
};

use crate::error::{corrupt, StorageError};
use crate::numbered_sql::{unbound, walk_numbered};
use crate::schema::{idempotency_claims, idempotency_keys};
use crate::stamp::Stamp;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct IdempotencyRow {
    scope: String,
    key: String,
    fingerprint: Vec<u8>,
    order_id: String,
    response_body: Vec<u8>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

impl IdempotencyRow {
    fn into_record(self) -> Result<IdempotencyRecord, StorageError> {
        let fingerprint: [u8; 32] = self
            .fingerprint
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("fingerprint of key", &self.key))?;
        Ok(IdempotencyRecord {
            scope: IdempotencyScope::principal(self.scope),
            key: IdempotencyKey::parse(self.key).map_err(|e| corrupt("idempotency key", e))?,
            fingerprint: Fingerprint::from_bytes(fingerprint),
            order_id: self
                .order_id
                .parse()
                .map_err(|_| corrupt("order id", &self.order_id))?,
            response_body: self.response_body,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.and_utc(),
        })
    }
}

/// Stores a key's record; a live record for the same key makes this fail with `DuplicateIdempotencyKey`.
/// An expired one is replaced: its time is up, so the key is free again. One statement: an upsert that
/// overwrites only an expired record.
const STORE: &str = "\
INSERT INTO idempotency_keys (scope, key, fingerprint, order_id, response_body, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (scope, key) DO UPDATE SET
    fingerprint = excluded.fingerprint, order_id = excluded.order_id, response_body = excluded.response_body,
    created_at = excluded.created_at, expires_at = excluded.expires_at
WHERE idempotency_keys.expires_at <= excluded.created_at";

/// `STORE` with its values, kept prepared (`numbered_sql`): diesel prepares an upsert of its own making again
/// on every execution, on the one SQLite writer every create waits for.
struct Store<'a> {
    record: &'a IdempotencyRecord,
    created_at: Stamp,
    expires_at: Stamp,
    order_id: String,
}

impl<DB: Backend> QueryFragment<DB> for Store<'_>
where
    str: ToSql<Text, DB>,
    [u8]: ToSql<Binary, DB>,
    Stamp: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let record = self.record;
        walk_numbered(STORE, out, |number, mut out| match number {
            1 => out.push_bind_param::<Text, str>(record.scope.as_str()),
            2 => out.push_bind_param::<Text, str>(record.key.as_str()),
            3 => out.push_bind_param::<Binary, [u8]>(record.fingerprint.as_bytes().as_slice()),
            4 => out.push_bind_param::<Text, str>(&self.order_id),
            5 => out.push_bind_param::<Binary, [u8]>(&record.response_body),
            6 => out.push_bind_param::<Timestamp, _>(&self.created_at),
            7 => out.push_bind_param::<Timestamp, _>(&self.expires_at),
            other => Err(unbound(other)),
        })
    }
}

/// The type diesel's statement cache knows `Store` by.
struct StoreId;

impl QueryId for Store<'_> {
    type QueryId = StoreId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for Store<'_> {}

pub(crate) fn insert_record(
    conn: &mut DbConnection,
    record: &IdempotencyRecord,
) -> Result<(), StorageError> {
    let store = Store {
        record,
        created_at: Stamp(record.created_at.naive_utc()),
        expires_at: Stamp(record.expires_at.naive_utc()),
        order_id: record.order_id.to_string(),
    };
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    let stored = match conn {
        DbConnection::Sqlite(conn) => store.execute(conn)?,
        DbConnection::Postgres(conn) => store.execute(conn)?,
    };
    match stored {
        0 => Err(RepositoryError::DuplicateIdempotencyKey.into()),
        _ => Ok(()),
    }
}

pub(crate) fn find_live_record(
    conn: &mut DbConnection,
    scope: &IdempotencyScope,
    key: &IdempotencyKey,
    now: DateTime<Utc>,
) -> Result<Option<IdempotencyRecord>, StorageError> {
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    // (The query is written into the macro: each backend's arm types its own `as_select`.) No `LIMIT`: the
    // key is the primary key, and SQLite prepares a statement again whenever its LIMIT parameter is bound.
    let rows: Vec<IdempotencyRow> = load_native!(
        conn,
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope.as_str()))
            .filter(idempotency_keys::key.eq(key.as_str()))
            .filter(idempotency_keys::expires_at.gt(now.naive_utc()))
            .select(IdempotencyRow::as_select())
    )?;
    rows.into_iter()
        .next()
        .map(IdempotencyRow::into_record)
        .transpose()
}

pub(crate) fn purge_expired(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let purged = diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::expires_at.le(now.naive_utc())),
    )
    .execute(conn)?;
    diesel::delete(
        idempotency_claims::table.filter(idempotency_claims::held_until.le(now.naive_utc())),
    )
    .execute(conn)?;
    Ok(purged as u64)
}

/// Takes a key's hold unless another request holds it (and its hold has not lapsed) or the key already has a
/// live record: one statement, so two requests never both hold a key, and a create that completed between a
/// reader's lookup and its claim is seen here.
const CLAIM: &str = "\
INSERT INTO idempotency_claims (scope, key, fingerprint, claimed_at, held_until)
SELECT $1, $2, $3, $4, $5
WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $4)
ON CONFLICT (scope, key) DO UPDATE SET
    fingerprint = excluded.fingerprint, claimed_at = excluded.claimed_at, held_until = excluded.held_until
WHERE idempotency_claims.held_until <= excluded.claimed_at";

/// `CLAIM` with its values: a statement type of its own, kept prepared on the connection (`numbered_sql`)
/// rather than parsed and planned again for every key.
struct Claim<'a> {
    claim: &'a IdempotencyClaim,
    claimed_at: Stamp,
    held_until: Stamp,
}

impl<DB: Backend> QueryFragment<DB> for Claim<'_>
where
    str: ToSql<Text, DB>,
    [u8]: ToSql<Binary, DB>,
    Stamp: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let claim = self.claim;
        walk_numbered(CLAIM, out, |number, mut out| match number {
            1 => out.push_bind_param::<Text, str>(claim.scope.as_str()),
            2 => out.push_bind_param::<Text, str>(claim.key.as_str()),
            3 => out.push_bind_param::<Binary, [u8]>(claim.fingerprint.as_bytes().as_slice()),
            4 => out.push_bind_param::<Timestamp, _>(&self.claimed_at),
            5 => out.push_bind_param::<Timestamp, _>(&self.held_until),
            other => Err(unbound(other)),
        })
    }
}

/// The type diesel's statement cache knows `Claim` by.
struct ClaimId;

impl QueryId for Claim<'_> {
    type QueryId = ClaimId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for Claim<'_> {}

pub(crate) fn claim_key(
    conn: &mut DbConnection,
    claim: &IdempotencyClaim,
) -> Result<bool, StorageError> {
    let statement = Claim {
        claim,
        claimed_at: Stamp(claim.claimed_at.naive_utc()),
        held_until: Stamp(claim.held_until.naive_utc()),
    };
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    let claimed = match conn {
        DbConnection::Sqlite(conn) => statement.execute(conn)? > 0,
        DbConnection::Postgres(conn) => statement.execute(conn)? > 0,
    };
    // On Postgres the claim's NOT EXISTS reads the snapshot its statement started with: a request that stored
    // its record and dropped its hold meanwhile leaves the key free to take, record and all. A later statement
    // sees that record; the hold just taken is given back, and the caller replays the record. (SQLite's one
    // writer runs the claim after every earlier write: its NOT EXISTS already saw that record.)
    let postgres = matches!(conn, DbConnection::Postgres(_));
    if claimed
        && postgres
        && find_live_record(conn, &claim.scope, &claim.key, claim.claimed_at)?.is_some()
    {
        release_claim(conn, &claim.scope, &claim.key)?;
        return Ok(false);
    }
    Ok(claimed)
}

/// Ends a key's hold: its create failed (the key is free again) or stored its record.
pub(crate) fn release_claim(
    conn: &mut DbConnection,
    scope: &IdempotencyScope,
    key: &IdempotencyKey,
) -> Result<(), StorageError> {
    let release = diesel::delete(
        idempotency_claims::table
            .filter(idempotency_claims::scope.eq(scope.as_str()))
            .filter(idempotency_claims::key.eq(key.as_str())),
    );
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    match conn {
        DbConnection::Sqlite(conn) => release.execute(conn)?,
        DbConnection::Postgres(conn) => release.execute(conn)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use diesel::sql_types::{BigInt, Text};

    use super::*;
    use crate::testing::postgres_on_one_connection;

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(conn: &mut DbConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Found>(conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .n
    }

    fn claim(key: &str) -> IdempotencyClaim {
        let now = Utc::now();
        IdempotencyClaim {
            scope: IdempotencyScope::principal("tests"),
            key: IdempotencyKey::parse(key).unwrap_or_else(|e| panic!("{e}")),
            fingerprint: Fingerprint::from_bytes([7; 32]),
            claimed_at: now,
            held_until: now + TimeDelta::seconds(60),
        }
    }

    /// On Postgres a hold writes no WAL (its commit waits for no flush), records do; holds taken outside a
    /// transaction (each statement commits by itself) still hold a key once; and the claim is one statement
    /// prepared once per connection, not parsed again for every key.
    #[test]
    fn postgres_holds_keys_in_an_unlogged_table() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        let persistence = |conn: &mut DbConnection, table: &str| {
            count(
                conn,
                &format!(
                    "SELECT count(*) AS n FROM pg_class \
                     WHERE relname = '{table}' AND relpersistence = 'u'"
                ),
            )
        };
        assert_eq!(
            persistence(conn, "idempotency_claims"),
            1,
            "claims unlogged"
        );
        assert_eq!(persistence(conn, "idempotency_keys"), 0, "records logged");

        for key in ["k-1", "k-2", "k-3"] {
            assert!(claim_key(conn, &claim(key)).unwrap_or_else(|e| panic!("{e}")));
        }
        assert!(!claim_key(conn, &claim("k-2")).unwrap_or_else(|e| panic!("{e}")));
        let prepared = count(
            conn,
            "SELECT count(*) AS n FROM pg_prepared_statements \
             WHERE statement LIKE 'INSERT INTO idempotency_claims%'",
        );
        assert_eq!(prepared, 1, "the claim's statement, prepared once");
        let held = diesel::sql_query("SELECT key AS n FROM idempotency_claims ORDER BY key")
            .load::<Key>(conn)
            .unwrap_or_else(|e| panic!("{e}"));
        let held: Vec<_> = held.into_iter().map(|k| k.n).collect();
        assert_eq!(held, ["k-1", "k-2", "k-3"]);
    }

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Text)]
        n: String,
    }
}
