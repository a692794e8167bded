use order_domain::ports::{GatewayError, RepositoryError, ReservationError};
use order_domain::{
    IdempotencyKey, IdempotencyRecord, IdempotencyScope, KeyClaim, OrderStatus, ProductId,
};

use crate::test_support::{new_order, now, Mocks};
use crate::{AppError, Caller, CreateOrder};

fn keyed(customer: &str, key: &str) -> CreateOrder {
    CreateOrder {
        order: new_order(customer),
        idempotency_key: Some(IdempotencyKey::parse(key).unwrap_or_else(|e| panic!("{e}"))),
    }
}

fn unkeyed(customer: &str) -> CreateOrder {
    CreateOrder {
        order: new_order(customer),
        idempotency_key: None,
    }
}

fn record_for(command: &CreateOrder, body: &[u8]) -> IdempotencyRecord {
    let key = command
        .idempotency_key
        .clone()
        .unwrap_or_else(|| panic!("keyed"));
    IdempotencyRecord {
        scope: IdempotencyScope::anonymous(),
        key,
        fingerprint: command.order.fingerprint(),
        order_id: order_domain::OrderId::generate(),
        response_body: body.to_vec(),
        created_at: now(),
        expires_at: now() + chrono::TimeDelta::hours(24),
    }
}

fn render(order: &order_domain::Order) -> Vec<u8> {
    format!("order {}", order.id()).into_bytes()
}

#[tokio::test]
async fn a_new_order_is_pending_reserved_and_stored_with_its_key_and_response() {
    let mut mocks = Mocks::new();
    // A new key is held at once: no look-up before the claim, which holds only a key without a record.
    mocks.orders.expect_find_idempotency().never();
    mocks
        .customers
        .expect_exists()
        .times(1)
        .returning(|_| Ok(true));
    mocks
        .inventory
        .expect_reserve()
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .orders
        .expect_insert()
        .times(1)
        .withf(|order, change, record| {
            let change_matches =
                change.event.order_id == order.id() && change.event.order_version.get() == 1;
            let record = record.as_ref();
            change_matches
                && order.status() == OrderStatus::Pending
                && order.version().get() == 1
                && order.created_at() == now()
                && record.is_some_and(|r| {
                    r.order_id == order.id()
                        && r.response_body == render(order)
                        && r.expires_at == now() + chrono::TimeDelta::hours(24)
                })
        })
        .returning(|_, _, _| Ok(()));
    mocks
        .orders
        .expect_claim_idempotency()
        .times(1)
        .withf(|claim| claim.key.as_str() == "key-1" && claim.held_until > now())
        .returning(|_| Ok(KeyClaim::Held));
    mocks.orders.expect_release_idempotency().never();
    mocks.inventory.expect_release().never();

    let created = mocks
        .service()
        .create_order(&Caller::anonymous(), keyed("customer-1", "key-1"), render)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!created.replayed);
    assert_eq!(
        created.body,
        format!("order {}", created.order_id).into_bytes()
    );
}

#[tokio::test]
async fn an_unknown_customer_is_refused_before_anything_is_reserved_or_stored() {
    let mut mocks = Mocks::new();
    mocks.customers.expect_exists().returning(|_| Ok(false));
    mocks.inventory.expect_reserve().never();
    mocks.orders.expect_insert().never();

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), unkeyed("ghost"), render)
        .await;
    assert!(matches!(result, Err(AppError::UnknownCustomer(c)) if c.as_str() == "ghost"));
}

#[tokio::test]
async fn missing_stock_names_the_products_and_stores_nothing() {
    let mut mocks = Mocks::new();
    mocks.customers.expect_exists().returning(|_| Ok(true));
    mocks.inventory.expect_reserve().returning(|_, _| {
        Err(ReservationError::Unavailable(vec![
            ProductId::parse("p-1").unwrap_or_else(|e| panic!("{e}"))
        ]))
    });
    mocks.orders.expect_insert().never();

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), unkeyed("customer-1"), render)
        .await;
    assert!(
        matches!(result, Err(AppError::OutOfStock(p)) if p.len() == 1 && p[0].as_str() == "p-1")
    );
}

#[tokio::test]
async fn an_unavailable_customer_service_is_a_dependency_failure_and_writes_nothing() {
    let mut mocks = Mocks::new();
    mocks.customers.expect_exists().returning(|_| {
        Err(GatewayError::Unavailable {
            service: "customer",
            retry_after: None,
            source: None,
        })
    });
    mocks.inventory.expect_reserve().never();
    mocks.orders.expect_insert().never();

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), unkeyed("customer-1"), render)
        .await;
    assert!(matches!(
        result,
        Err(AppError::DependencyUnavailable {
            service: "customer",
            ..
        })
    ));
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_request_replays_the_first_response() {
    let command = keyed("customer-1", "key-1");
    let record = record_for(&command, b"first answer");
    let mut mocks = Mocks::new();
    mocks.orders.expect_find_idempotency().never();
    mocks
        .orders
        .expect_claim_idempotency()
        .times(1)
        .returning(move |_| Ok(KeyClaim::Answered(record.clone())));
    mocks.customers.expect_exists().never();
    mocks.inventory.expect_reserve().never();
    mocks.orders.expect_insert().never();

    let created = mocks
        .service()
        .create_order(&Caller::anonymous(), command, render)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(created.replayed);
    assert_eq!(created.body, b"first answer");
}

#[tokio::test]
async fn the_same_key_with_a_different_request_is_refused() {
    let first = keyed("customer-1", "key-1");
    let record = record_for(&first, b"first answer");
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_claim_idempotency()
        .returning(move |_| Ok(KeyClaim::Answered(record.clone())));
    mocks.orders.expect_insert().never();

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), keyed("customer-2", "key-1"), render)
        .await;
    assert!(matches!(result, Err(AppError::IdempotencyKeyReused)));
}

#[tokio::test]
async fn losing_the_race_for_a_key_releases_the_reservation_and_replays_the_winner() {
    let command = keyed("customer-1", "key-1");
    let record = record_for(&command, b"winner's answer");
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find_idempotency()
        .times(1)
        .returning(move |_, _, _| Ok(Some(record.clone())));
    mocks.customers.expect_exists().returning(|_| Ok(true));
    mocks.inventory.expect_reserve().returning(|_, _| Ok(()));
    mocks
        .orders
        .expect_insert()
        .returning(|_, _, _| Err(RepositoryError::DuplicateIdempotencyKey));
    mocks
        .orders
        .expect_claim_idempotency()
        .returning(|_| Ok(KeyClaim::Held));
    mocks
        .orders
        .expect_release_idempotency()
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .inventory
        .expect_release()
        .times(1)
        .returning(|_| Ok(()));

    let created = mocks
        .service()
        .create_order(&Caller::anonymous(), command, render)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(created.replayed);
    assert_eq!(created.body, b"winner's answer");
}

#[tokio::test]
async fn a_failed_insert_releases_the_reservation_it_made() {
    let mut mocks = Mocks::new();
    mocks.customers.expect_exists().returning(|_| Ok(true));
    mocks.inventory.expect_reserve().returning(|_, _| Ok(()));
    let reserved = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = reserved.clone();
    mocks.orders.expect_insert().returning(move |order, _, _| {
        *seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(order.id());
        Err(RepositoryError::Unavailable("disk gone".into()))
    });
    let released = reserved.clone();
    mocks
        .inventory
        .expect_release()
        .times(1)
        .withf(move |id| Some(*id) == *released.lock().unwrap_or_else(|e| e.into_inner()))
        .returning(|_| Ok(()));

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), unkeyed("customer-1"), render)
        .await;
    assert!(matches!(result, Err(AppError::StorageUnavailable(_))));
}

#[tokio::test]
async fn a_principal_s_key_is_looked_up_in_its_own_key_space() {
    let principal = order_domain::Principal::new(
        "client-a",
        order_domain::Role::Store(order_domain::StoreId::parse("store-1").expect("a store id")),
    );
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_claim_idempotency()
        .withf(|claim| claim.scope == IdempotencyScope::principal("client-a"))
        .returning(|_| Ok(KeyClaim::Held));
    mocks
        .orders
        .expect_release_idempotency()
        .returning(|_| Ok(()));
    mocks.customers.expect_exists().returning(|_| Ok(false));

    let result = mocks
        .service()
        .create_order(
            &Caller::authenticated(principal),
            keyed("customer-1", "key-1"),
            render,
        )
        .await;
    assert!(matches!(result, Err(AppError::UnknownCustomer(_))));
}

#[tokio::test]
async fn a_duplicate_while_the_first_is_in_flight_reserves_nothing() {
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find_idempotency()
        .times(1)
        .returning(|_, _, _| Ok(None));
    mocks
        .orders
        .expect_claim_idempotency()
        .times(1)
        .returning(|_| Ok(KeyClaim::Busy));
    mocks.customers.expect_exists().never();
    mocks.inventory.expect_reserve().never();
    mocks.orders.expect_insert().never();
    mocks.orders.expect_release_idempotency().never();

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), keyed("customer-1", "key-1"), render)
        .await;
    assert!(matches!(result, Err(AppError::IdempotencyKeyInFlight)));
}

#[tokio::test]
async fn a_key_stored_while_its_claim_waited_is_replayed() {
    let command = keyed("customer-1", "key-1");
    let record = record_for(&command, b"first answer");
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find_idempotency()
        .times(1)
        .returning(move |_, _, _| Ok(Some(record.clone())));
    mocks
        .orders
        .expect_claim_idempotency()
        .returning(|_| Ok(KeyClaim::Busy));
    mocks.inventory.expect_reserve().never();

    let created = mocks
        .service()
        .create_order(&Caller::anonymous(), command, render)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(created.replayed);
    assert_eq!(created.body, b"first answer");
}

#[tokio::test]
async fn a_failed_create_lets_go_of_its_key() {
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_claim_idempotency()
        .returning(|_| Ok(KeyClaim::Held));
    mocks.customers.expect_exists().returning(|_| Ok(true));
    mocks.inventory.expect_reserve().returning(|_, _| {
        Err(ReservationError::Unavailable(vec![
            ProductId::parse("p-1").expect("a product id")
        ]))
    });
    mocks
        .orders
        .expect_release_idempotency()
        .times(1)
        .withf(|claim| {
            claim.scope == IdempotencyScope::anonymous()
                && claim.key.as_str() == "key-1"
                && claim.claimed_at == now()
        })
        .returning(|_| Ok(()));

    let result = mocks
        .service()
        .create_order(&Caller::anonymous(), keyed("customer-1", "key-1"), render)
        .await;
    assert!(matches!(result, Err(AppError::OutOfStock(_))));
}
