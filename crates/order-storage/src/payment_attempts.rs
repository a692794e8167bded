//! The `payment_attempts` rows: recorded before the provider is asked, attached in the order's paying
//! compare-and-swap, or claimed and settled by the worker.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Integer, Nullable, Text, Timestamp};
use order_domain::{
    AttemptId, AttemptState, AuthorizationId, Currency, Money, OrderId, PaymentAttempt,
    PaymentRequest, ProviderKey,
};

use crate::cached::ByText;
use crate::connection::DbConnection;
use crate::error::{corrupt, StorageError};
use crate::schema::payment_attempts;
use crate::stamp::Stamp;

#[derive(Insertable)]
#[diesel(table_name = payment_attempts)]
struct NewAttemptRow {
    id: String,
    order_id: String,
    provider_key: String,
    method: String,
    amount: i64,
    currency: String,
    reference: Option<String>,
    authorization_id: Option<String>,
    state: String,
    failures: i32,
    settle_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

#[derive(Queryable, QueryableByName)]
pub(crate) struct AttemptRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    order_id: String,
    #[diesel(sql_type = Text)]
    provider_key: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = BigInt)]
    amount: i64,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Nullable<Text>)]
    reference: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    authorization_id: Option<String>,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

impl AttemptRow {
    fn into_attempt(self) -> Result<PaymentAttempt, StorageError> {
        let currency =
            Currency::parse(&self.currency).ok_or_else(|| corrupt("currency", &self.currency))?;
        Ok(PaymentAttempt {
            id: self
                .id
                .parse()
                .map_err(|_| corrupt("attempt id", &self.id))?,
            order_id: self
                .order_id
                .parse::<OrderId>()
                .map_err(|_| corrupt("order id", &self.order_id))?,
            key: ProviderKey::parse(self.provider_key.clone())
                .map_err(|_| corrupt("provider key", &self.provider_key))?,
            request: PaymentRequest {
                method: self.method,
                amount: Money::from_minor(self.amount, currency)
                    .map_err(|_| corrupt("amount", self.amount))?,
                reference: self.reference,
            },
            authorization_id: self
                .authorization_id
                .map(|id| {
                    AuthorizationId::parse(id.clone()).map_err(|_| corrupt("authorization", id))
                })
                .transpose()?,
            state: AttemptState::parse(&self.state).ok_or_else(|| corrupt("state", &self.state))?,
            failures: u32::try_from(self.failures).unwrap_or(0),
        })
    }
}

pub(crate) fn open(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    settle_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PaymentAttempt, StorageError> {
    let row = NewAttemptRow {
        id: attempt.id.to_string(),
        order_id: attempt.order_id.to_string(),
        provider_key: attempt.key.as_str().to_owned(),
        method: attempt.request.method.clone(),
        amount: attempt.request.amount.minor_units(),
        currency: attempt.request.amount.currency().code().to_owned(),
        reference: attempt.request.reference.clone(),
        authorization_id: attempt
            .authorization_id
            .as_ref()
            .map(|a| a.as_str().to_owned()),
        state: attempt.state.as_str().to_owned(),
        failures: 0,
        settle_at: settle_at.naive_utc(),
        created_at: now.naive_utc(),
    };
    // A second request with the same client key and body derives the same provider key: it takes over the
    // attempt on record (the provider replays its answer under that key) rather than failing.
    let insert = diesel::insert_into(payment_attempts::table)
        .values(row)
        .on_conflict(payment_attempts::provider_key)
        .do_nothing();
    // Diesel builds upserts per backend, not for the multi-backend.
    match conn {
        DbConnection::Sqlite(conn) => insert.execute(conn)?,
        DbConnection::Postgres(conn) => insert.execute(conn)?,
    };
    let row: AttemptRow = payment_attempts::table
        .filter(payment_attempts::provider_key.eq(attempt.key.as_str()))
        .select(ATTEMPT_COLUMNS)
        .first(conn)?;
    row.into_attempt()
}

const ATTEMPT_COLUMNS: (
    payment_attempts::id,
    payment_attempts::order_id,
    payment_attempts::provider_key,
    payment_attempts::method,
    payment_attempts::amount,
    payment_attempts::currency,
    payment_attempts::reference,
    payment_attempts::authorization_id,
    payment_attempts::state,
    payment_attempts::failures,
) = (
    payment_attempts::id,
    payment_attempts::order_id,
    payment_attempts::provider_key,
    payment_attempts::method,
    payment_attempts::amount,
    payment_attempts::currency,
    payment_attempts::reference,
    payment_attempts::authorization_id,
    payment_attempts::state,
    payment_attempts::failures,
);

/// Marks an open attempt attached; `false` if it is no longer open (the settler took it).
pub(crate) fn attach(
    conn: &mut DbConnection,
    attempt: AttemptId,
    authorization: &AuthorizationId,
) -> Result<bool, StorageError> {
    let updated = diesel::update(
        payment_attempts::table
            .filter(payment_attempts::id.eq(attempt.to_string()))
            .filter(payment_attempts::state.eq(AttemptState::Open.as_str())),
    )
    .set((
        payment_attempts::state.eq(AttemptState::Attached.as_str()),
        payment_attempts::authorization_id.eq(Some(authorization.as_str())),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub(crate) fn lost(
    conn: &mut DbConnection,
    attempt: AttemptId,
    authorization: Option<&AuthorizationId>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let the_attempt = payment_attempts::table
        .filter(payment_attempts::id.eq(attempt.to_string()))
        .filter(payment_attempts::state.eq(AttemptState::Open.as_str()));
    diesel::update(the_attempt)
        .set(payment_attempts::settle_at.eq(now.naive_utc()))
        .execute(conn)?;
    if let Some(authorization) = authorization {
        let the_attempt = payment_attempts::table
            .filter(payment_attempts::id.eq(attempt.to_string()))
            .filter(payment_attempts::authorization_id.is_null());
        diesel::update(the_attempt)
            .set(payment_attempts::authorization_id.eq(Some(authorization.as_str())))
            .execute(conn)?;
    }
    Ok(())
}

/// Leases the due open or settling attempts, oldest first (`lock` is `FOR UPDATE SKIP LOCKED` on Postgres).
/// A query of its own rather than `sql_query`, which diesel prepares again on every execution: the worker
/// claims on every tick, idle or not. Kept prepared in the connection's statement cache, keyed by its text,
/// which holds the limit and the lock.
struct Claim {
    now: Stamp,
    until: Stamp,
    limit: u32,
    lock: &'static str,
}

impl<DB> QueryFragment<DB> for Claim
where
    DB: Backend + HasSqlType<Timestamp>,
    Stamp: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE payment_attempts SET state = 'settling', settle_at = ");
        out.push_bind_param::<Timestamp, _>(&self.until)?;
        out.push_sql(
            " WHERE id IN (
    SELECT a.id FROM payment_attempts a
    WHERE a.state IN ('open', 'settling') AND a.settle_at <= ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql("\n    ORDER BY a.settle_at\n    LIMIT ");
        out.push_sql(&self.limit.to_string());
        out.push_sql(self.lock);
        out.push_sql(
            "
)
RETURNING id, order_id, provider_key, method, amount, currency, reference, authorization_id, state, failures",
        );
        Ok(())
    }
}

pub(crate) fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: usize,
) -> Result<Vec<PaymentAttempt>, StorageError> {
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::minutes(1));
    let claim = |lock| {
        ByText(Claim {
            now: Stamp(now.naive_utc()),
            until: Stamp(until.naive_utc()),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            lock,
        })
    };
    // On the backend's own connection, so that diesel finds the statement in its cache; planned at each run,
    // as the table is then.
    conn.plan_each_run()?;
    let rows: Vec<AttemptRow> = match conn {
        DbConnection::Postgres(conn) => claim("\n    FOR UPDATE SKIP LOCKED").load(conn)?,
        DbConnection::Sqlite(conn) => claim("").load(conn)?,
    };
    rows.into_iter().map(AttemptRow::into_attempt).collect()
}

pub(crate) fn settled(
    conn: &mut DbConnection,
    attempt: AttemptId,
    state: AttemptState,
    authorization: Option<&AuthorizationId>,
) -> Result<(), StorageError> {
    conn.plan_each_run()?;
    diesel::update(payment_attempts::table.filter(payment_attempts::id.eq(attempt.to_string())))
        .set((
            payment_attempts::state.eq(state.as_str()),
            payment_attempts::authorization_id.eq(authorization.map(AuthorizationId::as_str)),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn retry(
    conn: &mut DbConnection,
    attempt: AttemptId,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), StorageError> {
    conn.plan_each_run()?;
    diesel::update(payment_attempts::table.filter(payment_attempts::id.eq(attempt.to_string())))
        .set((
            payment_attempts::failures.eq(payment_attempts::failures + 1),
            payment_attempts::settle_at.eq(at.naive_utc()),
            payment_attempts::last_error.eq(Some(error.chars().take(1000).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn of_order(
    conn: &mut DbConnection,
    order: OrderId,
) -> Result<Vec<PaymentAttempt>, StorageError> {
    let rows: Vec<AttemptRow> = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order.to_string()))
        .order(payment_attempts::id.asc())
        .select(ATTEMPT_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(AttemptRow::into_attempt).collect()
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;

    use super::*;
    use crate::connection::transaction;
    use crate::testing::postgres_on_one_connection;

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = BigInt)]
        generic: i64,
    }

    /// The worker claims on every tick: the claim is parsed and planned once per connection, not again each
    /// time (Postgres lists what a connection keeps prepared).
    #[test]
    fn the_claim_is_prepared_once_per_connection_and_planned_at_each_run() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        for _ in 0..8 {
            let claimed = transaction(conn, |conn| {
                claim_due(conn, Utc::now(), Duration::from_secs(60), 128)
            })
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(claimed.is_empty());
        }
        let claim = diesel::sql_query(
            "SELECT count(*) AS n, coalesce(sum(generic_plans), 0)::bigint AS generic \
             FROM pg_prepared_statements \
             WHERE statement LIKE 'UPDATE payment_attempts SET state = ''settling''%'",
        )
        .get_result::<Found>(conn)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claim.n, 1, "the claim's statement, prepared once");
        // Not planned once for good on the empty table a new service starts with (`PLAN_EACH_RUN`).
        assert_eq!(claim.generic, 0, "the claim planned at each run");
    }
}
