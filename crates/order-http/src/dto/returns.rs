//! The JSON shapes of returns: the request (`POST /orders/{id}/returns`), the status change (`PUT
//! /orders/{id}/returns/{returnId}/status`) and a return as the order shows it.

use chrono::{DateTime, Utc};
use order_domain::{Order, Return, ReturnDraft, ReturnId, ReturnItemDraft};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::number::JsonNumber;
use super::response::{display, optional_rfc3339, rfc3339};
use crate::openapi::schemas;

/// `POST /orders/{id}/returns`
///
/// Asks for shipped goods back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ReturnRequest, examples(json!({"reason": "too small",
    "items": [{"productId": "p-1", "quantity": 1}]})))]
pub(crate) struct ReturnBody {
    /// Why, 1 to 500 characters.
    #[schema(required = true, min_length = 1, max_length = 500)]
    reason: Option<String>,
    /// At least one: each a product of the order, named once, at most its units shipped and not returned
    /// or asked back already.
    #[schema(required = true, value_type = Vec<ReturnItemRequest>, min_items = 1, max_items = 100)]
    items: Option<Vec<ReturnItemRequest>>,
}

/// A product and how many of it come back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ReturnItemRequest)]
pub(crate) struct ReturnItemRequest {
    #[schema(required = true, schema_with = schemas::product_id)]
    product_id: Option<String>,
    #[schema(required = true, schema_with = schemas::quantity)]
    quantity: Option<JsonNumber>,
}

impl ReturnBody {
    pub fn into_draft(self) -> ReturnDraft {
        ReturnDraft {
            reason: self.reason,
            items: self.items.map(|items| {
                items
                    .into_iter()
                    .map(|item| ReturnItemDraft {
                        product_id: item.product_id,
                        quantity: item.quantity.map(JsonNumber::into_text),
                    })
                    .collect()
            }),
        }
    }
}

/// `PUT /orders/{id}/returns/{returnId}/status`: `received` (the goods are back: restocked, and their price
/// refunded) or `rejected` (closed without refund).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = ReturnStatusChange, examples(json!({"status": "received"})))]
pub(crate) struct ReturnStatusBody {
    #[schema(required = true, value_type = String, pattern = "^(received|rejected)$")]
    pub status: Option<String>,
}

/// One return of the order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderReturn)]
pub(crate) struct ReturnOut<'a> {
    #[serde(serialize_with = "display")]
    #[schema(value_type = String, format = Uuid)]
    id: ReturnId,
    items: Vec<ReturnItemOut<'a>>,
    reason: &'a str,
    /// `requested` until the goods are received or the return is rejected.
    #[schema(value_type = String, pattern = "^(requested|received|rejected)$")]
    status: &'static str,
    #[serde(serialize_with = "rfc3339")]
    requested_at: DateTime<Utc>,
    /// When the goods came back; `null` unless received.
    #[serde(serialize_with = "optional_rfc3339")]
    received_at: Option<DateTime<Utc>>,
    /// When it was closed without the goods; `null` unless rejected.
    #[serde(serialize_with = "optional_rfc3339")]
    rejected_at: Option<DateTime<Utc>>,
    /// The refund its receipt asked for (one of `refunds`, reason `return <id>`); `null` when none was made
    /// (not received yet, or nothing left to refund).
    #[schema(value_type = Option<String>, format = Uuid)]
    refund_id: Option<String>,
}

/// A product and quantity a return brings back.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderReturnItem)]
struct ReturnItemOut<'a> {
    product_id: &'a str,
    #[schema(minimum = 1)]
    quantity: u32,
}

impl<'a> From<&'a Return> for ReturnOut<'a> {
    fn from(found: &'a Return) -> Self {
        Self {
            id: found.id,
            items: found
                .items
                .iter()
                .map(|item| ReturnItemOut {
                    product_id: item.product_id.as_str(),
                    quantity: item.quantity.get(),
                })
                .collect(),
            reason: found.reason.as_str(),
            status: found.status.as_str(),
            requested_at: found.requested_at,
            received_at: found.received_at,
            rejected_at: found.rejected_at,
            refund_id: found.refund.map(|id| id.to_string()),
        }
    }
}

/// One return of the order, as `GET /orders/{id}/returns/{returnId}` answers it; `None` if the order has no
/// such return.
pub(crate) fn render_return(order: &Order, id: ReturnId) -> Option<Vec<u8>> {
    let found = order.find_return(id)?;
    Some(serde_json::to_vec(&ReturnOut::from(found)).unwrap_or_default())
}
