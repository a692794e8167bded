//! Bodies written into buffers sized ahead are the bytes serde_json's own `to_vec` (and `HttpResponseBuilder::json`,
//! which list pages were answered with) wrote.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use order_domain::{
    AuthorizationId, Country, ItemDraft, Money, NewOrder, Order, OrderDraft, OrderId,
    OrderRefundId, OrderSnapshot, OrderStatus, Payment, Quantity, Refund, RefundItem, RefundReason,
    RefundStatus, Return, ReturnId, ReturnItem, ReturnStatus, Shipment, ShipmentId, ShipmentItem,
    ShipmentStatus, ShippingAddress, Version,
};

use super::{render_order, render_page, OrderBody, OrderListBody, RenderedOrders};

fn order(currency: &str, price: &str, lines: usize, note: Option<&str>) -> Order {
    order_of(OrderId::generate(), currency, price, lines, note)
}

fn order_of(id: OrderId, currency: &str, price: &str, lines: usize, note: Option<&str>) -> Order {
    let items: Vec<_> = (0..lines)
        .map(|i| ItemDraft {
            product_id: Some(format!("p-{i}")),
            quantity: Some("3".into()),
            price: Some(price.into()),
        })
        .collect();
    let price: rust_decimal::Decimal = price.parse().unwrap_or_default();
    let total = (price * rust_decimal::Decimal::from(3 * lines)).to_string();
    let metadata = BTreeMap::from([
        ("quote\"d".to_owned(), "back\\slash".to_owned()),
        (
            "ünïcödé ✓".to_owned(),
            "tab\there\nnew line \u{1}".to_owned(),
        ),
    ]);
    let draft = OrderDraft {
        store_id: Some("store-1".into()),
        customer_id: Some("customer-\"1\"".into()),
        currency: Some(currency.into()),
        items: Some(items),
        items_total: Some(total.clone()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some(total),
        note: note.map(Into::into),
        metadata: Some(metadata),
    };
    let new = NewOrder::parse(draft).expect("a valid order");
    let at = Utc
        .with_ymd_and_hms(2026, 11, 26, 9, 5, 7)
        .single()
        .unwrap_or_default();
    Order::place(new, id, at)
}

fn awkward_orders() -> Vec<Order> {
    vec![
        order("USD", "25.00", 2, None),
        order(
            "JPY",
            "7",
            1,
            Some("</script> \"quoted\" \\ \u{7f} \u{2028} 🦀"),
        ),
        order("BHD", "0.005", 100, Some(&"long note ".repeat(100))),
        order("CLF", "1234.5678", 40, Some("")),
    ]
}

#[test]
fn orders_are_written_as_serde_json_writes_them() {
    for order in awkward_orders() {
        let expected = serde_json::to_vec(&OrderBody::from(&order)).expect("JSON");
        assert_eq!(render_order(&order), expected);
    }
}

#[test]
fn pages_are_written_as_serde_json_writes_them() {
    let orders = awkward_orders();
    for (count, next_cursor) in [(0, None), (1, Some("AaIX7IMT\"x".to_owned())), (4, None)] {
        let orders = &orders[..count];
        let expected = serde_json::to_string(&OrderListBody {
            items: orders.iter().map(Into::into).collect(),
            next_cursor: next_cursor.clone(),
        })
        .expect("JSON");
        for rendered in [RenderedOrders::new(0), RenderedOrders::new(1 << 20)] {
            let page = render_page(orders, next_cursor.as_deref(), &rendered);
            assert_eq!(page.ok(), Some(expected.clone().into_bytes()));
        }
    }
}

/// `order` paid, addressed, shipped in two parcels, partly refunded and partly returned: every part of the
/// body that is usually `null` or empty, with text that needs escaping.
fn with_everything(order: &Order) -> Order {
    let at = order.created_at();
    let later = at + chrono::Duration::microseconds(1_234_567);
    let currency = order.currency();
    let money = |minor| Money::from_minor(minor, currency).expect("an amount");
    let product = order.lines()[0].product_id.clone();
    let one = Quantity::try_from(1_i128).expect("a quantity");
    let shipment = |carrier: &str, delivered_at| Shipment {
        id: ShipmentId::generate(),
        carrier: carrier.into(),
        tracking_number: "TRACK\t1".into(),
        items: vec![ShipmentItem {
            product_id: product.clone(),
            quantity: one,
        }],
        status: match delivered_at {
            Some(_) => ShipmentStatus::Delivered,
            None => ShipmentStatus::Shipped,
        },
        shipped_at: at,
        delivered_at,
        updated_at: later,
    };
    let refund_id = OrderRefundId::generate();
    Order::restore(OrderSnapshot {
        id: order.id(),
        store_id: order.store_id().clone(),
        customer_id: order.customer_id().clone(),
        status: OrderStatus::Shipped,
        lines: order.lines().to_vec(),
        totals: *order.totals(),
        payment: Some(Payment {
            method: "card \"visa\"".into(),
            amount: order.totals().total_amount,
            reference: Some("ref-1".into()),
            paid_at: at,
            authorization_id: Some(AuthorizationId::parse("auth-1").expect("an id")),
            refund_due: false,
            refunded_at: None,
            captured_at: Some(later),
        }),
        shipping_address: Some(ShippingAddress {
            name: Some("Zoë \"Z\" Smith".into()),
            line1: "1 Main St\\".into(),
            line2: None,
            city: "Springfield".into(),
            state: Some("IL".into()),
            postal_code: "62701".into(),
            country: Country::parse("US").expect("a country"),
        }),
        shipments: vec![shipment("UPS", Some(later)), shipment("DHL \u{1}", None)],
        note: order.note().cloned(),
        metadata: order.metadata().clone(),
        refunds: vec![Refund {
            id: refund_id,
            amount: money(1),
            reason: RefundReason::parse("broken \"lid\"".into()).expect("a reason"),
            items: vec![RefundItem {
                product_id: product.clone(),
                quantity: one,
            }],
            status: RefundStatus::Succeeded,
            created_at: at,
            settled_at: Some(later),
        }],
        returns: vec![Return {
            id: ReturnId::generate(),
            items: vec![ReturnItem {
                product_id: product.clone(),
                quantity: one,
            }],
            reason: RefundReason::parse("too small\n".into()).expect("a reason"),
            status: ReturnStatus::Received,
            requested_at: at,
            received_at: Some(later),
            rejected_at: None,
            refund: Some(refund_id),
        }],
        version: Version::FIRST,
        created_at: at,
        updated_at: later,
        deleted_at: None,
    })
}

#[test]
fn orders_with_every_part_are_written_as_serde_json_writes_them() {
    let orders: Vec<Order> = awkward_orders().iter().map(with_everything).collect();
    for order in &orders {
        let expected = serde_json::to_vec(&OrderBody::from(order)).expect("JSON");
        assert_eq!(render_order(order), expected);
    }
    let page = OrderListBody {
        items: orders.iter().map(Into::into).collect(),
        next_cursor: Some("next".to_owned()),
    };
    let expected = serde_json::to_string(&page).expect("JSON");
    let rendered = RenderedOrders::new(0);
    assert_eq!(
        render_page(&orders, Some("next"), &rendered).ok(),
        Some(expected.into_bytes())
    );
}

#[test]
fn an_orders_json_is_kept_for_its_version_and_written_anew_at_another() {
    let rendered = RenderedOrders::new(1 << 20);
    let id = OrderId::generate();
    let first = order_of(id, "EUR", "1.00", 1, Some("first"));
    assert_eq!(
        rendered.json(&first).ok(),
        Some(render_order(&first).into())
    );
    // The same version with other content (no change of the service makes one) gets the kept JSON.
    let mut second = order_of(id, "EUR", "1.00", 1, Some("second"));
    assert_eq!(second.version(), first.version());
    assert_eq!(
        rendered.json(&second).ok(),
        Some(render_order(&first).into())
    );
    second
        .cancel(Utc::now())
        .expect("a pending order can be canceled");
    assert_eq!(
        rendered.json(&second).ok(),
        Some(render_order(&second).into())
    );
    let page = render_page(std::slice::from_ref(&second), None, &rendered);
    let expected = format!(
        r#"{{"items":[{}],"nextCursor":null}}"#,
        String::from_utf8_lossy(&render_order(&second))
    );
    assert_eq!(page.ok(), Some(expected.into_bytes()));
}

#[test]
fn without_room_every_order_is_written_anew() {
    let rendered = RenderedOrders::new(0);
    let id = OrderId::generate();
    let first = order_of(id, "EUR", "1.00", 1, Some("first"));
    let second = order_of(id, "EUR", "1.00", 1, Some("second"));
    rendered.json(&first).expect("written");
    assert_eq!(
        rendered.json(&second).ok(),
        Some(render_order(&second).into())
    );
}

#[test]
fn a_json_heavier_than_the_whole_budget_is_not_kept() {
    let id = OrderId::generate();
    let first = order_of(id, "EUR", "1.00", 1, Some("first"));
    let rendered = RenderedOrders::new(render_order(&first).len() as u64 / 2);
    rendered.json(&first).expect("written");
    let second = order_of(id, "EUR", "1.00", 1, Some("second"));
    assert_eq!(
        rendered.json(&second).ok(),
        Some(render_order(&second).into())
    );
}
