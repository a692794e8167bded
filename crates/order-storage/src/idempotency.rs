//! The `idempotency_keys` rows and their queries.

use crate::connection::DbConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use order_domain::ports::RepositoryError;
use order_domain::{Fingerprint, IdempotencyKey, IdempotencyRecord, IdempotencyScope};

use crate::error::{corrupt, StorageError};
use crate::schema::idempotency_keys;

#[derive(Debug, Queryable, Selectable, Insertable)]
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
/// An expired one is replaced: its time is up, so the key is free again.
pub(crate) fn insert_record(
    conn: &mut DbConnection,
    record: IdempotencyRecord,
) -> Result<(), StorageError> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(record.scope.as_str()))
            .filter(idempotency_keys::key.eq(record.key.as_str()))
            .filter(idempotency_keys::expires_at.le(record.created_at.naive_utc())),
    )
    .execute(conn)?;
    let row = IdempotencyRow {
        scope: record.scope.as_str().to_owned(),
        key: record.key.as_str().to_owned(),
        fingerprint: record.fingerprint.as_bytes().to_vec(),
        order_id: record.order_id.to_string(),
        response_body: record.response_body,
        created_at: record.created_at.naive_utc(),
        expires_at: record.expires_at.naive_utc(),
    };
    match diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(RepositoryError::DuplicateIdempotencyKey.into())
        }
        Err(error) => Err(error.into()),
    }
}

pub(crate) fn find_live_record(
    conn: &mut DbConnection,
    scope: &IdempotencyScope,
    key: &IdempotencyKey,
    now: DateTime<Utc>,
) -> Result<Option<IdempotencyRecord>, StorageError> {
    idempotency_keys::table
        .filter(idempotency_keys::scope.eq(scope.as_str()))
        .filter(idempotency_keys::key.eq(key.as_str()))
        .filter(idempotency_keys::expires_at.gt(now.naive_utc()))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()?
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
    Ok(purged as u64)
}
