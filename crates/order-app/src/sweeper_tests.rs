use std::collections::HashMap;

use order_domain::{Order, OrderId};

use crate::test_support::{now, stored_order, Mocks};
use crate::SweepReport;

#[tokio::test]
async fn the_sweeper_releases_only_stock_whose_order_was_never_stored() {
    let never_stored = OrderId::generate();
    let live = stored_order();
    let mut canceled = stored_order();
    canceled.cancel(now()).unwrap_or_else(|e| panic!("{e}"));
    let orders: HashMap<OrderId, Order> =
        [(live.id(), live.clone()), (canceled.id(), canceled.clone())]
            .into_iter()
            .collect();
    let reserved = vec![never_stored, live.id(), canceled.id()];

    let mut mocks = Mocks::new();
    mocks
        .inventory
        .expect_reservations_before()
        .times(1)
        .withf(|before| *before == now() - chrono::TimeDelta::minutes(5))
        .returning(move |_| Ok(reserved.clone()));
    mocks
        .orders
        .expect_find_including_deleted()
        .returning(move |id| Ok(orders.get(&id).cloned()));
    // The canceled order's release is a row of the outbox, written with its cancel.
    mocks
        .inventory
        .expect_release()
        .times(1)
        .withf(move |id| *id == never_stored)
        .returning(|_| Ok(()));

    let report = mocks
        .service()
        .sweep()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report,
        SweepReport {
            released: 1,
            failed: 0
        }
    );
}
