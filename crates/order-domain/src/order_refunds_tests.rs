use super::tests::{at, authorization, payment, pending, tracking};
use super::*;
use crate::{
    Currency, ItemField, OrderRefundId, RefundDraft, RefundItemDraft, RefundRequest, RefundStatus,
};

/// An order of one line (1 × 100) paid 115 and shipped: 115 captured.
pub(crate) fn shipped() -> Order {
    let mut order = pending();
    order
        .pay(&payment("115"), authorization(), at(1))
        .expect("a pending order pays");
    order
        .record_tracking(tracking("1Z"), at(2))
        .expect("a paid order ships");
    order
}

pub(crate) fn request(amount: &str, items: Option<Vec<(&str, &str)>>) -> RefundRequest {
    let draft = RefundDraft {
        amount: Some(amount.into()),
        reason: Some("damaged".into()),
        items: items.map(|items| {
            items
                .into_iter()
                .map(|(product, quantity)| RefundItemDraft {
                    product_id: Some(product.into()),
                    quantity: Some(quantity.into()),
                })
                .collect()
        }),
    };
    RefundRequest::parse(draft, Currency::USD).expect("a well-formed refund")
}

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).expect("an amount")
}

#[test]
fn only_a_shipped_order_has_captured_money_to_refund() {
    let mut order = pending();
    assert_eq!(order.captured_amount(), usd("0"));
    order
        .pay(&payment("115"), authorization(), at(1))
        .expect("pays");
    assert_eq!(
        order.captured_amount(),
        usd("0"),
        "authorized is not captured"
    );
    assert_eq!(
        order.request_refund(request("1", None), OrderRefundId::generate(), at(2)),
        Err(OrderError::NotCaptured)
    );
    order.record_tracking(tracking("1Z"), at(3)).expect("ships");
    assert_eq!(order.captured_amount(), usd("115"));
    assert_eq!(order.refundable_amount(), usd("115"));
}

#[test]
fn refunds_are_held_against_the_captured_amount_until_they_fail() {
    let mut order = shipped();
    let first = OrderRefundId::generate();
    order
        .request_refund(request("100", None), first, at(3))
        .expect("within the captured amount");
    assert_eq!(order.version().get(), 4);
    assert_eq!(order.refundable_amount(), usd("15"));
    assert_eq!(order.refunded_amount(), usd("0"), "pending is not refunded");

    let refused = order.request_refund(request("15.01", None), OrderRefundId::generate(), at(4));
    let Err(OrderError::Invalid(violations)) = refused else {
        panic!("more than refundable must be refused: {refused:?}");
    };
    assert_eq!(violations[0].field, Field::RefundAmount);
    assert!(violations[0].message.contains("15.00"), "{violations:?}");

    order
        .settle_refund(first, RefundStatus::Succeeded, at(5))
        .expect("pending");
    assert_eq!(order.refunded_amount(), usd("100"));
    assert_eq!(order.refundable_amount(), usd("15"));

    let second = OrderRefundId::generate();
    order
        .request_refund(request("15", None), second, at(6))
        .expect("exactly the rest");
    assert_eq!(order.refundable_amount(), usd("0"));
    order
        .settle_refund(second, RefundStatus::Failed, at(7))
        .expect("pending");
    assert_eq!(
        order.refundable_amount(),
        usd("15"),
        "a failed refund gives its amount back"
    );
    assert_eq!(
        order.settle_refund(second, RefundStatus::Succeeded, at(8)),
        Err(OrderError::RefundNotPending),
        "a settled refund stays settled"
    );
    let refund = order.refund(second).expect("kept");
    assert_eq!(
        (refund.status, refund.settled_at),
        (RefundStatus::Failed, Some(at(7)))
    );
}

#[test]
fn refund_items_must_be_lines_of_the_order_within_their_quantity() {
    let mut order = shipped();
    let before = order.clone();
    let refused = order.request_refund(
        request("1", Some(vec![("p", "1"), ("nope", "1"), ("p", "2")])),
        OrderRefundId::generate(),
        at(3),
    );
    let Err(OrderError::Invalid(violations)) = refused else {
        panic!("bad items must be refused: {refused:?}");
    };
    let fields: Vec<_> = violations.iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            Field::Item(1, ItemField::ProductId),
            Field::Item(2, ItemField::Quantity)
        ]
    );
    assert_eq!(order, before, "a refused refund changes nothing");
    order
        .request_refund(
            request("100", Some(vec![("p", "1")])),
            OrderRefundId::generate(),
            at(3),
        )
        .expect("the whole line");
    assert_eq!(order.refunds()[0].items.len(), 1);
}
