use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use order_domain::{Order, OrderLine};
use serde::{Serialize, Serializer};

use super::number::Amount;

/// RFC 3339 in UTC, to the microsecond, written without an intermediate string.
fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

fn optional_rfc3339<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

fn display<S: Serializer, T: std::fmt::Display>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderBody<'a> {
    #[serde(serialize_with = "display")]
    id: order_domain::OrderId,
    store_id: &'a str,
    customer_id: &'a str,
    status: &'static str,
    currency: &'static str,
    items_total: Amount,
    shipping_cost: Amount,
    tax_amount: Amount,
    total_amount: Amount,
    items: Vec<ItemBody<'a>>,
    payment: Option<PaymentOut<'a>>,
    shipping_address: Option<AddressOut<'a>>,
    shipment: Option<ShipmentOut<'a>>,
    note: Option<&'a str>,
    metadata: &'a BTreeMap<String, String>,
    allowed_actions: Vec<&'static str>,
    version: u64,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody<'a> {
    product_id: &'a str,
    quantity: u32,
    price: Amount,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentOut<'a> {
    method: &'a str,
    amount: Amount,
    reference: Option<&'a str>,
    #[serde(serialize_with = "rfc3339")]
    paid_at: DateTime<Utc>,
    refund_due: bool,
    #[serde(serialize_with = "optional_rfc3339")]
    refunded_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddressOut<'a> {
    name: Option<&'a str>,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    state: Option<&'a str>,
    postal_code: &'a str,
    country: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShipmentOut<'a> {
    carrier: &'a str,
    tracking_number: &'a str,
    #[serde(serialize_with = "rfc3339")]
    shipped_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Order> for OrderBody<'a> {
    fn from(order: &'a Order) -> Self {
        let totals = order.totals();
        Self {
            id: order.id(),
            store_id: order.store_id().as_str(),
            customer_id: order.customer_id().as_str(),
            status: order.status().as_str(),
            currency: order.currency().code(),
            items_total: Amount(totals.items_total),
            shipping_cost: Amount(totals.shipping_cost),
            tax_amount: Amount(totals.tax_amount),
            total_amount: Amount(totals.total_amount),
            items: order.lines().iter().map(ItemBody::from).collect(),
            payment: order.payment().map(|p| PaymentOut {
                method: &p.method,
                amount: Amount(p.amount),
                reference: p.reference.as_deref(),
                paid_at: p.paid_at,
                refund_due: p.refund_due,
                refunded_at: p.refunded_at,
            }),
            shipping_address: order.shipping_address().map(|a| AddressOut {
                name: a.name.as_deref(),
                line1: &a.line1,
                line2: a.line2.as_deref(),
                city: &a.city,
                state: a.state.as_deref(),
                postal_code: &a.postal_code,
                country: a.country.code(),
            }),
            shipment: order.shipment().map(|s| ShipmentOut {
                carrier: &s.carrier,
                tracking_number: &s.tracking_number,
                shipped_at: s.shipped_at,
                updated_at: s.updated_at,
            }),
            note: order.note().map(|n| n.as_str()),
            metadata: order.metadata().entries(),
            allowed_actions: order.allowed_actions().map(|a| a.as_str()).collect(),
            version: order.version().get(),
            created_at: order.created_at(),
            updated_at: order.updated_at(),
        }
    }
}

impl<'a> From<&'a OrderLine> for ItemBody<'a> {
    fn from(line: &'a OrderLine) -> Self {
        Self {
            product_id: line.product_id.as_str(),
            quantity: line.quantity.get(),
            price: Amount(line.unit_price),
        }
    }
}

/// The JSON representation of one order.
pub(crate) fn render_order(order: &Order) -> Vec<u8> {
    serde_json::to_vec(&OrderBody::from(order)).unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderListBody<'a> {
    pub items: Vec<OrderBody<'a>>,
    pub next_cursor: Option<String>,
}
