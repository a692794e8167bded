//! The API's operations as OpenAPI: one `#[utoipa::path]` per route of `routes::endpoints`, named after the
//! handler it documents. They live here rather than on the handlers so that the handlers stay about HTTP
//! and the use cases; a test checks that the two lists are the same. The answers every order operation can
//! give (401, 403, 408, 429, 500, 503) and the headers on every answer are added in `mod.rs`.
//!
//! The functions are never called: `utoipa::path` needs an item to stand on.
#![allow(dead_code)]

use utoipa::ToSchema;

use super::headers::{
    IdempotencyKeyHeader, IfMatchHeader, IfNoneMatchHeader, OrderIdPath,
    PaymentIdempotencyKeyHeader, ReturnIdPath, ShipmentIdPath,
};
use super::problems::{
    ChangeConflict, CreateConflict, CreateRejected, DeleteConflict, MalformedRequest, NotReady,
    OrderNotFound, PayloadTooLarge, PaymentConflict, PaymentDeclined, PaymentRejected,
    PreconditionFailed, RefundConflict, RefundRejected, ReturnConflict, ReturnNotFound,
    ReturnRejected, ReturnStatusConflict, ShipmentNotFound, StatusConflict, UnsupportedMediaType,
    ValidationFailed,
};
use crate::dto::{
    CreateOrderRequest, EventListBody, ListParams, MetadataBody, OrderBody, OrderListBody,
    PaymentBody, RefundBody, ReturnBody, ReturnOut, ReturnStatusBody, ShipmentBody,
    ShipmentOutBody, ShipmentStatusBody, ShippingBody, StatusBody, TrackingBody,
};
use crate::handlers::events::HistoryParams;

pub(crate) const ORDERS: &str = "orders";
pub(crate) const LIFECYCLE: &str = "order lifecycle";
pub(crate) const OPERATIONS: &str = "operations";

/// `handlers::orders::create_order`
#[utoipa::path(
    post, path = "/orders", operation_id = "createOrder", tag = ORDERS,
    summary = "Create an order",
    description = "Checks the customer with the customer service, reserves the stock with the inventory \
        service, then stores the order (`pending`, version 1). Safe to retry with an idempotency key.",
    params(IdempotencyKeyHeader),
    request_body(content = CreateOrderRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; a retry with the same idempotency key and request gets the \
            same answer with `Idempotent-Replayed: true`.", body = OrderBody,
            headers(("Location"), ("ETag"), ("Idempotent-Replayed"))),
        (status = 400, response = MalformedRequest),
        (status = 409, response = CreateConflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = CreateRejected),
    )
)]
fn create_order() {}

/// `handlers::orders::list_orders`
#[utoipa::path(
    get, path = "/orders", operation_id = "listOrders", tag = ORDERS,
    summary = "List orders",
    description = "Newest first, by keyset pagination on the time-ordered id: orders created while a client \
        pages never shift, skip or repeat the ones it is paging through. Deleted orders are absent.",
    params(ListParams),
    responses(
        (status = 200, description = "One page; `nextCursor` and `Link` lead to the next.",
            body = OrderListBody, headers(("Link"))),
        (status = 400, response = MalformedRequest),
    )
)]
fn list_orders() {}

/// `handlers::orders::get_order`
#[utoipa::path(
    get, path = "/orders/{id}", operation_id = "getOrder", tag = ORDERS,
    summary = "Read an order",
    params(OrderIdPath, IfNoneMatchHeader),
    responses(
        (status = 200, description = "The order, with its version as `ETag`.", body = OrderBody,
            headers(("ETag"))),
        (status = 304, description = "`If-None-Match` holds the current version: the client's copy is \
            fresh.", headers(("ETag"))),
        (status = 404, response = OrderNotFound),
    )
)]
fn get_order() {}

/// `handlers::orders::delete_order`
#[utoipa::path(
    delete, path = "/orders/{id}", operation_id = "deleteOrder", tag = ORDERS,
    summary = "Delete an order",
    description = "A soft delete: the order stays stored for audit, and is gone for every client (404, \
        absent from lists).",
    params(OrderIdPath, IfMatchHeader),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = DeleteConflict),
        (status = 412, response = PreconditionFailed),
    )
)]
fn delete_order() {}

/// `handlers::lifecycle::pay`
#[utoipa::path(
    put, path = "/orders/{id}/payment", operation_id = "payOrder", tag = LIFECYCLE,
    summary = "Pay an order",
    description = "Authorizes the payment with the payment service; the order becomes `processing`. The \
        amount must be exactly its `totalAmount`. Safe to retry with an idempotency key.",
    params(OrderIdPath, IfMatchHeader, PaymentIdempotencyKeyHeader),
    request_body(content = PaymentBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Paid: the order and its new `ETag`; a retry with the same idempotency \
            key and request gets the same answer with `Idempotent-Replayed: true`.", body = OrderBody,
            headers(("ETag"), ("Idempotent-Replayed"))),
        (status = 400, response = MalformedRequest),
        (status = 402, response = PaymentDeclined),
        (status = 404, response = OrderNotFound),
        (status = 409, response = PaymentConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = PaymentRejected),
    )
)]
fn pay() {}

/// `handlers::lifecycle::set_shipping_address`
#[utoipa::path(
    put, path = "/orders/{id}/shipping", operation_id = "setShippingAddress", tag = LIFECYCLE,
    summary = "Set the shipping address",
    description = "While the order is pending or processing. The shipping service must say it can deliver \
        there (else 422 naming `/address`).",
    params(OrderIdPath, IfMatchHeader),
    request_body(content = ShippingBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order with its address, and its new `ETag`.", body = OrderBody,
            headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = ChangeConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn set_shipping_address() {}

/// `handlers::lifecycle::record_tracking`
#[utoipa::path(
    put, path = "/orders/{id}/shipment/tracking", operation_id = "recordTracking", tag = LIFECYCLE,
    summary = "Record the shipment's tracking",
    description = "The first API of shipping: ships everything not shipped yet of a processing or partially \
        shipped order in one shipment (it becomes `shipped`); corrects the tracking of a shipped order's \
        latest shipment.",
    params(OrderIdPath, IfMatchHeader),
    request_body(content = TrackingBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order with its shipment, and its new `ETag`.", body = OrderBody,
            headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = ChangeConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn record_tracking() {}

/// `handlers::shipments::create_shipment`
#[utoipa::path(
    post, path = "/orders/{id}/shipments", operation_id = "createShipment", tag = LIFECYCLE,
    summary = "Ship some or all of an order",
    description = "Ships the items' quantities (without `items`: everything not shipped yet) in one new \
        shipment, from `processing` or `partially_shipped`; the order becomes `shipped` when nothing is left, \
        else `partially_shipped`. A quantity above what is left unshipped, zero, or a product not in the \
        order is `422` naming `/items/<n>/quantity` or `/items/<n>/productId`, and nothing is written.",
    params(OrderIdPath, IfMatchHeader),
    request_body(content = ShipmentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The order with its new shipment, and its new `ETag`; `Location` is the \
            shipment's address.", body = OrderBody, headers(("ETag"), ("Location"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = ChangeConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn create_shipment() {}

/// `handlers::shipments::get_shipment`
#[utoipa::path(
    get, path = "/orders/{id}/shipments/{shipmentId}", operation_id = "getShipment", tag = LIFECYCLE,
    summary = "Read one shipment",
    description = "The shipment a new shipment's `Location` names, with its order's version as `ETag`.",
    params(OrderIdPath, ShipmentIdPath),
    responses(
        (status = 200, description = "The shipment, with its order's version as `ETag`.",
            body = ShipmentOutBody, headers(("ETag"))),
        (status = 404, response = ShipmentNotFound),
    )
)]
fn get_shipment() {}

/// `handlers::shipments::correct_tracking`
#[utoipa::path(
    put, path = "/orders/{id}/shipments/{shipmentId}/tracking", operation_id = "correctShipmentTracking",
    tag = LIFECYCLE,
    summary = "Correct one shipment's tracking",
    params(OrderIdPath, ShipmentIdPath, IfMatchHeader),
    request_body(content = TrackingBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order, and its new `ETag`.", body = OrderBody, headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = ShipmentNotFound),
        (status = 409, response = ChangeConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn correct_shipment_tracking() {}

/// `handlers::shipments::change_status`
#[utoipa::path(
    put, path = "/orders/{id}/shipments/{shipmentId}/status", operation_id = "changeShipmentStatus",
    tag = LIFECYCLE,
    summary = "Deliver one shipment",
    description = "`{\"status\": \"delivered\"}` records that the shipment arrived; a shipped order is \
        `delivered` with its last shipment. Delivering a delivered shipment again changes nothing.",
    params(OrderIdPath, ShipmentIdPath, IfMatchHeader),
    request_body(content = ShipmentStatusBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order, and its new `ETag`.", body = OrderBody, headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = ShipmentNotFound),
        (status = 409, response = ChangeConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn change_shipment_status() {}

/// `handlers::lifecycle::change_status`
#[utoipa::path(
    put, path = "/orders/{id}/status", operation_id = "changeStatus", tag = LIFECYCLE,
    summary = "Cancel or deliver an order (operators)",
    description = "`canceled` from pending or processing (the reservation is released and a paid order \
        refunded, once) or `delivered` from shipped. Other statuses come from their business events: 409 \
        names the endpoint.",
    params(OrderIdPath, IfMatchHeader),
    request_body(content = StatusBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order in its new status, and its new `ETag`.", body = OrderBody,
            headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = StatusConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn change_status() {}

/// `handlers::events::order_events`
#[utoipa::path(
    get, path = "/orders/{id}/events", operation_id = "orderEvents", tag = ORDERS,
    summary = "Read an order's history",
    description = "Every change to the order, oldest first, with a gap-free `orderVersion`: the audit trail \
        and the catch-up for consumers of the NATS events. A deleted order keeps its history (admins only).",
    params(OrderIdPath, HistoryParams),
    responses(
        (status = 200, description = "One page; `nextCursor` is the `after` of the next.",
            body = EventListBody),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
    )
)]
fn order_events() {}

/// `handlers::metadata::update_metadata`
#[utoipa::path(
    put, path = "/orders/{id}/metadata", operation_id = "updateMetadata", tag = LIFECYCLE,
    summary = "Replace an order's metadata",
    description = "Replaces the metadata as a whole, in any status.",
    params(OrderIdPath, IfMatchHeader),
    request_body(content = MetadataBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order with its new metadata, and its new `ETag`.",
            body = OrderBody, headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn update_metadata() {}

/// `handlers::refunds::request_refund`
#[utoipa::path(
    post, path = "/orders/{id}/refunds", operation_id = "requestRefund", tag = LIFECYCLE,
    summary = "Refund part of an order",
    description = "Asks for a refund of captured money (an order's payment is captured when it ships): at \
        most its `refundableAmount` (captured, less succeeded and pending refunds). The refund is `pending` \
        until the payment service answers, after the change is committed, then `succeeded` or `failed` (its \
        amount is refundable again). Parallel refunds never give back more than was captured. Safe to retry \
        with an idempotency key.",
    params(OrderIdPath, IdempotencyKeyHeader),
    request_body(content = RefundBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Asked for: the order with its new refund, and its new `ETag`; a retry \
            with the same idempotency key and request gets the same answer with `Idempotent-Replayed: true`.",
            body = OrderBody, headers(("ETag"), ("Idempotent-Replayed"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = RefundConflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = RefundRejected),
    )
)]
fn request_refund() {}

/// `handlers::returns::request_return`
#[utoipa::path(
    post, path = "/orders/{id}/returns", operation_id = "requestReturn", tag = LIFECYCLE,
    summary = "Ask for shipped goods back",
    description = "Asks for a return of shipped units: each item a product of the order, named once, at most \
        its units shipped and not returned or asked back by an open return. An order with nothing shipped \
        refuses (409). The return is `requested` until it is received or rejected; the order's status does \
        not change. Parallel requests never return more than was shipped. Safe to retry with an idempotency \
        key.",
    params(OrderIdPath, IdempotencyKeyHeader),
    request_body(content = ReturnBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Asked for: the order with its new return, its new `ETag`, and the \
            return's address in `Location`; a retry with the same idempotency key and request gets the same \
            answer with `Idempotent-Replayed: true`.",
            body = OrderBody, headers(("ETag"), ("Location"), ("Idempotent-Replayed"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = OrderNotFound),
        (status = 409, response = ReturnConflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ReturnRejected),
    )
)]
fn request_return() {}

/// `handlers::returns::get_return`
#[utoipa::path(
    get, path = "/orders/{id}/returns/{returnId}", operation_id = "getReturn", tag = LIFECYCLE,
    summary = "Read one return",
    description = "The return a new return's `Location` names, with its order's version as `ETag`.",
    params(OrderIdPath, ReturnIdPath),
    responses(
        (status = 200, description = "The return, with its order's version as `ETag`.",
            body = ReturnOut, headers(("ETag"))),
        (status = 404, response = ReturnNotFound),
    )
)]
fn get_return() {}

/// `handlers::returns::change_status`
#[utoipa::path(
    put, path = "/orders/{id}/returns/{returnId}/status", operation_id = "changeReturnStatus",
    tag = LIFECYCLE,
    summary = "Receive or reject a return",
    description = "`received`: the goods are back (the lines' `returnedQuantity` grows), they are restocked \
        with the inventory service after commit, and their price (each unit not refunded already, at most \
        the `refundableAmount`) is refunded in the same change by a refund with reason `return <id>`, which \
        settles as any refund does. `rejected`: closed without refund or restock; its units may be asked back \
        again. Only a `requested` return moves.",
    params(OrderIdPath, ReturnIdPath, IfMatchHeader),
    request_body(content = ReturnStatusBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The order, and its new `ETag`.", body = OrderBody, headers(("ETag"))),
        (status = 400, response = MalformedRequest),
        (status = 404, response = ReturnNotFound),
        (status = 409, response = ReturnStatusConflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    )
)]
fn change_return_status() {}

/// The answer of a health probe.
#[derive(ToSchema)]
struct Health {
    status: HealthStatus,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
enum HealthStatus {
    Ok,
    Ready,
}

/// `handlers::health::live`
#[utoipa::path(
    get, path = "/health/live", operation_id = "live", tag = OPERATIONS,
    summary = "Liveness: the process is up and serving",
    responses(
        (status = 200, description = "Up.", body = Health, example = json!({"status": "ok"})),
    )
)]
fn live() {}

/// `handlers::health::ready`
#[utoipa::path(
    get, path = "/health/ready", operation_id = "ready", tag = OPERATIONS,
    summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "Ready.", body = Health, example = json!({"status": "ready"})),
        (status = 503, response = NotReady),
    )
)]
fn ready() {}

/// `openapi::serve`
#[utoipa::path(
    get, path = "/openapi.json", operation_id = "openapi", tag = OPERATIONS,
    summary = "This document (OpenAPI 3.1)",
    responses(
        (status = 200, description = "The OpenAPI document; interactive docs at `/docs/`.",
            body = Object, content_type = "application/json"),
    )
)]
fn openapi() {}
