use super::*;
use crate::order::tests::{address, at, authorization, payment, pending, tracking};
use crate::{Actor, EffectKind::*, EventData, Principal, Role};

fn change(before: &Order, after: &Order) -> RecordedChange {
    RecordedChange::of(Some(before), after, EventContext::default())
        .unwrap_or_else(|| panic!("no event for {after:?}"))
}

fn notify(order: &Order, kind: NotificationKind) -> EffectKind {
    Notify {
        kind,
        customer: order.customer_id().clone(),
    }
}

#[test]
fn each_change_is_one_event_with_the_new_version_and_its_effects() {
    let placed = pending();
    let created = RecordedChange::of(None, &placed, EventContext::default());
    let created = created.unwrap_or_else(|| panic!("no created event"));
    assert_eq!(created.event.event_type, EventType::Created);
    assert_eq!(created.event.order_version.get(), 1);
    assert_eq!(
        created.effects,
        [Publish, notify(&placed, NotificationKind::OrderCreated)]
    );

    let mut addressed = placed.clone();
    addressed
        .set_shipping_address(address(), at(1))
        .unwrap_or_else(|e| panic!("{e}"));
    let set = change(&placed, &addressed);
    assert_eq!(set.event.event_type, EventType::ShippingAddressSet);
    assert_eq!(set.event.occurred_at, at(1));
    assert_eq!(set.effects, [Publish]);

    let mut paid = addressed.clone();
    paid.pay(&payment("115"), authorization(), at(2))
        .unwrap_or_else(|e| panic!("{e}"));
    let event = change(&addressed, &paid);
    assert_eq!(
        (event.event.event_type, event.event.order_version.get()),
        (EventType::Paid, 3)
    );
    assert_eq!(
        event.effects,
        [Publish, notify(&paid, NotificationKind::OrderPaid)]
    );

    let mut shipped = paid.clone();
    shipped
        .record_tracking(tracking("T1"), at(3))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(change(&paid, &shipped).event.event_type, EventType::Shipped);

    let mut corrected = shipped.clone();
    corrected
        .record_tracking(tracking("T2"), at(4))
        .unwrap_or_else(|e| panic!("{e}"));
    let correction = change(&shipped, &corrected);
    assert_eq!(correction.event.event_type, EventType::TrackingCorrected);
    let EventData::Built(Datum::Object(fields)) = correction.event.data else {
        panic!("data is not an object")
    };
    let names: Vec<_> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["shipmentId", "before", "after"]);

    let mut delivered = corrected.clone();
    delivered.deliver(at(5)).unwrap_or_else(|e| panic!("{e}"));
    let event = change(&corrected, &delivered);
    assert_eq!(event.event.event_type, EventType::Delivered);
    assert_eq!(
        event.effects,
        [
            Publish,
            notify(&delivered, NotificationKind::OrderDelivered)
        ]
    );
}

#[test]
fn canceling_an_authorized_order_releases_stock_notifies_and_voids_the_authorization() {
    let mut paid = pending();
    paid.pay(&payment("115"), authorization(), at(1))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut canceled = paid.clone();
    canceled.cancel(at(2)).unwrap_or_else(|e| panic!("{e}"));
    let event = change(&paid, &canceled);
    assert_eq!(event.event.event_type, EventType::Canceled);
    assert_eq!(
        event.effects,
        [
            Publish,
            ReleaseStock,
            notify(&canceled, NotificationKind::OrderCanceled),
            crate::EffectKind::Void
        ]
    );
}

#[test]
fn the_first_shipment_captures_and_the_capture_is_recorded_once() {
    let mut paid = pending();
    paid.pay(&payment("115"), authorization(), at(1))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paid.captured_amount().minor_units(), 0);
    let mut shipped = paid.clone();
    shipped
        .record_tracking(tracking("1Z"), at(2))
        .unwrap_or_else(|e| panic!("{e}"));
    let amount = Money::parse("115", paid.currency()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(captures(Some(&paid), &shipped), Some(amount));
    assert!(change(&paid, &shipped)
        .effects
        .contains(&crate::EffectKind::Capture(amount)));
    assert_eq!(
        shipped.captured_amount(),
        amount,
        "captured once the capture is due"
    );
    let mut corrected = shipped.clone();
    corrected
        .record_tracking(tracking("1Z-2"), at(3))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(captures(Some(&shipped), &corrected), None);

    let mut captured = corrected.clone();
    captured
        .record_capture(at(4))
        .unwrap_or_else(|e| panic!("{e}"));
    let event = change(&corrected, &captured);
    assert_eq!(event.event.event_type, EventType::PaymentCaptured);
    assert_eq!(
        captured.payment().map(|p| p.captured_amount()),
        Some(amount)
    );
    assert_eq!(
        captured.record_capture(at(5)),
        Err(crate::OrderError::NoCaptureDue)
    );
}

#[test]
fn canceling_a_captured_order_releases_stock_notifies_and_refunds_the_payment() {
    let mut paid = pending();
    paid.pay(&payment("115"), authorization(), at(1))
        .unwrap_or_else(|e| panic!("{e}"));
    paid.record_capture(at(1)).unwrap_or_else(|e| panic!("{e}"));
    let mut canceled = paid.clone();
    canceled.cancel(at(2)).unwrap_or_else(|e| panic!("{e}"));
    let event = change(&paid, &canceled);
    assert_eq!(event.event.event_type, EventType::Canceled);
    let refund = Money::parse("115", canceled.currency()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        event.effects,
        [
            Publish,
            ReleaseStock,
            notify(&canceled, NotificationKind::OrderCanceled),
            EffectKind::Refund {
                amount: refund,
                refund: None
            }
        ]
    );

    let mut refunded = canceled.clone();
    refunded
        .record_refund(at(3))
        .unwrap_or_else(|e| panic!("{e}"));
    let event = change(&canceled, &refunded);
    assert_eq!(event.event.event_type, EventType::RefundSucceeded);
    assert_eq!(event.effects, [Publish]);
}

#[test]
fn deleting_an_unshipped_order_releases_its_stock_once() {
    let placed = pending();
    let mut deleted = placed.clone();
    deleted.delete(at(1)).unwrap_or_else(|e| panic!("{e}"));
    let event = change(&placed, &deleted);
    assert_eq!(event.event.event_type, EventType::Deleted);
    assert_eq!(event.effects, [Publish, ReleaseStock]);

    let mut canceled = pending();
    canceled.cancel(at(1)).unwrap_or_else(|e| panic!("{e}"));
    let mut deleted = canceled.clone();
    deleted.delete(at(2)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(change(&canceled, &deleted).effects, [Publish]);
}

#[test]
fn the_event_records_who_and_which_request_and_publication_can_be_left_out() {
    let placed = pending();
    let context = EventContext {
        actor: Some(Actor::of(&Principal::new("ops-1", Role::Operator))),
        request_id: Some("req-1".into()),
        idempotency_key: Some("key-1".into()),
    };
    let created = RecordedChange::of(None, &placed, context.clone())
        .unwrap_or_else(|| panic!("no event"))
        .without_publication();
    assert_eq!(created.event.context, context);
    assert_eq!(
        created.effects,
        [notify(&placed, NotificationKind::OrderCreated)]
    );
    assert_eq!(
        RecordedChange::of(Some(&placed), &placed, EventContext::default()),
        None
    );
}

#[test]
fn replacing_the_metadata_is_its_own_event_with_before_and_after_and_is_only_published() {
    let placed = pending();
    let mut tagged = placed.clone();
    let metadata = crate::Metadata::parse([("channel".to_owned(), "web".to_owned())].into())
        .unwrap_or_else(|v| panic!("{v:?}"));
    tagged
        .update_metadata(metadata, at(1))
        .unwrap_or_else(|e| panic!("{e}"));
    let updated = change(&placed, &tagged);
    assert_eq!(updated.event.event_type, EventType::MetadataUpdated);
    assert_eq!(updated.effects, [Publish]);
    assert_eq!(
        updated.event.data,
        EventData::from(Datum::object([
            ("before", Datum::Object(Vec::new())),
            (
                "after",
                Datum::Object(vec![("channel".to_owned(), Datum::text("web"))])
            ),
        ]))
    );
}

#[test]
fn a_refund_asked_for_is_an_event_with_a_refund_effect_keyed_by_its_id_and_its_settling_another() {
    let shipped = crate::order::refunds_tests::shipped();
    let mut asked = shipped.clone();
    let id = crate::OrderRefundId::generate();
    asked
        .request_refund(crate::order::refunds_tests::request("20", None), id, at(4))
        .expect("a refundable amount");
    let event = change(&shipped, &asked);
    assert_eq!(event.event.event_type, EventType::RefundRequested);
    let amount = Money::parse("20", asked.currency()).expect("an amount");
    assert_eq!(
        event.effects,
        [
            Publish,
            EffectKind::Refund {
                amount,
                refund: Some(id)
            }
        ]
    );
    assert_eq!(event.effects[1].name(), format!("refund.{id}"));

    for (outcome, kind) in [
        (RefundStatus::Succeeded, EventType::RefundSucceeded),
        (RefundStatus::Failed, EventType::RefundFailed),
    ] {
        let mut settled = asked.clone();
        settled
            .settle_refund(id, outcome, at(5))
            .expect("a pending refund");
        let event = change(&asked, &settled);
        assert_eq!(event.event.event_type, kind);
        assert_eq!(event.effects, [Publish]);
    }
}
