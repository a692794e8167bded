use std::sync::{Arc, Mutex};

use order_domain::ports::{AddressCheck, GatewayError, PaymentError, RepositoryError};
use order_domain::{
    AddressDraft, AuthorizationId, EffectKind, EventType, Field, Order, OrderAction, OrderStatus,
    PaymentDraft, Principal, ProviderKey, RecordedChange, Role, ShippingAddress, Tracking,
    TrackingDraft, Version, VersionCheck,
};

use crate::test_support::{now, stored_order, Mocks};
use crate::{AppError, Caller};

fn payment(amount: &str, method: &str) -> PaymentDraft {
    PaymentDraft {
        method: Some(method.into()),
        amount: Some(amount.into()),
        reference: None,
    }
}

fn tracking() -> Tracking {
    Tracking::parse(TrackingDraft {
        carrier: Some("FedEx".into()),
        tracking_number: Some("123".into()),
    })
    .unwrap_or_else(|v| panic!("{v:?}"))
}

fn address() -> ShippingAddress {
    ShippingAddress::parse(AddressDraft {
        line1: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        ..AddressDraft::default()
    })
    .unwrap_or_else(|v| panic!("{v:?}"))
}

/// A repository holding one order that records what is written to it.
fn holding(mocks: &mut Mocks, order: Order) -> Arc<Mutex<Vec<Order>>> {
    let written = Arc::new(Mutex::new(Vec::new()));
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    let log = written.clone();
    mocks.orders.expect_update().returning(move |order, _, _| {
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(order.clone());
        Ok(())
    });
    // Paying writes through the attempts: recorded first, attached with the paid order.
    mocks
        .attempts
        .expect_open()
        .returning(|attempt, _| Ok(attempt.clone()));
    let log = written.clone();
    mocks
        .attempts
        .expect_attach()
        .returning(move |order, _, _, _, _, _| {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(order.clone());
            Ok(())
        });
    written
}

/// Expects the attempt to be handed to the settler at once, with what it obtained.
fn expect_lost(mocks: &mut Mocks, obtained: Option<AuthorizationId>) {
    mocks
        .attempts
        .expect_lost()
        .times(1)
        .withf(move |_, authorization, at| *authorization == obtained && *at == now())
        .returning(|_, _, _| Ok(()));
}

fn authorization() -> AuthorizationId {
    AuthorizationId::parse("auth-1").expect("a valid authorization id")
}

fn paid_order() -> Order {
    let mut order = stored_order();
    let request = order_domain::PaymentRequest::parse(payment("50", "visa"), order.currency())
        .unwrap_or_else(|v| panic!("{v:?}"));
    order
        .pay(&request, authorization(), now())
        .unwrap_or_else(|e| panic!("{e}"));
    order
}

#[tokio::test]
async fn paying_authorizes_once_then_stores_a_processing_order() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks
        .payments
        .expect_authorize()
        .times(1)
        .withf(move |_, order, payment| *order == id && payment.amount.minor_units() == 5000)
        .returning(|_, _, _| Ok(authorization()));

    let paid = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50.00", "visa"),
            VersionCheck::Any,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paid.status(), OrderStatus::Processing);
    assert_eq!(paid.version(), Version::FIRST.next());
    assert_eq!(
        paid.payment().and_then(|p| p.authorization_id.clone()),
        Some(authorization())
    );
    assert_eq!(*written.lock().unwrap_or_else(|e| e.into_inner()), [paid]);
}

#[tokio::test]
async fn a_declined_payment_changes_nothing() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks
        .payments
        .expect_authorize()
        .returning(|_, _, _| Err(PaymentError::Declined("insufficient funds".into())));
    expect_lost(&mut mocks, None);

    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "declined"),
            VersionCheck::Any,
        )
        .await;
    assert!(
        matches!(result, Err(AppError::PaymentDeclined(_))),
        "{result:?}"
    );
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn each_payment_attempt_authorizes_under_a_key_of_its_own() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    let keys = Arc::new(Mutex::new(Vec::new()));
    let seen = keys.clone();
    mocks
        .payments
        .expect_authorize()
        .times(2)
        .returning(move |key: &ProviderKey, _, payment| {
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(key.clone());
            if payment.method == "declined" {
                Err(PaymentError::Declined("insufficient funds".into()))
            } else {
                Ok(authorization())
            }
        });
    expect_lost(&mut mocks, None);
    let service = mocks.service();
    let declined = service
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "declined"),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(declined, Err(AppError::PaymentDeclined(_))));
    let paid = service
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(paid.is_ok(), "{paid:?}");
    let keys = keys.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_ne!(keys[0], keys[1], "a new attempt needs a new key");
    for key in keys {
        assert!(
            key.as_str().starts_with(&format!("authorize:{id}:")),
            "{key}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_payment_service_is_unavailable_and_changes_nothing() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks.payments.expect_authorize().returning(|_, _, _| {
        Err(PaymentError::Gateway(GatewayError::Unavailable {
            service: "payment",
            retry_after: None,
            source: None,
        }))
    });
    // The call may have held money before it failed: the settler replays it and voids what it finds.
    expect_lost(&mut mocks, None);

    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(
        result,
        Err(AppError::DependencyUnavailable {
            service: "payment",
            ..
        })
    ));
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn a_wrong_amount_is_refused_before_the_payment_service_is_asked() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks.payments.expect_authorize().never();

    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("49.99", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(
        matches!(&result, Err(AppError::Invalid(v)) if v[0].field == order_domain::Field::PaymentAmount)
    );
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn paying_a_paid_order_is_not_allowed_and_is_not_authorized() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    mocks.payments.expect_authorize().never();

    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: OrderAction::Pay,
            status: OrderStatus::Processing,
            ..
        })
    ));
}

#[tokio::test]
async fn paying_a_missing_or_deleted_order_is_not_found() {
    let mut mocks = Mocks::new();
    mocks.orders.expect_find().returning(|_| Ok(None));
    mocks.payments.expect_authorize().never();
    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            order_domain::OrderId::generate(),
            payment("50", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(result, Err(AppError::NotFound)));
}

#[tokio::test]
async fn a_payment_that_loses_its_race_to_a_cancel_hands_its_authorization_to_the_settler() {
    let order = stored_order();
    let id = order.id();
    let mut canceled = order.clone();
    canceled.cancel(now()).unwrap_or_else(|e| panic!("{e}"));
    let mut mocks = Mocks::new();
    let mut reads = 0;
    mocks.orders.expect_find().times(3).returning(move |_| {
        reads += 1;
        // The first two reads see a pending order; by the third a cancel has landed.
        Ok(Some(if reads < 3 {
            order.clone()
        } else {
            canceled.clone()
        }))
    });
    mocks
        .payments
        .expect_authorize()
        .returning(|_, _, _| Ok(authorization()));
    mocks
        .attempts
        .expect_open()
        .times(1)
        .returning(|attempt, _| Ok(attempt.clone()));
    mocks
        .attempts
        .expect_attach()
        .times(1)
        .returning(|_, _, _, _, _, _| Err(RepositoryError::VersionConflict));
    // Not left held: the attempt with its authorization is due for the settler, which voids it.
    expect_lost(&mut mocks, Some(authorization()));

    let result = mocks
        .service()
        .pay_unkeyed(
            &Caller::anonymous(),
            id,
            payment("50", "visa"),
            VersionCheck::Any,
        )
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: OrderAction::Pay,
            status: OrderStatus::Canceled,
            ..
        })
    ));
}

#[tokio::test]
async fn a_stale_if_match_on_payment_fails_before_anything_else() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks.payments.expect_authorize().never();
    let stale = VersionCheck::OneOf(vec![Version::FIRST.next()]);
    let result = mocks
        .service()
        .pay_unkeyed(&Caller::anonymous(), id, payment("50", "visa"), stale)
        .await;
    assert!(matches!(result, Err(AppError::PreconditionFailed { .. })));
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn tracking_ships_a_paid_order() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    let shipped = mocks
        .service()
        .record_tracking(&Caller::anonymous(), id, tracking(), VersionCheck::Any)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shipped.status(), OrderStatus::Shipped);
    assert_eq!(
        shipped.shipment().map(|s| s.carrier.as_str()),
        Some("FedEx")
    );
}

#[tokio::test]
async fn tracking_an_unpaid_order_is_not_allowed() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    let result = mocks
        .service()
        .record_tracking(&Caller::anonymous(), id, tracking(), VersionCheck::Any)
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: OrderAction::RecordTracking,
            status: OrderStatus::Pending,
            ..
        })
    ));
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn the_shipping_address_is_stored_once_the_carrier_can_deliver_there() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    mocks
        .shipping
        .expect_validate_address()
        .times(1)
        .returning(|_| Ok(AddressCheck::Deliverable));
    let updated = mocks
        .service()
        .set_shipping_address(&Caller::anonymous(), id, address(), VersionCheck::Any)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(updated.shipping_address(), Some(&address()));
    assert_eq!(updated.status(), OrderStatus::Pending);
}

#[tokio::test]
async fn an_undeliverable_address_is_refused_naming_the_address() {
    let order = stored_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let written = holding(&mut mocks, order);
    mocks
        .shipping
        .expect_validate_address()
        .returning(|_| Ok(AddressCheck::Undeliverable("no such street".into())));
    let result = mocks
        .service()
        .set_shipping_address(&Caller::anonymous(), id, address(), VersionCheck::Any)
        .await;
    assert!(
        matches!(&result, Err(AppError::Invalid(v)) if v[0].field == Field::ShippingAddress && v[0].message.contains("no such street"))
    );
    assert!(written.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
}

#[tokio::test]
async fn a_shipped_order_refuses_a_new_address_without_asking_the_carrier() {
    let mut order = paid_order();
    order
        .record_tracking(tracking(), now())
        .unwrap_or_else(|e| panic!("{e}"));
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    mocks.shipping.expect_validate_address().never();
    let result = mocks
        .service()
        .set_shipping_address(&Caller::anonymous(), id, address(), VersionCheck::Any)
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: OrderAction::SetShippingAddress,
            status: OrderStatus::Shipped,
            ..
        })
    ));
}

/// A repository holding one order, whose reads see what was last written, as a database's would; returns the
/// changes written.
fn recording(mocks: &mut Mocks, order: Order) -> Arc<Mutex<Vec<RecordedChange>>> {
    let stored = Arc::new(Mutex::new(order));
    let read = stored.clone();
    mocks
        .orders
        .expect_find()
        .returning(move |_| Ok(Some(read.lock().unwrap_or_else(|e| e.into_inner()).clone())));
    let changes = Arc::new(Mutex::new(Vec::new()));
    let log = changes.clone();
    mocks
        .orders
        .expect_update()
        .returning(move |order, _, change| {
            *stored.lock().unwrap_or_else(|e| e.into_inner()) = order.clone();
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(change.clone());
            Ok(())
        });
    changes
}

fn effects_of(changes: &Mutex<Vec<RecordedChange>>) -> Vec<(EventType, Vec<String>)> {
    changes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|c| {
            let names = c.effects.iter().map(EffectKind::name).collect();
            (c.event.event_type, names)
        })
        .collect()
}

#[tokio::test]
async fn canceling_a_paid_order_writes_the_release_the_notice_and_the_void_with_the_cancel() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let changes = recording(&mut mocks, order);
    // Nothing is called from the request: the worker does it after commit.
    mocks.inventory.expect_release().never();
    mocks.payments.expect_refund().never();
    mocks.payments.expect_void().never();

    let canceled = mocks
        .service()
        .cancel_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(canceled.status(), OrderStatus::Canceled);
    // Authorized, never captured: the authorization is voided, nothing is refunded.
    assert_eq!(canceled.payment().map(|p| p.refund_due), Some(false));
    assert_eq!(
        effects_of(&changes),
        [(
            EventType::Canceled,
            vec![
                "release_stock".into(),
                "notify.OrderCanceled".into(),
                "void".into()
            ]
        )],
        "publication is off in these tests"
    );
    let void = changes.lock().unwrap_or_else(|e| e.into_inner())[0].effects[2].clone();
    assert_eq!(void, EffectKind::Void);
}

#[tokio::test]
async fn canceling_an_unpaid_order_owes_no_refund() {
    let mut mocks = Mocks::new();
    let order = stored_order();
    let id = order.id();
    let changes = recording(&mut mocks, order);
    mocks
        .service()
        .cancel_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        effects_of(&changes),
        [(
            EventType::Canceled,
            vec!["release_stock".into(), "notify.OrderCanceled".into()]
        )]
    );
}

#[tokio::test]
async fn a_first_tracking_notifies_the_customer_of_the_shipment_and_a_correction_does_not() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let changes = recording(&mut mocks, order);
    let service = mocks.service();
    for _ in 0..2 {
        service
            .record_tracking(&Caller::anonymous(), id, tracking(), VersionCheck::Any)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        effects_of(&changes),
        [
            // The first shipment captures the authorized money; a correction does not again.
            (
                EventType::Shipped,
                vec!["notify.OrderShipped".into(), "capture".into()]
            ),
            (EventType::TrackingCorrected, vec![]),
        ]
    );
}

#[tokio::test]
async fn each_event_records_the_caller_its_request_and_the_order_version() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    let changes = recording(&mut mocks, order);
    let caller =
        Caller::authenticated(Principal::new("ops-7", Role::Operator)).with_request_id("req-42");
    let shipped = mocks
        .service()
        .record_tracking(&caller, id, tracking(), VersionCheck::Any)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let changes = changes.lock().unwrap_or_else(|e| e.into_inner());
    let event = &changes[0].event;
    assert_eq!(event.order_version, shipped.version());
    assert_eq!(event.order_id, id);
    let actor = event
        .context
        .actor
        .as_ref()
        .map(|a| (a.subject.as_str(), a.role.as_str()));
    assert_eq!(actor, Some(("ops-7", "operator")));
    assert_eq!(event.context.request_id.as_deref(), Some("req-42"));
}

#[tokio::test]
async fn delivering_an_order_that_has_not_shipped_is_not_allowed() {
    let order = paid_order();
    let id = order.id();
    let mut mocks = Mocks::new();
    holding(&mut mocks, order);
    let result = mocks
        .service()
        .deliver_order(&Caller::anonymous(), id, VersionCheck::Any)
        .await;
    assert!(matches!(
        result,
        Err(AppError::NotAllowed {
            action: OrderAction::Deliver,
            status: OrderStatus::Processing,
            ..
        })
    ));
}

#[tokio::test]
async fn statuses_only_an_event_brings_are_refused_without_reading_or_writing() {
    for status in [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Shipped,
    ] {
        let mut mocks = Mocks::new();
        mocks.orders.expect_find().never();
        mocks.orders.expect_update().never();
        let result = mocks
            .service()
            .set_status(
                &Caller::anonymous(),
                order_domain::OrderId::generate(),
                status,
                VersionCheck::Any,
            )
            .await;
        assert!(
            matches!(result, Err(AppError::StatusNotSettable { status: refused }) if refused == status),
            "{status}: {result:?}"
        );
    }
}
