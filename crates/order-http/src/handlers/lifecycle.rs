//! The order's life after creation: payment, shipping address, tracking, and the operators' status endpoint.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::OrderService;
use order_domain::{Field, Order, OrderStatus, ShippingAddress, Tracking, Violation};

use crate::dto::{render_order, PaymentBody, ShippingBody, StatusBody, TrackingBody};
use crate::error::ApiError;
use crate::etag::{etag, if_match};
use crate::handlers::orders::order_id;
use crate::json_body;

/// Every successful change answers with the whole order and its new tag.
fn changed(order: &Order) -> HttpResponse {
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
    let id = order_id(&id)?;
    let check = if_match(&request)?;
    let payment: PaymentBody = json_body::parse(&request, &body)?;
    let order = service.pay_order(id, payment.into_draft(), check).await?;
    Ok(changed(&order))
}

/// `PUT /orders/{id}/shipping`
pub(crate) async fn set_shipping_address(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&id)?;
    let check = if_match(&request)?;
    let shipping: ShippingBody = json_body::parse(&request, &body)?;
    let address = match shipping.address {
        None => Err(vec![Violation::new(Field::ShippingAddress, "is required")]),
        Some(address) => ShippingAddress::parse(address.into_draft()),
    }
    .map_err(ApiError::Invalid)?;
    let order = service.set_shipping_address(id, address, check).await?;
    Ok(changed(&order))
}

/// `PUT /orders/{id}/shipment/tracking`
pub(crate) async fn record_tracking(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&id)?;
    let check = if_match(&request)?;
    let tracking: TrackingBody = json_body::parse(&request, &body)?;
    let tracking = Tracking::parse(tracking.into_draft()).map_err(ApiError::Invalid)?;
    let order = service.record_tracking(id, tracking, check).await?;
    Ok(changed(&order))
}

/// `PUT /orders/{id}/status`: for operators, and guarded. Only `canceled` and `delivered` may be asked for;
/// the other statuses come from their business events, and the answer says which.
pub(crate) async fn change_status(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&id)?;
    let check = if_match(&request)?;
    let body: StatusBody = json_body::parse(&request, &body)?;
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
    let order = match status {
        OrderStatus::Canceled => service.cancel_order(id, check).await?,
        OrderStatus::Delivered => service.deliver_order(id, check).await?,
        other => return Err(ApiError::StatusNotSettable { status: other }),
    };
    Ok(changed(&order))
}
