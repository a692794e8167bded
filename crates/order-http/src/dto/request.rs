use std::collections::BTreeMap;

use order_domain::{AddressDraft, ItemDraft, OrderDraft, PaymentDraft, TrackingDraft};
use serde::{Deserialize, Serialize};

use super::number::JsonNumber;

/// `POST /orders`. Every field is optional here so that a missing one is reported with all the others, as
/// a rule broken (422), rather than as the first thing serde trips on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateOrderRequest {
    store_id: Option<String>,
    customer_id: Option<String>,
    pub idempotency_key: Option<String>,
    currency: Option<String>,
    items: Option<Vec<ItemRequest>>,
    items_total: Option<JsonNumber>,
    shipping_cost: Option<JsonNumber>,
    tax_amount: Option<JsonNumber>,
    total_amount: Option<JsonNumber>,
    note: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemRequest {
    product_id: Option<String>,
    quantity: Option<JsonNumber>,
    price: Option<JsonNumber>,
}

impl CreateOrderRequest {
    pub fn into_draft(self) -> OrderDraft {
        let text = |n: Option<JsonNumber>| n.map(JsonNumber::into_text);
        OrderDraft {
            store_id: self.store_id,
            customer_id: self.customer_id,
            currency: self.currency,
            items: self.items.map(|items| {
                items
                    .into_iter()
                    .map(|item| ItemDraft {
                        product_id: item.product_id,
                        quantity: text(item.quantity),
                        price: text(item.price),
                    })
                    .collect()
            }),
            items_total: text(self.items_total),
            shipping_cost: text(self.shipping_cost),
            tax_amount: text(self.tax_amount),
            total_amount: text(self.total_amount),
            note: self.note,
            metadata: self.metadata,
        }
    }
}

/// `GET /orders` query parameters, read as text and parsed with every bad one named. Serialized back to
/// build the next page's link.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `PUT /orders/{id}/payment`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentBody {
    method: Option<String>,
    amount: Option<JsonNumber>,
    reference: Option<String>,
}

impl PaymentBody {
    pub fn into_draft(self) -> PaymentDraft {
        PaymentDraft {
            method: self.method,
            amount: self.amount.map(JsonNumber::into_text),
            reference: self.reference,
        }
    }
}

/// `PUT /orders/{id}/shipping`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShippingBody {
    pub address: Option<AddressBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddressBody {
    name: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

impl AddressBody {
    pub fn into_draft(self) -> AddressDraft {
        AddressDraft {
            name: self.name,
            line1: self.line1,
            line2: self.line2,
            city: self.city,
            state: self.state,
            postal_code: self.postal_code,
            country: self.country,
        }
    }
}

/// `PUT /orders/{id}/shipment/tracking`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrackingBody {
    carrier: Option<String>,
    tracking_number: Option<String>,
}

impl TrackingBody {
    pub fn into_draft(self) -> TrackingDraft {
        TrackingDraft {
            carrier: self.carrier,
            tracking_number: self.tracking_number,
        }
    }
}

/// `PUT /orders/{id}/status`
#[derive(Debug, Deserialize)]
pub(crate) struct StatusBody {
    pub status: Option<String>,
}

/// `PUT /orders/{id}/metadata`: the whole new metadata.
#[derive(Debug, Deserialize)]
pub(crate) struct MetadataBody {
    pub metadata: Option<BTreeMap<String, String>>,
}
