use order_domain::ports::RepositoryError;
use order_domain::{OrderStatus, Version, VersionCheck};

use crate::test_support::{now, stored_order, Mocks};
use crate::{AppError, Caller};

#[tokio::test]
async fn deleting_a_pending_order_cancels_it_and_writes_the_release_of_its_stock_with_it() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    // The release is done by the outbox worker, after commit.
    mocks.inventory.expect_release().never();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks
        .orders
        .expect_update()
        .times(1)
        .withf(|order, expected, change| {
            change.event.event_type == order_domain::EventType::Deleted
                && change.effects == [order_domain::EffectKind::ReleaseStock]
                && *expected == Version::FIRST
                && order.version().get() == 2
                && order.status() == OrderStatus::Canceled
                && order.deleted_at() == Some(now())
                && order.updated_at() == now()
        })
        .returning(|_, _, _| Ok(()));

    let result = mocks
        .service()
        .delete_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn deleting_a_missing_order_is_not_found() {
    let mut mocks = Mocks::new();
    mocks.orders.expect_find().returning(|_| Ok(None));
    mocks.orders.expect_update().never();

    let result = mocks
        .service()
        .delete_order(
            &Caller::anonymous(),
            order_domain::OrderId::generate(),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(result, Err(AppError::NotFound)));
}

#[tokio::test]
async fn a_stale_if_match_fails_without_writing() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.orders.expect_update().never();

    let stale = VersionCheck::OneOf(vec![Version::FIRST.next()]);
    let result = mocks
        .service()
        .delete_order(&Caller::anonymous(), id, stale)
        .await;
    assert!(
        matches!(result, Err(AppError::PreconditionFailed { current }) if current == Version::FIRST)
    );
}

#[tokio::test]
async fn a_lost_race_is_retried_from_a_fresh_read() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks.inventory.expect_release().returning(|_| Ok(()));
    mocks
        .orders
        .expect_find()
        .times(2)
        .returning(move |_| Ok(Some(order.clone())));
    let mut attempts = 0;
    mocks
        .orders
        .expect_update()
        .times(2)
        .returning(move |_, _, _| {
            attempts += 1;
            if attempts == 1 {
                Err(RepositoryError::VersionConflict)
            } else {
                Ok(())
            }
        });

    let result = mocks
        .service()
        .delete_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_change_that_always_loses_its_race_gives_up_with_a_conflict() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .times(5)
        .returning(move |_| Ok(Some(order.clone())));
    mocks
        .orders
        .expect_update()
        .times(5)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));

    let result = mocks
        .service()
        .delete_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await;
    assert!(matches!(result, Err(AppError::Conflict)));
}

#[tokio::test]
async fn a_paid_order_cannot_be_deleted_and_nothing_is_written() {
    let mut order = stored_order();
    let payment = order_domain::PaymentRequest::parse(
        order_domain::PaymentDraft {
            method: Some("visa".into()),
            amount: Some(order.totals().total_amount.to_decimal().to_string()),
            reference: None,
        },
        order.currency(),
    )
    .expect("a payment");
    let authorization = order_domain::AuthorizationId::parse("auth-1").expect("an id");
    order.pay(&payment, authorization, now()).expect("paid");
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.orders.expect_update().never();
    mocks.inventory.expect_release().never();

    let result = mocks
        .service()
        .delete_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: order_domain::OrderAction::Delete,
            status: OrderStatus::Processing,
            ..
        })
    ));
}
