//! The order's life after creation: payment, shipping address, tracking, and the operators' status endpoint.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::{Caller, OrderService, PaidOrder, PayOrder};
use order_domain::{
    Field, Order, OrderId, OrderStatus, ShippingAddress, Tracking, Version, VersionCheck, Violation,
};
use serde::de::DeserializeOwned;

use crate::business::{self, OrderEvent};
use crate::caller::caller;
use crate::dto::{render_order, PaymentBody, ShippingBody, StatusBody, TrackingBody};
use crate::error::ApiError;
use crate::etag::{etag, if_match};
use crate::handlers::orders::{idempotency_header, order_id};
use crate::json_body;

/// What every change request carries: who asks, the order, the caller's `If-Match`, and a JSON body.
pub(crate) fn read_change<T: DeserializeOwned>(
    request: &HttpRequest,
    id: &str,
    body: &[u8],
) -> Result<(Caller, OrderId, VersionCheck, T), ApiError> {
    Ok((
        caller(request)?,
        order_id(id)?,
        if_match(request)?,
        json_body::parse(request, body)?,
    ))
}

/// Every successful change answers with the whole order and its new tag.
pub(crate) fn changed(order: &Order) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(header::ETag(etag(order.version())))
        .content_type(ContentType::json())
        .body(render_order(order))
}

/// `PUT /orders/{id}/payment`
pub(crate) async fn pay(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, payment): (_, _, _, PaymentBody) = read_change(&request, &id, &body)?;
    let command = PayOrder {
        payment: payment.into_draft(),
        check,
        idempotency_key: idempotency_header(&request)?,
    };
    match service
        .pay_order(&caller, id, command, render_order)
        .await?
    {
        PaidOrder::Paid(order) => {
            business::count(OrderEvent::Paid);
            Ok(changed(&order))
        }
        PaidOrder::Replayed(body) => {
            let mut response = HttpResponse::Ok();
            response
                .insert_header(("Idempotent-Replayed", "true"))
                .content_type(ContentType::json());
            // The tag the first answer carried: the version it shows.
            if let Some(version) = shown_version(&body) {
                response.insert_header(header::ETag(etag(version)));
            }
            Ok(response.body(body))
        }
    }
}

/// The `version` of a stored order body.
fn shown_version(body: &[u8]) -> Option<Version> {
    let shown: serde_json::Value = serde_json::from_slice(body).ok()?;
    Version::new(shown.get("version")?.as_u64()?)
}

/// `PUT /orders/{id}/shipping`
pub(crate) async fn set_shipping_address(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, shipping): (_, _, _, ShippingBody) = read_change(&request, &id, &body)?;
    let address = match shipping.address {
        None => Err(vec![Violation::new(Field::ShippingAddress, "is required")]),
        Some(address) => ShippingAddress::parse(address.into_draft()),
    }
    .map_err(ApiError::Invalid)?;
    let order = service
        .set_shipping_address(&caller, id, address, check)
        .await?;
    Ok(changed(&order))
}

/// `PUT /orders/{id}/shipment/tracking`
pub(crate) async fn record_tracking(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, tracking): (_, _, _, TrackingBody) = read_change(&request, &id, &body)?;
    let tracking = Tracking::parse(tracking.into_draft()).map_err(ApiError::Invalid)?;
    let order = service
        .record_tracking(&caller, id, tracking, check)
        .await?;
    business::count(OrderEvent::of_tracking(&order));
    Ok(changed(&order))
}

/// `PUT /orders/{id}/status`: for operators, and guarded. The domain says which statuses may be asked for;
/// the other statuses come from their business events, and the answer says which.
pub(crate) async fn change_status(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, body): (_, _, _, StatusBody) = read_change(&request, &id, &body)?;
    let status = match body.status.as_deref().map(str::parse::<OrderStatus>) {
        Some(Ok(status)) => status,
        Some(Err(_)) => {
            let names: Vec<_> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            let message = format!("must be one of {}", names.join(", "));
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                message,
            )]));
        }
        None => {
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                "is required",
            )]))
        }
    };
    let order = service.set_status(&caller, id, status, check).await?;
    business::count(OrderEvent::of_status(&order));
    Ok(changed(&order))
}
