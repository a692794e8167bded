use order_domain::ports::RepositoryError;
use order_domain::{Metadata, OrderStatus, Version, VersionCheck};

use crate::test_support::{now, stored_order, Mocks};
use crate::{AppError, Caller};

fn metadata(key: &str, value: &str) -> Metadata {
    Metadata::parse([(key.to_owned(), value.to_owned())].into()).expect("valid metadata")
}

#[tokio::test]
async fn metadata_is_replaced_by_a_compare_and_swap_on_the_version_read() {
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
        .withf(|order, expected, _| {
            *expected == Version::FIRST
                && order.version().get() == 2
                && order.metadata() == &metadata("channel", "web")
                && order.status() == OrderStatus::Pending
                && order.updated_at() == now()
        })
        .returning(|_, _, _| Ok(()));

    let updated = mocks
        .service()
        .update_metadata(
            &Caller::anonymous(),
            id,
            metadata("channel", "web"),
            VersionCheck::OneOf(vec![Version::FIRST]),
        )
        .await
        .expect("updated");
    assert_eq!(updated.metadata(), &metadata("channel", "web"));
}

#[tokio::test]
async fn a_stale_if_match_on_metadata_writes_nothing() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.orders.expect_update().never();

    let result = mocks
        .service()
        .update_metadata(
            &Caller::anonymous(),
            id,
            metadata("a", "b"),
            VersionCheck::OneOf(vec![Version::FIRST.next()]),
        )
        .await;
    assert!(
        matches!(result, Err(AppError::PreconditionFailed { current }) if current == Version::FIRST),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_lost_race_on_metadata_is_retried_from_a_fresh_read() {
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
        .update_metadata(
            &Caller::anonymous(),
            id,
            metadata("a", "b"),
            VersionCheck::Any,
        )
        .await;
    assert!(result.is_ok(), "{result:?}");
}
