use order_domain::{
    CustomerId, OrderFilter, PageOfOrders, PageRequest, Principal, Role, StoreId, VersionCheck,
};

use super::Action::{self, *};
use super::Decision::{self, *};
use super::{confine, decide, Owner};
use crate::test_support::{new_order, stored_order, Mocks};
use crate::{AppError, Caller, CreateOrder};

fn store(id: &str) -> Principal {
    Principal::new(
        format!("svc-{id}"),
        Role::Store(StoreId::parse(id).expect("store id")),
    )
}

fn customer(id: &str) -> Principal {
    Principal::new(
        format!("user-{id}"),
        Role::Customer(CustomerId::parse(id).expect("customer id")),
    )
}

fn admin() -> Principal {
    Principal::new("root", Role::Admin)
}

fn operator() -> Principal {
    Principal::new("ops", Role::Operator)
}

/// The decision on an order of store-1 bought by customer-1 (the test orders).
fn on_test_order(principal: &Principal, action: Action) -> Decision {
    let order = stored_order();
    decide(Some(principal), action, Some((&order).into()))
}

#[test]
fn without_a_principal_everything_is_allowed() {
    let order = stored_order();
    for action in Action::ALL {
        assert_eq!(
            decide(None, action, Some((&order).into())),
            Allow,
            "{action}"
        );
        assert_eq!(decide(None, action, None), Allow, "{action}");
    }
}

#[test]
fn an_admin_may_do_everything() {
    for action in Action::ALL {
        assert_eq!(on_test_order(&admin(), action), Allow, "{action}");
    }
}

#[test]
fn an_operator_reads_and_fulfils_but_never_creates_pays_or_deletes() {
    let forbidden = [Create, Pay, Delete, RequestReturn, WriteMetadata];
    for action in Action::ALL {
        let expected = if forbidden.contains(&action) {
            Forbid
        } else {
            Allow
        };
        assert_eq!(on_test_order(&operator(), action), expected, "{action}");
    }
}

#[test]
fn a_store_does_all_but_delete_on_its_own_orders() {
    for action in Action::ALL {
        let expected = if action == Delete { Forbid } else { Allow };
        assert_eq!(
            on_test_order(&store("store-1"), action),
            expected,
            "{action}"
        );
    }
}

#[test]
fn another_stores_order_is_hidden_and_creating_for_it_is_forbidden() {
    for action in Action::ALL {
        let expected = match action {
            Create => Forbid,
            List => Allow,
            _ => Hide,
        };
        assert_eq!(
            on_test_order(&store("store-2"), action),
            expected,
            "{action}"
        );
    }
}

#[test]
fn a_customer_pays_addresses_cancels_and_returns_its_own_orders_and_never_fulfils_them() {
    let allowed = [
        Create,
        Read,
        List,
        Pay,
        SetShippingAddress,
        Cancel,
        RequestReturn,
        ReadHistory,
        ReadShipments,
        ReadRefunds,
        ReadReturns,
        ReadMetadata,
    ];
    for action in Action::ALL {
        let expected = if allowed.contains(&action) {
            Allow
        } else {
            Forbid
        };
        assert_eq!(
            on_test_order(&customer("customer-1"), action),
            expected,
            "{action}"
        );
    }
}

#[test]
fn another_customers_order_is_hidden_whatever_the_action() {
    for action in Action::ALL {
        let expected = match action {
            Create => Forbid,
            List => Allow,
            _ => Hide,
        };
        assert_eq!(
            on_test_order(&customer("customer-2"), action),
            expected,
            "{action}"
        );
    }
}

#[test]
fn a_create_is_judged_by_the_order_it_asks_for() {
    let order = new_order("customer-1");
    let owner = Owner::from(&order);
    assert_eq!(decide(Some(&store("store-1")), Create, Some(owner)), Allow);
    assert_eq!(decide(Some(&store("store-2")), Create, Some(owner)), Forbid);
    assert_eq!(
        decide(Some(&customer("customer-1")), Create, Some(owner)),
        Allow
    );
    assert_eq!(
        decide(Some(&customer("customer-2")), Create, Some(owner)),
        Forbid
    );
    assert_eq!(decide(Some(&operator()), Create, Some(owner)), Forbid);
}

#[test]
fn lists_are_confined_to_the_stores_and_customers_own_orders() {
    let everything = OrderFilter::default();
    let confined = confine(Some(&store("store-1")), &everything).expect("confined");
    assert_eq!(
        confined.store_id.as_ref().map(|s| s.as_str()),
        Some("store-1")
    );
    let confined = confine(Some(&customer("customer-1")), &everything).expect("confined");
    assert_eq!(
        confined.customer_id.as_ref().map(|c| c.as_str()),
        Some("customer-1")
    );
    assert_eq!(
        confine(Some(&operator()), &everything),
        Ok(everything.clone())
    );
    assert_eq!(confine(None, &everything), Ok(everything.clone()));

    let other_store = OrderFilter {
        store_id: StoreId::parse("store-2").ok(),
        ..OrderFilter::default()
    };
    assert_eq!(confine(Some(&store("store-1")), &other_store), Err(Forbid));
    assert_eq!(
        confine(Some(&admin()), &other_store),
        Ok(other_store.clone())
    );
    let other_customer = OrderFilter {
        customer_id: CustomerId::parse("customer-2").ok(),
        ..OrderFilter::default()
    };
    assert_eq!(
        confine(Some(&customer("customer-1")), &other_customer),
        Err(Forbid)
    );
}

// The use cases act on the table's answer: hidden is not found, forbidden is refused, and neither writes.

#[tokio::test]
async fn reading_another_stores_order_is_not_found() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    let caller = Caller::authenticated(store("store-2"));
    let result = mocks.service().get_order(&caller, id).await;
    assert!(matches!(result, Err(AppError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn a_hidden_order_is_not_changed() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.orders.expect_update().never();
    let caller = Caller::authenticated(customer("customer-2"));
    let result = mocks
        .service()
        .cancel_order(&caller, id, VersionCheck::Any)
        .await;
    assert!(matches!(result, Err(AppError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn a_forbidden_change_is_refused_without_writing() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.orders.expect_update().never();
    let caller = Caller::authenticated(operator());
    let result = mocks
        .service()
        .delete_order(&caller, id, VersionCheck::Any)
        .await;
    assert!(
        matches!(result, Err(AppError::Forbidden { action: Delete })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_customer_paying_someone_elses_order_never_reaches_the_payment_service() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    mocks.payments.expect_authorize().never();
    mocks.orders.expect_update().never();
    let caller = Caller::authenticated(customer("customer-2"));
    let draft = order_domain::PaymentDraft {
        method: Some("visa".into()),
        amount: Some("50".into()),
        reference: None,
    };
    let result = mocks
        .service()
        .pay_unkeyed(&caller, id, draft, VersionCheck::Any)
        .await;
    assert!(matches!(result, Err(AppError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn a_store_creating_for_another_store_is_forbidden_before_anything_is_asked() {
    let mut mocks = Mocks::new();
    mocks.customers.expect_exists().never();
    mocks.inventory.expect_reserve().never();
    mocks.orders.expect_insert().never();
    let caller = Caller::authenticated(store("store-2"));
    let command = CreateOrder {
        order: new_order("customer-1"),
        idempotency_key: None,
    };
    let result = mocks
        .service()
        .create_order(&caller, command, |_| Vec::new())
        .await;
    assert!(
        matches!(result, Err(AppError::Forbidden { action: Create })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_stores_list_asks_the_repository_for_its_own_orders_only() {
    let mut mocks = Mocks::new();
    mocks
        .orders
        .expect_list()
        .times(1)
        .withf(|filter, _| filter.store_id.as_ref().map(|s| s.as_str()) == Some("store-1"))
        .returning(|_, _| Ok(PageOfOrders::default()));
    let caller = Caller::authenticated(store("store-1"));
    let result = mocks
        .service()
        .list_orders(&caller, &OrderFilter::default(), &PageRequest::default())
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_list_filtered_on_another_store_is_forbidden_without_a_query() {
    let mut mocks = Mocks::new();
    mocks.orders.expect_list().never();
    let caller = Caller::authenticated(store("store-1"));
    let filter = OrderFilter {
        store_id: StoreId::parse("store-2").ok(),
        ..OrderFilter::default()
    };
    let result = mocks
        .service()
        .list_orders(&caller, &filter, &PageRequest::default())
        .await;
    assert!(
        matches!(result, Err(AppError::Forbidden { action: List })),
        "{result:?}"
    );
}
