//! Where the outbox worker's leases on due effects are kept. A lease says that a worker is running the effect;
//! it is not an acknowledged write (an effect is run at least once, with its idempotency key, and a lease that
//! dies with its worker should go with it). Postgres marks it in the outbox's row, where every replica sees it.
//! A SQLite file is served by one process, so its leases live in that process: the claim is a read on a reader
//! connection, and the one writer writes only what the effects' run changed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use order_domain::ports::RepositoryError;
use order_domain::DueEffect;
use tokio::sync::Mutex;

use crate::outbox::{json_keys, row};

/// The leases of one store.
#[derive(Clone)]
pub(crate) enum EffectLeases {
    /// In the outbox's `locked_until` (Postgres).
    Table,
    /// In this process (SQLite).
    Process(Arc<LeasedEffects>),
}

impl EffectLeases {
    /// Lets go of the effects' leases once their write has committed (nothing to do on Postgres, whose write
    /// let go of them).
    pub(crate) async fn release(&self, effects: &[DueEffect]) {
        if let EffectLeases::Process(leased) = self {
            let mut leased = leased.0.lock().await;
            for effect in effects {
                leased.remove(&row(effect));
            }
        }
    }
}

/// The effects leased in this process, by key, with the end of each lease.
#[derive(Default)]
pub(crate) struct LeasedEffects(Mutex<HashMap<(String, String), DateTime<Utc>>>);

impl LeasedEffects {
    /// Leases what `find` reads as due past the leases held (a JSON array of their keys), until `now + lease`.
    ///
    /// The leases are locked from before `find`'s read until its effects are leased, and an effect's lease is
    /// let go only after the write that ran it has committed (`EffectLeases::release`). So a read that began
    /// before that commit, and still sees the effect waiting, also sees it leased: it is never handed out again
    /// once run.
    pub(crate) async fn claim<F, Fut>(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        find: F,
    ) -> Result<Vec<DueEffect>, RepositoryError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Vec<DueEffect>, RepositoryError>>,
    {
        let mut leased = self.0.lock().await;
        // A lease past its end is a worker that died or hangs: its effects are due again.
        leased.retain(|_, until| *until > now);
        let keys: Vec<(String, String)> = leased.keys().cloned().collect();
        let held = json_keys(&keys)?;
        let due = find(held).await?;
        let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::minutes(1));
        leased.extend(due.iter().map(|effect| (row(effect), until)));
        Ok(due)
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;
    use diesel::{QueryableByName, RunQueryDsl};
    use order_domain::ports::{OrderRepository, Outbox};
    use order_domain::EffectKind;

    use crate::testing::{a_change, an_order, TestDatabase};
    use crate::{DieselStorage, StorageOptions};

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// SQLite's worker leases effects without a write, so a lease takes no turn on the one writer; and a lease
    /// dies with its process, so a process started after a crash runs the effects at once, not after the lease.
    #[tokio::test]
    async fn sqlite_leases_effects_in_the_process_and_a_new_process_takes_them_at_once() {
        let database = TestDatabase::sqlite();
        let open = || {
            DieselStorage::open(&StorageOptions::new(database.database.clone()))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let storage = open();
        assert!(matches!(storage.leases, EffectLeases::Process(_)));
        let at = Utc::now();
        let order = an_order(at);
        let mut change = a_change(&order);
        change.effects = vec![EffectKind::Publish, EffectKind::ReleaseStock];
        storage
            .insert(&order, &change, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let lease = Duration::from_secs(60);
        let due = at + TimeDelta::seconds(1);

        let claimed = storage
            .claim_due(due, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claimed.len(), 2);
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let marked =
            diesel::sql_query("SELECT count(*) AS n FROM outbox WHERE locked_until IS NOT NULL")
                .get_result::<Count>(&mut conn.db)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(marked.n, 0, "no lease was written");
        let again = storage.claim_due(due, lease, 10).await.ok();
        assert_eq!(again.map(|c| c.len()), Some(0), "leased in this process");

        // Another process on the file: the first one's leases died with it.
        let restarted = open();
        let taken = restarted
            .claim_due(due, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(taken.len(), 2, "taken at once");
    }
}
