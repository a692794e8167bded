use std::collections::BTreeMap;

use order_domain::{
    AddressDraft, ItemDraft, OrderDraft, PaymentDraft, RefundDraft, RefundItemDraft,
    ShipmentItemDraft, TrackingDraft,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::number::JsonNumber;
use crate::openapi::schemas;

/// `POST /orders`. Every field is optional here so that a missing one is reported with all the others, as
/// a rule broken (422), rather than as the first thing serde trips on; the document says which are required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateOrder, description = "A new order. A missing field or a broken rule is `422` naming every \
    bad field by JSON pointer; a wrong JSON type is `400`. `itemsTotal` must be Σ quantity × price over the \
    items, and `totalAmount` itemsTotal + shippingCost + taxAmount.", examples(json!({
    "storeId": "store-1", "customerId": "customer-1", "currency": "USD",
    "itemsTotal": 150.00, "shippingCost": 10.00, "taxAmount": 5.00, "totalAmount": 165.00,
    "items": [{"productId": "p-1", "quantity": 2, "price": 25.00},
              {"productId": "p-2", "quantity": 2, "price": 50.00}]
})))]
pub(crate) struct CreateOrderRequest {
    #[schema(required = true, schema_with = schemas::store_id)]
    store_id: Option<String>,
    #[schema(required = true, schema_with = schemas::customer_id)]
    customer_id: Option<String>,
    #[schema(schema_with = schemas::idempotency_key)]
    pub idempotency_key: Option<String>,
    #[schema(schema_with = schemas::currency)]
    currency: Option<String>,
    /// The lines of the order, 1 to 100.
    #[schema(required = true, value_type = Vec<ItemRequest>, min_items = 1, max_items = 100)]
    items: Option<Vec<ItemRequest>>,
    #[schema(required = true, schema_with = schemas::amount)]
    items_total: Option<JsonNumber>,
    #[schema(required = true, schema_with = schemas::amount)]
    shipping_cost: Option<JsonNumber>,
    #[schema(required = true, schema_with = schemas::amount)]
    tax_amount: Option<JsonNumber>,
    #[schema(required = true, schema_with = schemas::amount)]
    total_amount: Option<JsonNumber>,
    /// Up to 1,000 characters.
    #[schema(max_length = 1000)]
    note: Option<String>,
    /// String keys (up to 40 characters) to string values (up to 500), at most 50 keys.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    metadata: Option<BTreeMap<String, String>>,
}

/// One line of a new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderItemRequest)]
pub(crate) struct ItemRequest {
    #[schema(required = true, schema_with = schemas::product_id)]
    product_id: Option<String>,
    #[schema(required = true, schema_with = schemas::quantity)]
    quantity: Option<JsonNumber>,
    /// The unit price.
    #[schema(required = true, schema_with = schemas::amount)]
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
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Only this store's orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schemas::store_id)]
    pub store_id: Option<String>,
    /// Only this customer's orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(schema_with = schemas::customer_id)]
    pub customer_id: Option<String>,
    /// Only orders in one of these statuses, comma-separated (`processing,canceled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, example = "processing,canceled")]
    pub status: Option<String>,
    /// Only orders created at or after this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_after: Option<String>,
    /// Only orders created before this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_before: Option<String>,
    /// The page size, 1 to 100; 20 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u8>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<String>,
    /// The opaque `nextCursor` of the page before; absent for the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    pub cursor: Option<String>,
}

/// `PUT /orders/{id}/payment`
///
/// Pays a pending order with exactly its `totalAmount`, in its currency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Payment, examples(json!({"method": "visa", "amount": 165.00, "reference": "inv-2024-0042"})))]
pub(crate) struct PaymentBody {
    #[schema(required = true, schema_with = schemas::payment_method)]
    method: Option<String>,
    /// Exactly the order's `totalAmount`.
    #[schema(required = true, schema_with = schemas::amount)]
    amount: Option<JsonNumber>,
    #[schema(schema_with = schemas::payment_reference)]
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
///
/// Sets where a pending or processing order goes, once the shipping service says it can deliver there.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ShippingAddressRequest, examples(json!({"address": {
    "name": "Ada Lovelace", "line1": "1 Main St", "city": "Springfield", "state": "IL",
    "postalCode": "62701", "country": "US"
}})))]
pub(crate) struct ShippingBody {
    #[schema(required = true, value_type = AddressBody)]
    pub address: Option<AddressBody>,
}

/// A postal address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AddressRequest)]
pub(crate) struct AddressBody {
    #[schema(schema_with = schemas::address_name)]
    name: Option<String>,
    #[schema(required = true, schema_with = schemas::address_line1)]
    line1: Option<String>,
    #[schema(schema_with = schemas::address_line2)]
    line2: Option<String>,
    #[schema(required = true, schema_with = schemas::address_city)]
    city: Option<String>,
    #[schema(schema_with = schemas::address_state)]
    state: Option<String>,
    #[schema(required = true, schema_with = schemas::address_postal_code)]
    postal_code: Option<String>,
    #[schema(required = true, schema_with = schemas::country)]
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
///
/// Ships a processing order; corrects the tracking of a shipped one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TrackingRequest, examples(json!({"carrier": "FedEx", "trackingNumber": "123456789"})))]
pub(crate) struct TrackingBody {
    #[schema(required = true, schema_with = schemas::carrier)]
    carrier: Option<String>,
    #[schema(required = true, schema_with = schemas::tracking_number)]
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

/// `POST /orders/{id}/shipments`
///
/// Ships the items' quantities (without `items`: everything not shipped yet) in one new shipment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ShipmentRequest, examples(json!({
    "carrier": "FedEx", "trackingNumber": "123456789", "items": [{"productId": "p-1", "quantity": 1}]
})))]
pub(crate) struct ShipmentBody {
    #[schema(required = true, schema_with = schemas::carrier)]
    carrier: Option<String>,
    #[schema(required = true, schema_with = schemas::tracking_number)]
    tracking_number: Option<String>,
    /// Omitted: everything not shipped yet. Each product of the order, at most its unshipped quantity.
    items: Option<Vec<ShipmentItemBody>>,
}

/// So many units of one product of the order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ShipmentItemRequest)]
pub(crate) struct ShipmentItemBody {
    #[schema(required = true)]
    product_id: Option<String>,
    #[schema(required = true, schema_with = schemas::quantity)]
    quantity: Option<JsonNumber>,
}

impl ShipmentBody {
    pub fn into_drafts(self) -> (TrackingDraft, Option<Vec<ShipmentItemDraft>>) {
        let items = self.items.map(|items| {
            items
                .into_iter()
                .map(|item| ShipmentItemDraft {
                    product_id: item.product_id,
                    quantity: item.quantity.map(JsonNumber::into_text),
                })
                .collect()
        });
        (
            TrackingDraft {
                carrier: self.carrier,
                tracking_number: self.tracking_number,
            },
            items,
        )
    }
}

/// `PUT /orders/{id}/shipments/{shipmentId}/status`: `delivered` is the one status a shipment can be given.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = ShipmentStatusChange, examples(json!({"status": "delivered"})))]
pub(crate) struct ShipmentStatusBody {
    #[schema(required = true, schema_with = schemas::shipment_status)]
    pub status: Option<String>,
}

/// `PUT /orders/{id}/status`
///
/// For operators: `canceled` (from pending or processing) or `delivered` (from shipped). The other
/// statuses come from their business events, and asking for one is `409` naming the endpoint that brings it.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = StatusChange, examples(json!({"status": "canceled"})))]
pub(crate) struct StatusBody {
    #[schema(required = true, schema_with = schemas::status)]
    pub status: Option<String>,
}

/// `PUT /orders/{id}/metadata`: the whole new metadata (at most 50 keys of up to 40 characters, values up to
/// 500).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = MetadataChange, examples(json!({"metadata": {"channel": "web"}})))]
pub(crate) struct MetadataBody {
    #[schema(required = true, value_type = BTreeMap<String, String>)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// `POST /orders/{id}/refunds`
///
/// Gives back part of an order's captured money.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RefundRequest, examples(json!({"amount": 20.00, "reason": "arrived damaged",
    "items": [{"productId": "p-1", "quantity": 1}]})))]
pub(crate) struct RefundBody {
    /// Positive, exact in the order's currency, at most its `refundableAmount`.
    #[schema(required = true, schema_with = schemas::amount)]
    amount: Option<JsonNumber>,
    /// Why, 1 to 500 characters.
    #[schema(required = true, min_length = 1, max_length = 500)]
    reason: Option<String>,
    /// The products and quantities refunded (each a line of the order, at most its quantity).
    #[schema(value_type = Option<Vec<RefundItemRequest>>, max_items = 100)]
    items: Option<Vec<RefundItemRequest>>,
}

/// A product and quantity a refund is for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RefundItemRequest)]
pub(crate) struct RefundItemRequest {
    #[schema(required = true, schema_with = schemas::product_id)]
    product_id: Option<String>,
    #[schema(required = true, schema_with = schemas::quantity)]
    quantity: Option<JsonNumber>,
}

impl RefundBody {
    pub fn into_draft(self) -> RefundDraft {
        RefundDraft {
            amount: self.amount.map(JsonNumber::into_text),
            reason: self.reason,
            items: self.items.map(|items| {
                items
                    .into_iter()
                    .map(|item| RefundItemDraft {
                        product_id: item.product_id,
                        quantity: item.quantity.map(JsonNumber::into_text),
                    })
                    .collect()
            }),
        }
    }
}
