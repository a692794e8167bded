//! Shipments by line: `POST /orders/{id}/shipments`, and one shipment's tracking and status.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::OrderService;
use order_domain::{Field, ShipmentId, ShipmentRequest, Tracking, Violation};

use crate::business::{self, OrderEvent};
use crate::dto::{render_order, render_shipment, ShipmentBody, ShipmentStatusBody, TrackingBody};
use crate::error::ApiError;
use crate::etag::etag;
use crate::handlers::lifecycle::{changed, read_change};

/// `GET /orders/{id}/shipments/{shipmentId}`: one shipment (the address a new shipment's `Location` gives),
/// with its order's version as `ETag`.
pub(crate) async fn get_shipment(
    request: HttpRequest,
    path: Path<(String, String)>,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (id, shipment) = path.into_inner();
    let caller = crate::caller::caller(&request)?;
    let id = crate::handlers::orders::order_id(&id)?;
    let shipment = shipment_id(&shipment).ok();
    let (order, shipment) = service.get_shipment(&caller, id, shipment).await?;
    let body = render_shipment(&order, shipment)
        .ok_or(ApiError::App(order_app::AppError::ShipmentNotFound))?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(order.version())))
        .content_type(ContentType::json())
        .body(body))
}

/// `POST /orders/{id}/shipments`: `201` with the order, and the new shipment's address.
pub(crate) async fn create_shipment(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, body): (_, _, _, ShipmentBody) = read_change(&request, &id, &body)?;
    let (tracking, items) = body.into_drafts();
    let shipment = ShipmentRequest::parse(tracking, items).map_err(ApiError::Invalid)?;
    let (order, shipment) = service
        .create_shipment(&caller, id, shipment, check)
        .await?;
    business::count(OrderEvent::of_tracking(&order));
    Ok(HttpResponse::Created()
        .insert_header(header::ETag(etag(order.version())))
        .insert_header((
            header::LOCATION,
            format!("/orders/{}/shipments/{shipment}", order.id()),
        ))
        .content_type(ContentType::json())
        .body(render_order(&order)))
}

/// `PUT /orders/{id}/shipments/{shipmentId}/tracking`
pub(crate) async fn correct_tracking(
    request: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (id, shipment) = path.into_inner();
    let (caller, id, check, body): (_, _, _, TrackingBody) = read_change(&request, &id, &body)?;
    let shipment = shipment_id(&shipment)?;
    let tracking = Tracking::parse(body.into_draft()).map_err(ApiError::Invalid)?;
    let order = service
        .correct_shipment_tracking(&caller, id, shipment, tracking, check)
        .await?;
    Ok(changed(&order))
}

/// `PUT /orders/{id}/shipments/{shipmentId}/status`: `{"status": "delivered"}` delivers the shipment.
pub(crate) async fn change_status(
    request: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (id, shipment) = path.into_inner();
    let (caller, id, check, body): (_, _, _, ShipmentStatusBody) =
        read_change(&request, &id, &body)?;
    let shipment = shipment_id(&shipment)?;
    match body.status.as_deref() {
        Some("delivered") => {}
        Some(_) => {
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                "must be delivered",
            )]))
        }
        None => {
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                "is required",
            )]))
        }
    }
    let order = service
        .deliver_shipment(&caller, id, shipment, check)
        .await?;
    business::count(OrderEvent::of_status(&order));
    Ok(changed(&order))
}

/// A shipment id that is no UUID names no shipment: `404`, as an unknown one.
fn shipment_id(raw: &str) -> Result<ShipmentId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::App(order_app::AppError::ShipmentNotFound))
}
