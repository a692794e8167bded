use std::collections::HashMap;

use order_domain::ports::GatewayError;
use order_domain::{AuthorizationId, Order, OrderId, PaymentDraft, PaymentRequest, RefundId};

use crate::test_support::{now, stored_order, Mocks};
use crate::SweepReport;

fn authorization() -> AuthorizationId {
    AuthorizationId::parse("auth-1").expect("a valid authorization id")
}

fn canceled(paid: bool) -> Order {
    let mut order = stored_order();
    if paid {
        let draft = PaymentDraft {
            method: Some("visa".into()),
            amount: Some("50".into()),
            reference: None,
        };
        let request =
            PaymentRequest::parse(draft, order.currency()).unwrap_or_else(|v| panic!("{v:?}"));
        order
            .pay(&request, authorization(), now())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    order.cancel(now()).unwrap_or_else(|e| panic!("{e}"));
    order
}

#[tokio::test]
async fn the_sweeper_releases_stock_of_orders_never_stored_or_canceled_and_keeps_the_rest() {
    let never_stored = OrderId::generate();
    let live = stored_order();
    let gone = canceled(false);
    let orders: HashMap<OrderId, Order> = [(live.id(), live.clone()), (gone.id(), gone.clone())]
        .into_iter()
        .collect();
    let reserved = vec![never_stored, live.id(), gone.id()];

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
    let keep = live.id();
    mocks
        .inventory
        .expect_release()
        .times(2)
        .withf(move |id| *id != keep)
        .returning(|_| Ok(()));
    mocks
        .orders
        .expect_refunds_due()
        .returning(|_| Ok(Vec::new()));

    let report = mocks
        .service()
        .sweep()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report,
        SweepReport {
            released: 2,
            refunded: 0,
            failed: 0
        }
    );
}

#[tokio::test]
async fn the_sweeper_settles_refunds_left_due_and_counts_what_still_fails() {
    let owed = canceled(true);
    let stuck = canceled(true);
    let stuck_id = stuck.id();
    let due = vec![owed.clone(), stuck.clone()];
    let mut mocks = Mocks::new();
    mocks
        .inventory
        .expect_reservations_before()
        .returning(|_| Ok(Vec::new()));
    mocks
        .orders
        .expect_refunds_due()
        .times(1)
        .returning(move |_| Ok(due.clone()));
    mocks
        .payments
        .expect_refund()
        .times(2)
        .returning(move |_, id, _, _, _| {
            if id == stuck_id {
                Err(order_domain::ports::PaymentError::Gateway(
                    GatewayError::Unavailable {
                        service: "payment",
                        retry_after: None,
                        source: None,
                    },
                ))
            } else {
                Ok(RefundId::parse("refund-1").expect("a valid refund id"))
            }
        });
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(owed.clone())));
    mocks.orders.expect_update().times(1).returning(|order, _| {
        assert!(order
            .payment()
            .is_some_and(|p| !p.refund_due && p.refunded_at.is_some()));
        Ok(())
    });

    let report = mocks
        .service()
        .sweep()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report,
        SweepReport {
            released: 0,
            refunded: 1,
            failed: 1
        }
    );
}
