//! The `idempotency_keys` rows and their queries.

use crate::connection::{load_native, DbConnection};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Binary, Nullable, Text, Timestamp, Untyped};
use order_domain::ports::RepositoryError;
use order_domain::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope, KeyClaim,
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
/// live record, and reads the key's live record in the same statement (Postgres, whose holds every replica
/// shares; SQLite keeps them in the process, `key_holds`): one statement, so two requests never both hold a key,
/// and a replay is one round trip. A hold whose request stored its record is kept until the record expires: a
/// claim that waited for that request's commit finds it still held. The record is read from the statement's
/// snapshot: one stored by a commit the claim waited for is not in it, and the caller looks again.
const CLAIM_OR_ANSWER: &str = "\
WITH held AS (
    INSERT INTO idempotency_claims (scope, key, fingerprint, claimed_at, held_until)
    SELECT $1, $2, $3, $4, $5
    WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $4)
    ON CONFLICT (scope, key) DO UPDATE SET
        fingerprint = excluded.fingerprint, claimed_at = excluded.claimed_at, held_until = excluded.held_until
    WHERE idempotency_claims.held_until <= excluded.claimed_at
    RETURNING 1)
SELECT (SELECT count(*) FROM held) AS held, k.scope, k.key, k.fingerprint, k.order_id, k.response_body,
       k.created_at, k.expires_at
FROM (SELECT 1) AS one
LEFT JOIN idempotency_keys k ON k.scope = $1 AND k.key = $2 AND k.expires_at > $4";

/// `CLAIM_OR_ANSWER` with its values, kept prepared on the connection (`numbered_sql`) rather than parsed and
/// planned again for every key.
struct Claim<'a> {
    claim: &'a IdempotencyClaim,
    claimed_at: Stamp,
    held_until: Stamp,
}

impl<'a> Claim<'a> {
    fn of(claim: &'a IdempotencyClaim) -> Self {
        Claim {
            claim,
            claimed_at: Stamp(claim.claimed_at.naive_utc()),
            held_until: Stamp(claim.held_until.naive_utc()),
        }
    }
}

impl<DB: Backend> QueryFragment<DB> for Claim<'_>
where
    str: ToSql<Text, DB>,
    [u8]: ToSql<Binary, DB>,
    Stamp: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let claim = self.claim;
        walk_numbered(CLAIM_OR_ANSWER, out, |number, mut out| match number {
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

impl Query for Claim<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Claim<'_> {}

/// `CLAIM_OR_ANSWER`'s row: whether the claim held, and the key's live record in its snapshot, if any.
#[derive(QueryableByName)]
struct ClaimOrAnswer {
    #[diesel(sql_type = BigInt)]
    held: i64,
    #[diesel(sql_type = Nullable<Text>)]
    scope: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Nullable<Binary>)]
    fingerprint: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Text>)]
    order_id: Option<String>,
    #[diesel(sql_type = Nullable<Binary>)]
    response_body: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    created_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    expires_at: Option<NaiveDateTime>,
}

impl ClaimOrAnswer {
    fn into_claim(self) -> Result<KeyClaim, StorageError> {
        if self.held > 0 {
            return Ok(KeyClaim::Held);
        }
        let (
            Some(scope),
            Some(key),
            Some(fingerprint),
            Some(order_id),
            Some(response_body),
            Some(created_at),
            Some(expires_at),
        ) = (
            self.scope,
            self.key,
            self.fingerprint,
            self.order_id,
            self.response_body,
            self.created_at,
            self.expires_at,
        )
        else {
            return Ok(KeyClaim::Busy);
        };
        let row = IdempotencyRow {
            scope,
            key,
            fingerprint,
            order_id,
            response_body,
            created_at,
            expires_at,
        };
        Ok(KeyClaim::Answered(row.into_record()?))
    }
}

/// Holds the claim's key, or answers with its live record, or finds it busy (Postgres).
pub(crate) fn claim_key(
    conn: &mut DbConnection,
    claim: &IdempotencyClaim,
) -> Result<KeyClaim, StorageError> {
    match conn {
        // On the backend's own connection, so that diesel finds the statement in its cache by its type.
        DbConnection::Postgres(pg) => Claim::of(claim)
            .get_result::<ClaimOrAnswer>(pg)?
            .into_claim(),
        DbConnection::Sqlite(_) => Err(in_process()),
    }
}

/// SQLite's holds are not rows (`key_holds`).
fn in_process() -> StorageError {
    StorageError::Corrupt("SQLite holds idempotency keys in the process, not in a table".into())
}

/// Ends a claim's hold, its write having stored nothing: the key is free again (Postgres). A hold taken by a later claim
/// (this one's lapsed) is not this one's to end.
pub(crate) fn release_claim(
    conn: &mut DbConnection,
    claim: &IdempotencyClaim,
) -> Result<(), StorageError> {
    let DbConnection::Postgres(conn) = conn else {
        return Err(in_process());
    };
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    diesel::delete(
        idempotency_claims::table
            .filter(idempotency_claims::scope.eq(claim.scope.as_str()))
            .filter(idempotency_claims::key.eq(claim.key.as_str()))
            .filter(idempotency_claims::claimed_at.eq(Stamp(claim.claimed_at.naive_utc()))),
    )
    .execute(conn)?;
    Ok(())
}

/// Ends the key's hold as its record is stored in the same transaction (Postgres): the hold is kept until the
/// record expires, since a claim that waited for this commit reads from a snapshot without the record, and must
/// find the key held.
pub(crate) fn settle_hold(
    conn: &mut DbConnection,
    record: &IdempotencyRecord,
) -> Result<(), StorageError> {
    let DbConnection::Postgres(conn) = conn else {
        return Err(in_process());
    };
    // On the backend's own connection, so that diesel finds the statement in its cache by its type.
    diesel::update(
        idempotency_claims::table
            .filter(idempotency_claims::scope.eq(record.scope.as_str()))
            .filter(idempotency_claims::key.eq(record.key.as_str())),
    )
    .set(idempotency_claims::held_until.eq(Stamp(record.expires_at.naive_utc())))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use diesel::sql_types::{BigInt, Text};

    use diesel::connection::SimpleConnection;
    use diesel::PgConnection;

    use super::*;
    use crate::event_rows::ChangeRows;
    use crate::order_rows::NewOrderRows;
    use crate::testing::{a_change, an_order, postgres_on_one_connection};
    use crate::Database;

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

        let claimed = |conn: &mut DbConnection, key| {
            claim_key(conn, &claim(key)).unwrap_or_else(|e| panic!("{e}"))
        };
        for key in ["k-1", "k-2", "k-3"] {
            assert_eq!(claimed(conn, key), KeyClaim::Held);
        }
        assert_eq!(claimed(conn, "k-2"), KeyClaim::Busy);
        let prepared = count(
            conn,
            "SELECT count(*) AS n FROM pg_prepared_statements \
             WHERE statement LIKE '%WITH held AS (%INSERT INTO idempotency_claims%'",
        );
        assert_eq!(prepared, 1, "the claim's statement, prepared once");
        let held = diesel::sql_query("SELECT key AS n FROM idempotency_claims ORDER BY key")
            .load::<Key>(conn)
            .unwrap_or_else(|e| panic!("{e}"));
        let held: Vec<_> = held.into_iter().map(|k| k.n).collect();
        assert_eq!(held, ["k-1", "k-2", "k-3"]);
    }

    /// Postgres runs a claim beside the commit of the create that stores the key's record: the claim waits for
    /// the create's lock on the key's hold, and then finds it kept (until the record expires), not gone. The
    /// create's record is not in the claim's snapshot, so the claim says busy; the next one answers with it.
    #[test]
    fn a_claim_waiting_for_the_commit_of_its_keys_record_does_not_hold_the_key() {
        let Some((database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let Database::Postgres(url) = database.database.clone() else {
            panic!("a Postgres test database");
        };
        let first = claim("raced");
        let mut creator = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let DbConnection::Postgres(pg) = &mut creator.db else {
            panic!("a Postgres connection");
        };
        let mut creator = DbConnection::Postgres(std::mem::replace(
            pg,
            PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}")),
        ));
        assert_eq!(
            claim_key(&mut creator, &first).unwrap_or_else(|e| panic!("{e}")),
            KeyClaim::Held
        );

        let order = an_order(first.claimed_at);
        let record = IdempotencyRecord {
            scope: first.scope.clone(),
            key: first.key.clone(),
            fingerprint: first.fingerprint,
            order_id: order.id(),
            response_body: b"created".to_vec(),
            created_at: first.claimed_at,
            expires_at: first.claimed_at + TimeDelta::hours(24),
        };
        creator
            .batch_execute("BEGIN")
            .unwrap_or_else(|e| panic!("{e}"));
        let DbConnection::Postgres(pg) = &mut creator else {
            panic!("a Postgres connection");
        };
        NewOrderRows::of(&order)
            .insert_in_one_statement(pg, ChangeRows::of(&a_change(&order)), Some(record.clone()))
            .unwrap_or_else(|e| panic!("{e}"));

        // A retry after the first hold lapsed, while the create is still uncommitted.
        let retry = IdempotencyClaim {
            claimed_at: first.held_until + TimeDelta::seconds(1),
            held_until: first.held_until + TimeDelta::seconds(61),
            ..first.clone()
        };
        let waiting = {
            let (url, retry) = (url.clone(), retry.clone());
            std::thread::spawn(move || {
                let mut conn = DbConnection::Postgres(
                    PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}")),
                );
                claim_key(&mut conn, &retry).unwrap_or_else(|e| panic!("{e}"))
            })
        };
        let blocked = (0..500).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            count(
                &mut creator,
                "SELECT count(*) AS n FROM pg_locks WHERE NOT granted",
            ) > 0
        });
        assert!(blocked, "the retry's claim waits for the create");
        creator
            .batch_execute("COMMIT")
            .unwrap_or_else(|e| panic!("{e}"));

        let answer = waiting.join().unwrap_or_else(|_| panic!("the claim ran"));
        assert_eq!(answer, KeyClaim::Busy, "the key stays held by its create");
        let answered = claim_key(&mut creator, &retry).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(&answered, KeyClaim::Answered(stored)
                if stored.order_id == record.order_id && stored.response_body == record.response_body),
            "a later claim answers with the record: {answered:?}"
        );
    }

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Text)]
        n: String,
    }
}
