//! Where an idempotency key is held while its request runs. A hold is a transient lock, not an acknowledged
//! write: nothing a client was answered depends on it surviving a crash (a create's answer is its record in
//! `idempotency_keys`, written with the order), and the holds of requests that died with the process should go
//! with them. Postgres keeps holds in an unlogged table that every replica shares. A SQLite file is served by one
//! process, so the holds live in that process: a claim takes the hold there, then reads the key's record on a
//! reader thread, and the writer is left to the writes.
//!
//! Why a reader's look is enough on SQLite: a request that stores a record lets go of its hold only once its
//! write has committed (`KeyHolds::settled`). A claim that takes the hold after that reads from a snapshot that
//! has the record; a claim before it finds the key held.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use order_domain::{IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope};

use crate::connection::DbConnection;
use crate::error::StorageError;
use crate::idempotency::settle_hold;

/// The holds of one store.
#[derive(Clone)]
pub(crate) enum KeyHolds {
    /// In `idempotency_claims` (Postgres).
    Table,
    /// In this process (SQLite).
    Process(Arc<HeldKeys>),
}

impl KeyHolds {
    /// Ends the key's hold in the write that stores its record: on Postgres, in the same transaction. A hold kept
    /// in this process is not ended here, but once that write has committed (`settled`).
    pub(crate) fn settle(
        &self,
        conn: &mut DbConnection,
        record: &IdempotencyRecord,
    ) -> Result<(), StorageError> {
        match self {
            KeyHolds::Table => settle_hold(conn, record),
            KeyHolds::Process(_) => Ok(()),
        }
    }

    /// Ends a hold kept in this process, the write that stored its record committed: from now on a claim reads
    /// the record.
    pub(crate) fn settled(&self, record: &IdempotencyRecord) {
        if let KeyHolds::Process(held) = self {
            held.holds().remove(&name(&record.scope, &record.key));
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

    /// Holds the key for `claim`, unless another request holds it and that hold has not lapsed. True if held.
    pub(crate) fn hold(&self, claim: &IdempotencyClaim) -> bool {
        let mut holds = self.holds();
        let name = name(&claim.scope, &claim.key);
        if holds
            .get(&name)
            .is_some_and(|hold| hold.held_until > claim.claimed_at)
        {
            return false;
        }
        let hold = Hold {
            claimed_at: claim.claimed_at,
            held_until: claim.held_until,
        };
        holds.insert(name, hold);
        true
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
    use order_domain::{Fingerprint, KeyClaim};

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

    /// A claim on SQLite holds the key in the process and reads the key's record on a reader thread: it is
    /// answered while the writer is busy with a long batch, and writes nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_claims_hold_keys_in_the_process_without_waiting_for_the_writer() {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
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

        // The writer is kept busy until the claims are done.
        let (go_on, went_on) = std::sync::mpsc::channel::<()>();
        let busy = {
            let storage = storage.clone();
            tokio::spawn(async move {
                storage
                    .write(move |_| {
                        let _ = went_on.recv_timeout(std::time::Duration::from_secs(10));
                        Ok(())
                    })
                    .await
            })
        };
        let claimed = |key, at| {
            let storage = storage.clone();
            async move {
                let claim = claim(key, at);
                tokio::time::timeout(
                    std::time::Duration::from_secs(3),
                    storage.claim_idempotency(&claim),
                )
                .await
                .unwrap_or_else(|_| panic!("the claim waited for the writer"))
                .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(claimed("new", at).await, KeyClaim::Held);
        assert_eq!(claimed("new", at).await, KeyClaim::Busy);
        assert_eq!(
            claimed("new", at + TimeDelta::seconds(61)).await,
            KeyClaim::Held,
            "a lapsed hold is taken over"
        );
        assert_eq!(
            claimed("stored", at).await,
            KeyClaim::Answered(record.clone())
        );
        assert_eq!(
            claimed("stored", at).await,
            KeyClaim::Answered(record),
            "a claim answered from the record holds nothing"
        );
        go_on.send(()).unwrap_or_else(|e| panic!("{e}"));
        let done = busy.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_ok(), "{done:?}");

        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let rows = diesel::sql_query("SELECT count(*) AS n FROM idempotency_claims")
            .get_result::<Count>(&mut conn.db)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.n, 0, "no hold was written");
    }
}
