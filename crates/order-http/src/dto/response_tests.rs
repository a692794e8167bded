//! Bodies written into buffers sized ahead are the bytes serde_json's own `to_vec` (and `HttpResponseBuilder::json`,
//! which list pages were answered with) wrote.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use order_domain::{ItemDraft, NewOrder, Order, OrderDraft, OrderId};

use super::{render_order, render_page, OrderBody, OrderListBody};

fn order(currency: &str, price: &str, lines: usize, note: Option<&str>) -> Order {
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
    Order::place(new, OrderId::generate(), at)
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
        let page = OrderListBody {
            items: orders.iter().take(count).map(Into::into).collect(),
            next_cursor,
        };
        let expected = serde_json::to_string(&page).expect("JSON");
        assert_eq!(render_page(&page).ok(), Some(expected.into_bytes()));
    }
}
