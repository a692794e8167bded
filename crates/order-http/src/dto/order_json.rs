//! `OrderBody` and a page of them written straight into a buffer, byte for byte as serde_json writes the
//! derived `Serialize` (the tests compare the two): its keys are written as they are, where the derive passes
//! every key through serde_json's escaping (46 strings an order, a third of a list page's rendering), and
//! amounts and instants are copied from the stack. The rare parts (payment, address, shipments, refunds,
//! returns, metadata) are handed to serde_json.

use chrono::{DateTime, Utc};
use order_domain::rfc3339_micros;
use serde::Serialize;
use std::borrow::Borrow;

use serde_json::Result;

use order_domain::Order;

use super::{rfc3339, ItemBody, OrderBody};
use crate::dto::number::Amount;

/// A page as `serde_json::to_writer(out, page)` writes an `OrderListBody` of `orders`, each order as
/// `write_order` writes it.
pub(super) fn write_page(
    out: &mut Vec<u8>,
    orders: &[impl Borrow<Order>],
    next_cursor: Option<&str>,
    mut write_order: impl FnMut(&mut Vec<u8>, &Order) -> Result<()>,
) -> Result<()> {
    out.extend_from_slice(b"{\"items\":[");
    for (at, order) in orders.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_order(out, order.borrow())?;
    }
    out.extend_from_slice(b"],\"nextCursor\":");
    match next_cursor {
        Some(cursor) => string(out, cursor)?,
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    Ok(())
}

/// An order as `serde_json::to_writer(out, order)` writes it; the keys in `OrderBody`'s order.
pub(super) fn write_order(out: &mut Vec<u8>, order: &OrderBody) -> Result<()> {
    out.extend_from_slice(b"{\"id\":\"");
    let mut id = uuid::Uuid::encode_buffer();
    out.extend_from_slice(
        order
            .id
            .as_uuid()
            .hyphenated()
            .encode_lower(&mut id)
            .as_bytes(),
    );
    out.extend_from_slice(b"\",\"storeId\":");
    string(out, order.store_id)?;
    out.extend_from_slice(b",\"customerId\":");
    string(out, order.customer_id)?;
    out.extend_from_slice(b",\"status\":");
    string(out, order.status)?;
    out.extend_from_slice(b",\"currency\":");
    string(out, order.currency)?;
    out.extend_from_slice(b",\"itemsTotal\":");
    amount(out, &order.items_total)?;
    out.extend_from_slice(b",\"shippingCost\":");
    amount(out, &order.shipping_cost)?;
    out.extend_from_slice(b",\"taxAmount\":");
    amount(out, &order.tax_amount)?;
    out.extend_from_slice(b",\"totalAmount\":");
    amount(out, &order.total_amount)?;
    out.extend_from_slice(b",\"items\":[");
    for (at, item) in order.items.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_item(out, item)?;
    }
    out.extend_from_slice(b"],\"payment\":");
    optional(out, &order.payment)?;
    out.extend_from_slice(b",\"shippingAddress\":");
    optional(out, &order.shipping_address)?;
    out.extend_from_slice(b",\"shipment\":");
    optional(out, &order.shipment)?;
    out.extend_from_slice(b",\"shipments\":");
    list(out, &order.shipments)?;
    out.extend_from_slice(b",\"note\":");
    match order.note {
        Some(note) => string(out, note)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"metadata\":");
    match order.metadata.is_empty() {
        true => out.extend_from_slice(b"{}"),
        false => serde_json::to_writer(&mut *out, order.metadata)?,
    }
    out.extend_from_slice(b",\"refunds\":");
    list(out, &order.refunds)?;
    out.extend_from_slice(b",\"refundedAmount\":");
    amount(out, &order.refunded_amount)?;
    out.extend_from_slice(b",\"refundableAmount\":");
    amount(out, &order.refundable_amount)?;
    out.extend_from_slice(b",\"returns\":");
    list(out, &order.returns)?;
    out.extend_from_slice(b",\"allowedActions\":[");
    for (at, action) in order.allowed_actions.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        string(out, action)?;
    }
    out.extend_from_slice(b"],\"version\":");
    serde_json::to_writer(&mut *out, &order.version)?;
    out.extend_from_slice(b",\"createdAt\":");
    instant(out, &order.created_at)?;
    out.extend_from_slice(b",\"updatedAt\":");
    instant(out, &order.updated_at)?;
    out.push(b'}');
    Ok(())
}

fn write_item(out: &mut Vec<u8>, item: &ItemBody) -> Result<()> {
    out.extend_from_slice(b"{\"productId\":");
    string(out, item.product_id)?;
    out.extend_from_slice(b",\"quantity\":");
    serde_json::to_writer(&mut *out, &item.quantity)?;
    out.extend_from_slice(b",\"price\":");
    amount(out, &item.price)?;
    out.extend_from_slice(b",\"shippedQuantity\":");
    serde_json::to_writer(&mut *out, &item.shipped_quantity)?;
    out.extend_from_slice(b",\"returnedQuantity\":");
    serde_json::to_writer(&mut *out, &item.returned_quantity)?;
    out.push(b'}');
    Ok(())
}

/// A JSON string: as it is when serde_json would escape none of its bytes (control characters, `"` and `\`),
/// else through serde_json.
fn string(out: &mut Vec<u8>, text: &str) -> Result<()> {
    if text
        .bytes()
        .any(|byte| byte < 0x20 || byte == b'"' || byte == b'\\')
    {
        return serde_json::to_writer(&mut *out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

fn amount(out: &mut Vec<u8>, amount: &Amount) -> Result<()> {
    amount.write_to(out)
}

fn instant(out: &mut Vec<u8>, at: &DateTime<Utc>) -> Result<()> {
    let mut text = [0; 27];
    match rfc3339_micros(at, &mut text) {
        Some(text) => {
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
            Ok(())
        }
        None => rfc3339(at, &mut serde_json::Serializer::new(out)),
    }
}

fn optional<T: Serialize>(out: &mut Vec<u8>, value: &Option<T>) -> Result<()> {
    match value {
        Some(value) => serde_json::to_writer(&mut *out, value),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn list<T: Serialize>(out: &mut Vec<u8>, values: &[T]) -> Result<()> {
    match values.is_empty() {
        true => {
            out.extend_from_slice(b"[]");
            Ok(())
        }
        false => serde_json::to_writer(&mut *out, values),
    }
}
