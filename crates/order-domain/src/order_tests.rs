use chrono::{TimeDelta, TimeZone, Utc};

use super::*;
use crate::{AddressDraft, ItemDraft, OrderDraft, PaymentDraft, TrackingDraft};

pub(crate) fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + TimeDelta::minutes(minute)
}

pub(crate) fn pending() -> Order {
    let draft = OrderDraft {
        store_id: Some("s".into()),
        customer_id: Some("c".into()),
        currency: None,
        items: Some(vec![ItemDraft {
            product_id: Some("p".into()),
            quantity: Some("1".into()),
            price: Some("100".into()),
        }]),
        items_total: Some("100".into()),
        shipping_cost: Some("10".into()),
        tax_amount: Some("5".into()),
        total_amount: Some("115".into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
    Order::place(new, OrderId::generate(), at(0))
}

pub(crate) fn authorization() -> AuthorizationId {
    AuthorizationId::parse("auth-1").expect("a valid authorization id")
}

pub(crate) fn payment(amount: &str) -> PaymentRequest {
    let draft = PaymentDraft {
        method: Some("visa".into()),
        amount: Some(amount.into()),
        reference: Some("ref-1".into()),
    };
    PaymentRequest::parse(draft, Currency::USD).unwrap_or_else(|v| panic!("{v:?}"))
}

pub(crate) fn tracking(number: &str) -> Tracking {
    Tracking::parse(TrackingDraft {
        carrier: Some("FedEx".into()),
        tracking_number: Some(number.into()),
    })
    .unwrap_or_else(|v| panic!("{v:?}"))
}

pub(crate) fn address() -> ShippingAddress {
    ShippingAddress::parse(AddressDraft {
        line1: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        ..AddressDraft::default()
    })
    .unwrap_or_else(|v| panic!("{v:?}"))
}

/// `action` refused in `status`, to an order with no return waiting: every action the status table allows
/// is offered but settling a return.
pub(crate) fn not_allowed<T>(action: OrderAction, status: OrderStatus) -> Result<T, OrderError> {
    Err(OrderError::NotAllowed {
        action,
        status,
        allowed: OrderAction::allowed_in(status)
            .filter(|allowed| *allowed != OrderAction::SettleReturn)
            .collect(),
    })
}

#[test]
fn the_happy_path_moves_through_every_status_bumping_the_version() {
    let mut order = pending();
    assert_eq!(order.set_shipping_address(address(), at(1)), Ok(()));
    assert_eq!(
        (order.status(), order.version().get()),
        (OrderStatus::Pending, 2)
    );
    assert_eq!(
        order.pay(&payment("115.00"), authorization(), at(2)),
        Ok(())
    );
    assert_eq!(
        (order.status(), order.version().get()),
        (OrderStatus::Processing, 3)
    );
    assert_eq!(
        order.payment().map(|p| (p.paid_at, p.refund_due)),
        Some((at(2), false))
    );
    assert_eq!(
        order.payment().and_then(|p| p.authorization_id.clone()),
        Some(authorization())
    );
    assert_eq!(order.record_tracking(tracking("1"), at(3)), Ok(()));
    assert_eq!(
        (order.status(), order.version().get()),
        (OrderStatus::Shipped, 4)
    );
    assert_eq!(order.deliver(at(4)), Ok(()));
    assert_eq!(
        (order.status(), order.version().get()),
        (OrderStatus::Delivered, 5)
    );
    assert_eq!(order.updated_at(), at(4));
    assert_eq!(
        order.allowed_actions().collect::<Vec<_>>(),
        [
            OrderAction::Delete,
            OrderAction::UpdateMetadata,
            OrderAction::RequestReturn,
        ]
    );
}

#[test]
fn paying_needs_the_exact_total() {
    let mut order = pending();
    let result = order.pay(&payment("114.99"), authorization(), at(1));
    assert!(matches!(&result, Err(OrderError::Invalid(v)) if v[0].field == Field::PaymentAmount));
    assert_eq!(order.status(), OrderStatus::Pending);
    assert_eq!(order.version(), Version::FIRST);
}

#[test]
fn paying_twice_or_paying_a_canceled_order_is_refused() {
    let mut order = pending();
    assert_eq!(order.pay(&payment("115"), authorization(), at(1)), Ok(()));
    assert_eq!(
        order.pay(&payment("115"), authorization(), at(2)),
        not_allowed(OrderAction::Pay, OrderStatus::Processing)
    );

    let mut canceled = pending();
    assert_eq!(canceled.cancel(at(1)), Ok(()));
    assert_eq!(
        canceled.pay(&payment("115"), authorization(), at(2)),
        not_allowed(OrderAction::Pay, OrderStatus::Canceled)
    );
    assert_eq!(canceled.payment(), None);
}

#[test]
fn tracking_ships_a_paid_order_and_then_only_corrects_it() {
    let mut order = pending();
    assert_eq!(
        order.record_tracking(tracking("1"), at(1)),
        not_allowed(OrderAction::RecordTracking, OrderStatus::Pending)
    );
    assert_eq!(order.pay(&payment("115"), authorization(), at(1)), Ok(()));
    assert_eq!(order.record_tracking(tracking("1"), at(2)), Ok(()));
    assert_eq!(order.record_tracking(tracking("2"), at(3)), Ok(()));
    assert_eq!(order.status(), OrderStatus::Shipped);
    let shipment = order.shipment().cloned();
    assert_eq!(
        shipment.as_ref().map(|s| s.tracking_number.as_str()),
        Some("2")
    );
    assert_eq!(
        shipment.map(|s| (s.shipped_at, s.updated_at)),
        Some((at(2), at(3)))
    );
    assert_eq!(
        order.set_shipping_address(address(), at(4)),
        not_allowed(OrderAction::SetShippingAddress, OrderStatus::Shipped)
    );
    assert_eq!(
        order.cancel(at(4)),
        not_allowed(OrderAction::Cancel, OrderStatus::Shipped)
    );
}

#[test]
fn canceling_a_captured_order_leaves_a_refund_due() {
    let mut order = pending();
    assert_eq!(order.pay(&payment("115"), authorization(), at(1)), Ok(()));
    let mut authorized_only = order.clone();
    assert_eq!(authorized_only.cancel(at(2)), Ok(()));
    assert_eq!(
        authorized_only.payment().map(|p| p.refund_due),
        Some(false),
        "an authorization never captured is voided, not refunded"
    );
    assert_eq!(order.record_capture(at(1)), Ok(()));
    assert_eq!(order.cancel(at(2)), Ok(()));
    assert_eq!(order.status(), OrderStatus::Canceled);
    assert_eq!(order.payment().map(|p| p.refund_due), Some(true));
    assert_eq!(
        order.cancel(at(3)),
        not_allowed(OrderAction::Cancel, OrderStatus::Canceled)
    );
    assert_eq!(
        order.deliver(at(3)),
        not_allowed(OrderAction::Deliver, OrderStatus::Canceled)
    );

    let version = order.version();
    assert_eq!(order.record_refund(at(4)), Ok(()));
    assert_eq!(
        order.payment().map(|p| (p.refund_due, p.refunded_at)),
        Some((false, Some(at(4))))
    );
    assert_eq!(order.version(), version.next());
    assert_eq!(
        order.record_refund(at(5)),
        Err(OrderError::NoRefundDue),
        "a refund is recorded once"
    );
}

#[test]
fn an_unpaid_order_has_nothing_to_refund() {
    let mut order = pending();
    assert_eq!(order.cancel(at(1)), Ok(()));
    assert_eq!(order.record_refund(at(2)), Err(OrderError::NoRefundDue));
}

#[test]
fn stock_goes_back_for_canceled_and_abandoned_orders_only() {
    let mut canceled = pending();
    assert!(!canceled.releases_stock());
    assert_eq!(canceled.cancel(at(1)), Ok(()));
    assert!(canceled.releases_stock());

    let mut abandoned = pending();
    assert_eq!(abandoned.delete(at(1)), Ok(()));
    assert!(abandoned.releases_stock());

    let mut shipped = pending();
    assert_eq!(shipped.pay(&payment("115"), authorization(), at(1)), Ok(()));
    assert_eq!(shipped.record_tracking(tracking("1"), at(2)), Ok(()));
    assert!(!shipped.releases_stock());
    assert_eq!(shipped.deliver(at(3)), Ok(()));
    assert!(!shipped.releases_stock(), "delivered goods stay delivered");
    assert_eq!(shipped.delete(at(4)), Ok(()));
    assert!(!shipped.releases_stock(), "archiving a delivered order");
}

#[test]
fn metadata_is_replaced_whole_in_any_status_and_bumps_the_version() {
    let mut order = pending();
    let first = Metadata::parse([("a".to_owned(), "1".to_owned())].into()).expect("valid");
    assert_eq!(order.update_metadata(first.clone(), at(1)), Ok(()));
    assert_eq!(order.metadata(), &first);
    assert_eq!(order.version().get(), 2);
    assert_eq!(order.cancel(at(2)), Ok(()));
    let second = Metadata::parse([("b".to_owned(), "2".to_owned())].into()).expect("valid");
    assert_eq!(order.update_metadata(second.clone(), at(3)), Ok(()));
    assert_eq!(order.metadata(), &second, "replaced, not merged");
    assert_eq!(
        (order.status(), order.version().get()),
        (OrderStatus::Canceled, 4)
    );
}

#[test]
fn deleting_a_pending_order_cancels_it_in_the_same_change() {
    let mut order = pending();
    assert_eq!(order.delete(at(1)), Ok(()));
    assert_eq!(order.status(), OrderStatus::Canceled);
    assert_eq!(order.deleted_at(), Some(at(1)));
    assert_eq!(order.version().get(), 2, "one change, one version");
}

#[test]
fn only_orders_whose_money_and_goods_have_settled_can_be_deleted() {
    let mut processing = pending();
    assert_eq!(
        processing.pay(&payment("115"), authorization(), at(1)),
        Ok(())
    );
    assert_eq!(
        processing.clone().delete(at(2)),
        not_allowed(OrderAction::Delete, OrderStatus::Processing)
    );
    let mut shipped = processing.clone();
    assert_eq!(shipped.record_tracking(tracking("1"), at(2)), Ok(()));
    assert_eq!(
        shipped.clone().delete(at(3)),
        not_allowed(OrderAction::Delete, OrderStatus::Shipped)
    );
    let mut delivered = shipped;
    assert_eq!(delivered.deliver(at(3)), Ok(()));
    assert_eq!(delivered.delete(at(4)), Ok(()));
    assert_eq!(delivered.status(), OrderStatus::Delivered);
    let mut canceled = processing;
    assert_eq!(canceled.cancel(at(2)), Ok(()));
    assert_eq!(canceled.delete(at(3)), Ok(()));
    assert!(canceled.is_deleted());
}

#[test]
fn delivering_needs_a_shipped_order() {
    let mut order = pending();
    assert_eq!(
        order.deliver(at(1)),
        not_allowed(OrderAction::Deliver, OrderStatus::Pending)
    );
    assert_eq!(order.pay(&payment("115"), authorization(), at(1)), Ok(()));
    assert_eq!(
        order.deliver(at(2)),
        not_allowed(OrderAction::Deliver, OrderStatus::Processing)
    );
}

#[test]
fn a_refused_change_changes_nothing() {
    let mut order = pending();
    let before = order.clone();
    let _ = order.deliver(at(1));
    let _ = order.record_tracking(tracking("1"), at(1));
    assert_eq!(order, before);
}
