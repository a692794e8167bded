use order_domain::ports::RepositoryError;
use order_domain::{Version, VersionCheck};

use crate::test_support::{now, stored_order, Mocks};
use crate::{AppError, Caller};

#[tokio::test]
async fn deleting_marks_the_order_deleted_at_the_next_version() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
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
                && *expected == Version::FIRST
                && order.version().get() == 2
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
