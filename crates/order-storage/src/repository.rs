use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use order_domain::ports::{
    EventHistory, OrderRepository, Outbox, OutboxStats, PaymentAttempts, RepositoryError,
};
use order_domain::{
    AttemptId, AttemptState, AuthorizationId, DueEffect, EventId, IdempotencyClaim, IdempotencyKey,
    IdempotencyRecord, IdempotencyScope, KeyClaim, Order, OrderEvent, OrderFilter, OrderId,
    PageOfOrders, PageRequest, PaymentAttempt, RecordedChange, Version,
};

use crate::connection::DbConnection;
use crate::effect_leases::EffectLeases;
use crate::error::StorageError;
use crate::event_rows::{events_after, find_events, ChangeRows};
use crate::idempotency::{
    claim_key, find_live_record, insert_record, purge_expired, release_claim,
};
use crate::key_holds::KeyHolds;
use crate::order_rows::{
    find_any_order, find_live_order, list_live_orders, NewOrderRows, OrderUpdate,
};
use crate::outbox;
use crate::payment_attempts;
use crate::DieselStorage;

/// The same statement on both backends: rewrites the probe's one row.
const READINESS_PROBE: &str = "INSERT INTO readiness_probe (id, probes) VALUES (1, 1) \
     ON CONFLICT (id) DO UPDATE SET probes = readiness_probe.probes + 1";

impl DieselStorage {
    /// `write`s a keyed request's change with the answer it stores (its idempotency record, if any), written
    /// last in the change's transaction. The key's hold ends with it: in that transaction on Postgres, and once
    /// it has committed on SQLite, where a claim reads the record only after the hold is gone.
    async fn write_answered<F>(
        &self,
        idempotency: Option<IdempotencyRecord>,
        change: F,
    ) -> Result<(), RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<(), StorageError> + Send + 'static,
    {
        let holds = self.holds.clone();
        let stored = self
            .write(move |conn| {
                change(conn)?;
                if let Some(record) = &idempotency {
                    insert_record(conn, record)?;
                    holds.settle(conn, record)?;
                }
                Ok(idempotency)
            })
            .await?;
        if let Some(record) = &stored {
            self.holds.settled(record);
        }
        Ok(())
    }
}

#[async_trait]
impl OrderRepository for DieselStorage {
    async fn insert(
        &self,
        order: &Order,
        change: &RecordedChange,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<(), RepositoryError> {
        let rows = NewOrderRows::of(order);
        let change = ChangeRows::of(change);
        if self.backend() == "postgres" {
            return self
                .run(move |conn| match conn {
                    DbConnection::Postgres(conn) => {
                        rows.insert_in_one_statement(conn, change, idempotency)
                    }
                    DbConnection::Sqlite(_) => Err(StorageError::Corrupt(
                        "a Postgres pool gave a SQLite connection".into(),
                    )),
                })
                .await;
        }
        self.write_answered(idempotency, move |conn| {
            rows.insert(conn)?;
            change.insert(conn)
        })
        .await
    }

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepositoryError> {
        self.read(move |conn| find_live_order(conn, &id.to_string()))
            .await
    }

    async fn find_including_deleted(&self, id: OrderId) -> Result<Option<Order>, RepositoryError> {
        self.read(move |conn| find_any_order(conn, &id.to_string()))
            .await
    }

    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<PageOfOrders, RepositoryError> {
        let (filter, page, cache) = (filter.clone(), *page, self.orders.clone());
        self.read(move |conn| list_live_orders(conn, &cache, &filter, &page))
            .await
    }

    async fn update(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
    ) -> Result<(), RepositoryError> {
        let update = OrderUpdate::of(order, expected);
        let change = ChangeRows::of(change);
        // One transaction (a savepoint of the SQLite writer's batch): a lost compare-and-swap writes no event.
        self.write(move |conn| match update.apply(conn)? {
            true => change.insert(conn),
            false => Err(RepositoryError::VersionConflict.into()),
        })
        .await
    }

    async fn update_keyed(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
        idempotency: IdempotencyRecord,
    ) -> Result<(), RepositoryError> {
        let update = OrderUpdate::of(order, expected);
        let change = ChangeRows::of(change);
        // One transaction: a key already recorded rolls the change back with it.
        self.write(move |conn| match update.apply(conn)? {
            true => {
                change.insert(conn)?;
                insert_record(conn, &idempotency)
            }
            false => Err(RepositoryError::VersionConflict.into()),
        })
        .await
    }

    async fn find_idempotency(
        &self,
        scope: &IdempotencyScope,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>, RepositoryError> {
        let (scope, key) = (scope.clone(), key.clone());
        self.read(move |conn| find_live_record(conn, &scope, &key, now))
            .await
    }

    async fn claim_idempotency(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<KeyClaim, RepositoryError> {
        let claim = claim.clone();
        match &self.holds {
            // The claim's one statement commits by itself, in one round trip, without a BEGIN and a COMMIT
            // around it.
            KeyHolds::Table => self.run(move |conn| claim_key(conn, &claim)).await,
            KeyHolds::Process(held) => {
                if !held.hold(&claim) {
                    return Ok(KeyClaim::Busy);
                }
                // Held from here: a record is read now, or written by no one else while the hold stands.
                let (scope, key, at) = (claim.scope.clone(), claim.key.clone(), claim.claimed_at);
                let found = self
                    .read(move |conn| find_live_record(conn, &scope, &key, at))
                    .await;
                if !matches!(found, Ok(None)) {
                    held.release(&claim);
                }
                Ok(match found? {
                    Some(record) => KeyClaim::Answered(record),
                    None => KeyClaim::Held,
                })
            }
        }
    }

    async fn release_idempotency(&self, claim: &IdempotencyClaim) -> Result<(), RepositoryError> {
        let claim = claim.clone();
        match &self.holds {
            KeyHolds::Table => self.write(move |conn| release_claim(conn, &claim)).await,
            KeyHolds::Process(held) => {
                held.release(&claim);
                Ok(())
            }
        }
    }

    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError> {
        if let KeyHolds::Process(held) = &self.holds {
            held.purge_lapsed(now);
        }
        self.write(move |conn| purge_expired(conn, now)).await
    }

    /// A write, not a `SELECT 1`: a database with a full disk still answers reads but refuses every change.
    async fn ping(&self) -> Result<(), RepositoryError> {
        self.write(|conn| Ok(conn.batch_execute(READINESS_PROBE)?))
            .await
    }
}

#[async_trait]
impl EventHistory for DieselStorage {
    async fn events_after(
        &self,
        order: OrderId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<OrderEvent>, RepositoryError> {
        self.read(move |conn| events_after(conn, order, after, limit))
            .await
    }

    async fn events(&self, ids: &[EventId]) -> Result<Vec<OrderEvent>, RepositoryError> {
        let ids: Vec<String> = ids.iter().map(EventId::to_string).collect();
        self.outbox_read(move |conn| find_events(conn, &ids)).await
    }
}

#[async_trait]
impl Outbox for DieselStorage {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<DueEffect>, RepositoryError> {
        match &self.leases {
            EffectLeases::Table => {
                self.outbox_write(move |conn| outbox::claim_due(conn, now, lease, limit))
                    .await
            }
            EffectLeases::Process(leased) => {
                let find =
                    |held| self.outbox_read(move |conn| outbox::find_due(conn, now, limit, held));
                leased.claim(now, lease, find).await
            }
        }
    }

    async fn complete(
        &self,
        effects: &[DueEffect],
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        let done = effects.to_vec();
        self.outbox_write(move |conn| outbox::complete(conn, &done, now))
            .await?;
        self.leases.release(effects).await;
        Ok(())
    }

    async fn retry(
        &self,
        effect: &DueEffect,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepositoryError> {
        let (due, error) = (effect.clone(), error.to_owned());
        self.outbox_write(move |conn| outbox::retry(conn, &due, at, &error))
            .await?;
        self.leases.release(std::slice::from_ref(effect)).await;
        Ok(())
    }

    async fn park(&self, effect: &DueEffect, error: &str) -> Result<(), RepositoryError> {
        let (parked, error) = (effect.clone(), error.to_owned());
        self.outbox_write(move |conn| outbox::park(conn, &parked, &error))
            .await?;
        self.leases.release(std::slice::from_ref(effect)).await;
        Ok(())
    }

    async fn stats(&self, now: DateTime<Utc>) -> Result<OutboxStats, RepositoryError> {
        self.read(move |conn| outbox::stats(conn, now)).await
    }

    async fn prune_done(&self, before: DateTime<Utc>) -> Result<u64, RepositoryError> {
        self.write(move |conn| outbox::prune_done(conn, before))
            .await
    }
}

#[async_trait]
impl PaymentAttempts for DieselStorage {
    async fn open(
        &self,
        attempt: &PaymentAttempt,
        settle_at: DateTime<Utc>,
    ) -> Result<PaymentAttempt, RepositoryError> {
        let attempt = attempt.clone();
        let now = Utc::now();
        self.write(move |conn| payment_attempts::open(conn, &attempt, settle_at, now))
            .await
    }

    async fn attach(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
        attempt: AttemptId,
        authorization: &AuthorizationId,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<(), RepositoryError> {
        let update = OrderUpdate::of(order, expected);
        let change = ChangeRows::of(change);
        let authorization = authorization.clone();
        // One transaction: the order is paid with the attempt's authorization only if the attempt is still
        // open, and the settler can then no longer take it.
        self.write_answered(idempotency, move |conn| {
            if !update.apply(conn)? {
                return Err(RepositoryError::VersionConflict.into());
            }
            if !payment_attempts::attach(conn, attempt, &authorization)? {
                return Err(RepositoryError::AttemptSettled.into());
            }
            change.insert(conn)
        })
        .await
    }

    async fn lost(
        &self,
        attempt: AttemptId,
        authorization: Option<AuthorizationId>,
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        self.write(move |conn| payment_attempts::lost(conn, attempt, authorization.as_ref(), now))
            .await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, RepositoryError> {
        self.write(move |conn| payment_attempts::claim_due(conn, now, lease, limit))
            .await
    }

    async fn settled(
        &self,
        attempt: AttemptId,
        state: AttemptState,
        authorization: Option<AuthorizationId>,
    ) -> Result<(), RepositoryError> {
        self.write(move |conn| {
            payment_attempts::settled(conn, attempt, state, authorization.as_ref())
        })
        .await
    }

    async fn retry(
        &self,
        attempt: AttemptId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepositoryError> {
        let error = error.to_owned();
        self.write(move |conn| payment_attempts::retry(conn, attempt, at, &error))
            .await
    }

    async fn of_order(&self, order: OrderId) -> Result<Vec<PaymentAttempt>, RepositoryError> {
        self.read(move |conn| payment_attempts::of_order(conn, order))
            .await
    }
}
