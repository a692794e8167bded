//! Two outbox workers on one database: each effect is run by exactly one of them, and an order's effects still
//! run in version order, however the two interleave. On Postgres they are two replicas, which lease effects in
//! the table; on SQLite two workers of the one process, which leases them in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use order_domain::ports::{OrderRepository, Outbox};
use order_domain::{
    Datum, EffectKind, EventContext, EventId, EventType, Order, OrderEvent, OrderId,
    RecordedChange, Version,
};
use order_storage::testing::{an_order, TestDatabase};
use order_storage::{DieselStorage, StorageOptions};

const ORDERS: usize = 30;
/// Each order has a created event and a delete, each with these effects.
const EFFECTS_PER_EVENT: usize = 2;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default()
}

fn change(order: &Order, event_type: EventType) -> RecordedChange {
    RecordedChange {
        event: OrderEvent {
            id: EventId::generate(),
            order_id: order.id(),
            event_type,
            order_version: order.version(),
            occurred_at: order.updated_at(),
            context: EventContext::default(),
            data: Datum::object([]).into(),
        },
        effects: vec![EffectKind::Publish, EffectKind::ReleaseStock],
    }
}

/// What a worker saw, in the one order all workers share.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Claimed(usize),
    Completed(usize),
}

type Journal = Arc<Mutex<Vec<(Step, OrderId, String, u64)>>>;

/// Claims and completes effects until several claims in a row find nothing; returns how many it ran.
async fn work(replica: usize, storage: DieselStorage, journal: Journal) -> usize {
    let lease = Duration::from_secs(60);
    let mut ran = 0;
    let mut idle = 0;
    while idle < 5 {
        let due = storage
            .claim_due(now(), lease, 4)
            .await
            .unwrap_or_else(|e| panic!("claim: {e}"));
        if due.is_empty() {
            idle += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        idle = 0;
        let entry = |step, effect: &order_domain::DueEffect| {
            (
                step,
                effect.order_id,
                effect.kind.name(),
                effect.order_version.get(),
            )
        };
        journal.lock().unwrap_or_else(|e| e.into_inner()).extend(
            due.iter()
                .map(|effect| entry(Step::Claimed(replica), effect)),
        );
        for effect in &due {
            // The effect's call downstream takes a moment, as a real one would.
            tokio::time::sleep(Duration::from_millis(2)).await;
            journal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(entry(Step::Completed(replica), effect));
            storage
                .complete(std::slice::from_ref(effect), now())
                .await
                .unwrap_or_else(|e| panic!("complete: {e}"));
            ran += 1;
        }
    }
    ran
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_run_each_effect_once_and_each_orders_effects_in_version_order() {
    let Some(database) = TestDatabase::postgres() else {
        return;
    };
    let open = || {
        DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("open: {e}"))
    };
    two_workers_run_each_effect_once_in_version_order(open(), open()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_of_one_sqlite_process_run_each_effect_once_and_in_version_order() {
    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
        .unwrap_or_else(|e| panic!("open: {e}"));
    two_workers_run_each_effect_once_in_version_order(storage.clone(), storage).await;
}

async fn two_workers_run_each_effect_once_in_version_order(
    first: DieselStorage,
    second: DieselStorage,
) {
    for _ in 0..ORDERS {
        let order = an_order(now());
        first
            .insert(&order, &change(&order, EventType::Created), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut deleted = order.clone();
        deleted.delete(now()).unwrap_or_else(|e| panic!("{e}"));
        first
            .update(
                &deleted,
                Version::FIRST,
                &change(&deleted, EventType::Deleted),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let journal = Journal::default();
    let (ran_first, ran_second) = tokio::join!(
        tokio::spawn(work(0, first, journal.clone())),
        tokio::spawn(work(1, second, journal.clone())),
    );
    let ran = [
        ran_first.unwrap_or_else(|e| panic!("{e}")),
        ran_second.unwrap_or_else(|e| panic!("{e}")),
    ];
    let expected = ORDERS * 2 * EFFECTS_PER_EVENT;
    assert_eq!(ran[0] + ran[1], expected, "every effect ran once: {ran:?}");
    assert!(
        ran[0] > 0 && ran[1] > 0,
        "both replicas took a share: {ran:?}"
    );

    let journal = journal.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut claims: HashMap<(OrderId, String, u64), usize> = HashMap::new();
    for (step, order, effect, version) in &journal {
        if matches!(step, Step::Claimed(_)) {
            *claims
                .entry((*order, effect.clone(), *version))
                .or_default() += 1;
        }
    }
    assert_eq!(claims.len(), expected);
    assert!(
        claims.values().all(|&n| n == 1),
        "no effect was claimed twice"
    );
    // Version 2 of an order's effect is claimed only after version 1 of it completed.
    for (at, (step, order, effect, version)) in journal.iter().enumerate() {
        if matches!(step, Step::Claimed(_)) && *version == 2 {
            let done_before = journal[..at].iter().any(|(s, o, e, v)| {
                matches!(s, Step::Completed(_)) && o == order && e == effect && *v == 1
            });
            assert!(
                done_before,
                "{effect} v2 of {order} ran before v1 completed"
            );
        }
    }
}
