use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use order_domain::{
    rfc3339_micros, LineProgress, Order, OrderLine, Refund, Shipment, RFC3339_MICROS,
};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::number::Amount;
use super::rendered::RenderedOrders;
use super::returns::ReturnOut;
use crate::openapi::schemas;

/// RFC 3339 in UTC, to the microsecond (`2025-01-15T10:30:00.123456Z`): `rfc3339_micros`, digit by digit.
pub(super) fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut text = [0; 27];
    match rfc3339_micros(at, &mut text) {
        Some(text) => serializer.serialize_str(text),
        // Years past 9999 or before 0, and leap seconds: chrono's own rendering.
        None => serializer.collect_str(&at.format(RFC3339_MICROS)),
    }
}

pub(super) fn optional_rfc3339<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

pub(super) fn display<S: Serializer, T: std::fmt::Display>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// An order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Order, examples(json!({
    "id": "019a6e1c-3f43-7a4e-9d2b-6c1f0e8a5b21", "storeId": "store-1", "customerId": "customer-1",
    "status": "pending", "currency": "USD", "itemsTotal": 150.00, "shippingCost": 10.00, "taxAmount": 5.00,
    "totalAmount": 165.00,
    "items": [{"productId": "p-1", "quantity": 2, "price": 25.00},
              {"productId": "p-2", "quantity": 2, "price": 50.00}],
    "payment": null, "shippingAddress": null, "shipment": null, "shipments": [],
    "refunds": [], "refundedAmount": 0.00, "refundableAmount": 0.00, "returns": [],
    "allowedActions": ["pay", "setShippingAddress", "cancel"], "version": 1,
    "createdAt": "2025-01-15T10:30:00.123456Z", "updatedAt": "2025-01-15T10:30:00.123456Z"
})))]
pub(crate) struct OrderBody<'a> {
    /// UUIDv7, so ids sort by creation time.
    #[serde(serialize_with = "display")]
    #[schema(value_type = String, format = Uuid)]
    id: order_domain::OrderId,
    store_id: &'a str,
    customer_id: &'a str,
    #[schema(schema_with = schemas::status)]
    status: &'static str,
    /// ISO 4217.
    #[schema(examples("USD"))]
    currency: &'static str,
    #[schema(schema_with = schemas::amount)]
    items_total: Amount,
    #[schema(schema_with = schemas::amount)]
    shipping_cost: Amount,
    #[schema(schema_with = schemas::amount)]
    tax_amount: Amount,
    #[schema(schema_with = schemas::amount)]
    total_amount: Amount,
    items: Vec<ItemBody<'a>>,
    /// `null` until the order is paid.
    payment: Option<PaymentOut<'a>>,
    /// `null` until an address is set.
    shipping_address: Option<AddressOut<'a>>,
    /// The latest shipment; `null` until the order ships.
    shipment: Option<ShipmentOut<'a>>,
    /// Every shipment, oldest first.
    shipments: Vec<ShipmentBody<'a>>,
    /// The client's note, up to 1,000 characters; `null` when none.
    note: Option<&'a str>,
    /// String keys to string values, at most 50 keys.
    #[schema(value_type = BTreeMap<String, String>)]
    metadata: &'a BTreeMap<String, String>,
    /// Partial refunds of the captured money, oldest first.
    refunds: Vec<RefundOut<'a>>,
    /// What the provider has given back (succeeded refunds).
    #[schema(schema_with = schemas::amount)]
    refunded_amount: Amount,
    /// What may still be refunded: captured, less succeeded and pending refunds.
    #[schema(schema_with = schemas::amount)]
    refundable_amount: Amount,
    /// Returns of shipped goods, oldest first.
    returns: Vec<ReturnOut<'a>>,
    #[schema(schema_with = schemas::actions)]
    allowed_actions: Vec<&'static str>,
    /// 1 on creation, +1 on every change; the `ETag` is `"<version>"`.
    #[schema(minimum = 1)]
    version: u64,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    updated_at: DateTime<Utc>,
}

/// One line of an order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderItem)]
struct ItemBody<'a> {
    product_id: &'a str,
    #[schema(minimum = 1)]
    quantity: u32,
    /// The unit price.
    #[schema(schema_with = schemas::amount)]
    price: Amount,
    /// How many units have shipped.
    #[schema(minimum = 0)]
    shipped_quantity: u32,
    /// How many units have come back.
    #[schema(minimum = 0)]
    returned_quantity: u32,
}

/// One shipment of the order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Shipment)]
pub(crate) struct ShipmentBody<'a> {
    /// UUIDv7.
    #[schema(format = Uuid)]
    id: String,
    carrier: &'a str,
    tracking_number: &'a str,
    items: Vec<ShipmentItemBody<'a>>,
    #[schema(schema_with = schemas::shipment_status)]
    status: &'static str,
    #[serde(serialize_with = "rfc3339")]
    shipped_at: DateTime<Utc>,
    /// `null` until it arrives.
    #[serde(serialize_with = "optional_rfc3339")]
    delivered_at: Option<DateTime<Utc>>,
}

/// So many units of one product, in one shipment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ShipmentItem)]
struct ShipmentItemBody<'a> {
    product_id: &'a str,
    #[schema(minimum = 1)]
    quantity: u32,
}

impl<'a> From<&'a Shipment> for ShipmentBody<'a> {
    fn from(s: &'a Shipment) -> Self {
        Self {
            id: s.id.to_string(),
            carrier: &s.carrier,
            tracking_number: &s.tracking_number,
            items: s
                .items
                .iter()
                .map(|item| ShipmentItemBody {
                    product_id: item.product_id.as_str(),
                    quantity: item.quantity.get(),
                })
                .collect(),
            status: s.status.as_str(),
            shipped_at: s.shipped_at,
            delivered_at: s.delivered_at,
        }
    }
}

/// How the order was paid.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderPayment)]
struct PaymentOut<'a> {
    method: &'a str,
    #[schema(schema_with = schemas::amount)]
    amount: Amount,
    reference: Option<&'a str>,
    #[serde(serialize_with = "rfc3339")]
    paid_at: DateTime<Utc>,
    /// Set when an order whose money was captured is canceled: the money has to go back. (A canceled order
    /// whose payment was only authorized has its authorization voided instead.)
    refund_due: bool,
    /// When the money went back.
    #[serde(serialize_with = "optional_rfc3339")]
    refunded_at: Option<DateTime<Utc>>,
    /// When the payment service confirmed the capture of the authorized money (asked for by the first
    /// shipment).
    #[serde(serialize_with = "optional_rfc3339")]
    captured_at: Option<DateTime<Utc>>,
}

/// Where the order goes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderAddress)]
struct AddressOut<'a> {
    name: Option<&'a str>,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    state: Option<&'a str>,
    postal_code: &'a str,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(pattern = "^[A-Z]{2}$")]
    country: &'static str,
}

/// The parcel the order left in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderShipment)]
struct ShipmentOut<'a> {
    /// UUIDv7: the shipment's id in `shipments`.
    #[schema(format = Uuid)]
    id: String,
    carrier: &'a str,
    tracking_number: &'a str,
    #[serde(serialize_with = "rfc3339")]
    shipped_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    updated_at: DateTime<Utc>,
}

/// One partial refund.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderRefund)]
struct RefundOut<'a> {
    #[serde(serialize_with = "display")]
    #[schema(value_type = String, format = Uuid)]
    id: order_domain::OrderRefundId,
    #[schema(schema_with = schemas::amount)]
    amount: Amount,
    reason: &'a str,
    items: Vec<RefundItemOut<'a>>,
    /// `pending` until the provider answers; `failed` when it refused (the amount is refundable again).
    #[schema(value_type = String, pattern = "^(pending|succeeded|failed)$")]
    status: &'static str,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
    /// When the provider answered; `null` while pending.
    #[serde(serialize_with = "optional_rfc3339")]
    settled_at: Option<DateTime<Utc>>,
}

/// A product and quantity a refund is for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderRefundItem)]
struct RefundItemOut<'a> {
    product_id: &'a str,
    #[schema(minimum = 1)]
    quantity: u32,
}

impl<'a> From<&'a Refund> for RefundOut<'a> {
    fn from(refund: &'a Refund) -> Self {
        Self {
            id: refund.id,
            amount: Amount(refund.amount),
            reason: refund.reason.as_str(),
            items: refund
                .items
                .iter()
                .map(|item| RefundItemOut {
                    product_id: item.product_id.as_str(),
                    quantity: item.quantity.get(),
                })
                .collect(),
            status: refund.status.as_str(),
            created_at: refund.created_at,
            settled_at: refund.settled_at,
        }
    }
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
            items: order
                .lines()
                .iter()
                .zip(order.line_progress())
                .map(ItemBody::of)
                .collect(),
            payment: order.payment().map(|p| PaymentOut {
                method: &p.method,
                amount: Amount(p.amount),
                reference: p.reference.as_deref(),
                paid_at: p.paid_at,
                refund_due: p.refund_due,
                refunded_at: p.refunded_at,
                captured_at: p.captured_at,
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
                id: s.id.to_string(),
                carrier: &s.carrier,
                tracking_number: &s.tracking_number,
                shipped_at: s.shipped_at,
                updated_at: s.updated_at,
            }),
            shipments: order.shipments().iter().map(ShipmentBody::from).collect(),
            note: order.note().map(|n| n.as_str()),
            metadata: order.metadata().entries(),
            refunds: order.refunds().iter().map(RefundOut::from).collect(),
            refunded_amount: Amount(order.refunded_amount()),
            refundable_amount: Amount(order.refundable_amount()),
            returns: order.returns().iter().map(ReturnOut::from).collect(),
            allowed_actions: order.allowed_actions().map(|a| a.as_str()).collect(),
            version: order.version().get(),
            created_at: order.created_at(),
            updated_at: order.updated_at(),
        }
    }
}

impl<'a> ItemBody<'a> {
    fn of((line, progress): (&'a OrderLine, LineProgress)) -> Self {
        Self {
            product_id: line.product_id.as_str(),
            quantity: line.quantity.get(),
            price: Amount(line.unit_price),
            shipped_quantity: progress.shipped,
            returned_quantity: progress.returned,
        }
    }
}

/// The JSON representation of one order.
/// One shipment of the order, as `GET /orders/{id}/shipments/{shipmentId}` answers it; `None` if the order
/// has no such shipment.
pub(crate) fn render_shipment(order: &Order, id: order_domain::ShipmentId) -> Option<Vec<u8>> {
    let shipment = order.shipments().iter().find(|s| s.id == id)?;
    Some(serde_json::to_vec(&ShipmentBody::from(shipment)).unwrap_or_default())
}

pub(crate) fn render_order(order: &Order) -> Vec<u8> {
    let mut json = Vec::with_capacity(ORDER_JSON_BYTES);
    match order_json_into(&mut json, order) {
        Ok(()) => json,
        Err(_) => Vec::new(),
    }
}

/// `order`'s JSON appended to `out`.
pub(super) fn order_json_into(out: &mut Vec<u8>, order: &Order) -> serde_json::Result<()> {
    order_json::write_order(out, &OrderBody::from(order))
}

/// A page of orders as JSON, as serde_json writes an `OrderListBody`; each order's as `rendered` has it.
pub(crate) fn render_page(
    orders: &[impl Borrow<Order>],
    next_cursor: Option<&str>,
    rendered: &RenderedOrders,
) -> serde_json::Result<Vec<u8>> {
    let mut json = Vec::with_capacity(ORDER_JSON_BYTES * (orders.len() + 1));
    order_json::write_page(&mut json, orders, next_cursor, |out, order| {
        rendered.write(out, order)
    })?;
    Ok(json)
}

/// Room for one order's JSON (one with two lines and nothing else takes 740 bytes): bodies are written into
/// a buffer of this much per order, where serde_json's own starts at 128 bytes and a list page's 16 KB were
/// grown and copied seven times.
pub(super) const ORDER_JSON_BYTES: usize = 1024;

/// One page of orders, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderPage)]
pub(crate) struct OrderListBody<'a> {
    pub items: Vec<OrderBody<'a>>,
    /// The `cursor` of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::rfc3339;

    fn rendered(at: DateTime<Utc>) -> String {
        let mut json = serde_json::Serializer::new(Vec::new());
        let written = rfc3339(&at, &mut json).is_ok();
        assert!(written, "{at:?}");
        String::from_utf8(json.into_inner()).unwrap_or_default()
    }

    #[test]
    fn timestamps_are_rendered_as_chrono_renders_them() {
        let instants = [
            "2025-01-15T10:30:00.123456789Z",
            "2025-01-15T10:30:00Z",
            "1999-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00.000001Z",
            "9999-12-31T23:59:59.5Z",
            "2026-11-26T09:05:07.000900Z",
        ];
        for text in instants {
            let Ok(at) = DateTime::parse_from_rfc3339(text) else {
                panic!("{text} is an instant");
            };
            let at = at.with_timezone(&Utc);
            let expected = format!("\"{}\"", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
            assert_eq!(rendered(at), expected);
        }
        assert_eq!(
            rendered(
                DateTime::parse_from_rfc3339("2025-01-15T10:30:00.123456789Z")
                    .map(|at| at.to_utc())
                    .unwrap_or_default()
            ),
            "\"2025-01-15T10:30:00.123456Z\""
        );
        // Out of the fast path's range: still chrono's text.
        let far = NaiveDate::from_ymd_opt(12345, 6, 7)
            .and_then(|day| day.and_hms_micro_opt(1, 2, 3, 4))
            .map(|at| at.and_utc());
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|day| day.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|at| at.and_utc());
        for at in [far, leap].into_iter().flatten() {
            let expected = format!("\"{}\"", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
            assert_eq!(rendered(at), expected);
        }
    }
}

#[path = "order_json.rs"]
mod order_json;

#[cfg(test)]
#[path = "response_tests.rs"]
mod rendering_tests;
