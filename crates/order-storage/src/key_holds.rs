//! Where an idempotency key is held while its request runs. A hold is a transient lock, not an acknowledged
//! write: nothing a client was answered depends on it surviving a crash (a create's answer is its record in
//! `idempotency_keys`, written with the order), and the holds of requests that died with the process should go
//! with them. Postgres keeps holds in an unlogged table that every replica shares. A SQLite file is served by one
//! process, whose one writer runs every claim after every earlier write, so the holds live in that process: a
//! claim writes nothing, and answers as soon as the writer has run it rather than after its batch's fsync.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use order_domain::{
    IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope, KeyClaim,
};

use crate::connection::DbConnection;
use crate::error::StorageError;
use crate::idempotency::{find_live_record, settle_hold};
use crate::writer::Settled;

/// The holds of one store.
#[derive(Clone)]
pub(crate) enum KeyHolds {
    /// In `idempotency_claims` (Postgres).
    Table,
    /// In this process (SQLite).
    Process(Arc<HeldKeys>),
}

impl KeyHolds {
    /// Ends the key's hold as its record is stored in the same write. Call it after the write's last
    /// statement: a hold kept in this process is not rolled back with a savepoint.
    pub(crate) fn settle(
        &self,
        conn: &mut DbConnection,
        record: &IdempotencyRecord,
    ) -> Result<(), StorageError> {
        match self {
            KeyHolds::Table => settle_hold(conn, record),
            KeyHolds::Process(held) => {
                held.holds().remove(&name(&record.scope, &record.key));
                Ok(())
            }
        }
    }
}

/// The keys held in this process, by scope and key.
#[derive(Default)]
pub(crate) struct HeldKeys(Mutex<HashMap<(String, String), Hold>>);

struct Hold {
    claimed_at: DateTime<Utc>,
    held_until: DateTime<Utc>,
}

fn name(scope: &IdempotencyScope, key: &IdempotencyKey) -> (String, String) {
    (scope.as_str().to_owned(), key.as_str().to_owned())
}

impl HeldKeys {
    fn holds(&self) -> MutexGuard<'_, HashMap<(String, String), Hold>> {
        // Each use is one map operation: a panic leaves nothing half-changed.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers with the key's live record (once the writer's batch that may have written it has committed),
    /// or holds the key, or finds it held by another request. Run on the writer: the record it looks for is
    /// the latest. A hold, or its refusal, is settled at once: it wrote nothing, and the record it did not find
    /// is not found by anyone after this batch either, whether the batch commits or not.
    pub(crate) fn claim(
        &self,
        conn: &mut DbConnection,
        claim: &IdempotencyClaim,
    ) -> Result<Settled<KeyClaim>, StorageError> {
        if let Some(record) = find_live_record(conn, &claim.scope, &claim.key, claim.claimed_at)? {
            return Ok(Settled::OnCommit(KeyClaim::Answered(record)));
        }
        let mut holds = self.holds();
        let name = name(&claim.scope, &claim.key);
        if holds
            .get(&name)
            .is_some_and(|hold| hold.held_until > claim.claimed_at)
        {
            return Ok(Settled::Now(KeyClaim::Busy));
        }
        let hold = Hold {
            claimed_at: claim.claimed_at,
            held_until: claim.held_until,
        };
        holds.insert(name, hold);
        Ok(Settled::Now(KeyClaim::Held))
    }

    /// True if a hold on the key has not lapsed at `now`.
    pub(crate) fn is_held(
        &self,
        scope: &IdempotencyScope,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> bool {
        self.holds()
            .get(&name(scope, key))
            .is_some_and(|hold| hold.held_until > now)
    }

    /// Ends a claim's hold, its write having stored nothing. A hold taken by a later claim (this one's
    /// lapsed) is not this one's to end.
    pub(crate) fn release(&self, claim: &IdempotencyClaim) {
        let name = name(&claim.scope, &claim.key);
        let mut holds = self.holds();
        if holds
            .get(&name)
            .is_some_and(|hold| hold.claimed_at == claim.claimed_at)
        {
            holds.remove(&name);
        }
    }

    /// Forgets the holds that have lapsed by `now` (their requests died, or never let go).
    pub(crate) fn purge_lapsed(&self, now: DateTime<Utc>) {
        self.holds().retain(|_, hold| hold.held_until > now);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use diesel::sql_types::BigInt;
    use diesel::{QueryableByName, RunQueryDsl};
    use order_domain::ports::OrderRepository;
    use order_domain::Fingerprint;

    use crate::testing::{a_change, an_order, TestDatabase};
    use crate::{DieselStorage, StorageOptions};

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn claim(key: &str, at: DateTime<Utc>) -> IdempotencyClaim {
        IdempotencyClaim {
            scope: IdempotencyScope::principal("tests"),
            key: IdempotencyKey::parse(key).unwrap_or_else(|e| panic!("{e}")),
            fingerprint: Fingerprint::from_bytes([7; 32]),
            claimed_at: at,
            held_until: at + TimeDelta::seconds(60),
        }
    }

    /// A hold, or a key found held, is answered as soon as the writer has run the claim: nothing was written
    /// for it. A record is answered only once the batch that may have just written it has committed.
    #[tokio::test]
    async fn sqlite_holds_keys_in_the_process_and_answers_a_record_only_on_commit() {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        let KeyHolds::Process(held) = storage.holds.clone() else {
            panic!("SQLite holds keys in the process");
        };
        let at = Utc::now();
        let order = an_order(at);
        let record = IdempotencyRecord {
            scope: IdempotencyScope::principal("tests"),
            key: IdempotencyKey::parse("stored").unwrap_or_else(|e| panic!("{e}")),
            fingerprint: Fingerprint::from_bytes([7; 32]),
            order_id: order.id(),
            response_body: b"created".to_vec(),
            created_at: at,
            expires_at: at + TimeDelta::hours(24),
        };
        storage
            .insert(&order, &a_change(&order), Some(record.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let mut claimed = |key, at| match held.claim(&mut conn.db, &claim(key, at)) {
            Ok(Settled::Now(answer)) => ("now", answer),
            Ok(Settled::OnCommit(answer)) => ("on commit", answer),
            Err(error) => panic!("{error}"),
        };
        assert_eq!(claimed("new", at), ("now", KeyClaim::Held));
        assert_eq!(claimed("new", at), ("now", KeyClaim::Busy));
        assert_eq!(
            claimed("new", at + TimeDelta::seconds(61)),
            ("now", KeyClaim::Held),
            "a lapsed hold is taken over"
        );
        assert_eq!(
            claimed("stored", at),
            ("on commit", KeyClaim::Answered(record))
        );
        let rows = diesel::sql_query("SELECT count(*) AS n FROM idempotency_claims")
            .get_result::<Count>(&mut conn.db)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.n, 0, "no hold was written");
    }
}
