//! Returns: `POST /orders/{id}/returns` (idempotent per key), `GET /orders/{id}/returns/{returnId}` and
//! `PUT /orders/{id}/returns/{returnId}/status`.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::{AppError, OrderService};
use order_domain::{Field, ReturnId, ReturnStatus, Violation};

use crate::business::{self, OrderEvent};
use crate::caller::caller;
use crate::dto::{render_order, render_return, ReturnBody, ReturnStatusBody};
use crate::error::ApiError;
use crate::etag::etag;
use crate::handlers::lifecycle::{changed, read_change};
use crate::handlers::orders::{idempotency_header, order_id};
use crate::json_body;

/// `POST /orders/{id}/returns`: `201` with the order and the new return's address (on a replay too).
pub(crate) async fn request_return(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let id = order_id(&id)?;
    let body: ReturnBody = json_body::parse(&request, &body)?;
    let key = idempotency_header(&request)?;
    let answer = service
        .request_return(&caller, id, body.into_draft(), key, render_order)
        .await?;
    let mut response = HttpResponse::Created();
    response.content_type(ContentType::json());
    let returned = match &answer.order {
        Some(order) => {
            business::count(OrderEvent::ReturnRequested);
            response.insert_header(header::ETag(etag(order.version())));
            order.returns().last().map(|r| r.id.to_string())
        }
        None => {
            response.insert_header(("Idempotent-Replayed", "true"));
            latest_return_in(&answer.body)
        }
    };
    if let Some(returned) = returned {
        response.insert_header((header::LOCATION, format!("/orders/{id}/returns/{returned}")));
    }
    Ok(response.body(answer.body))
}

/// The return a replayed answer was first given for: the latest of the order it rendered then.
fn latest_return_in(body: &[u8]) -> Option<String> {
    let order: serde_json::Value = serde_json::from_slice(body).ok()?;
    order["returns"]
        .as_array()?
        .last()?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

/// `GET /orders/{id}/returns/{returnId}`: one return, with its order's version as `ETag`.
pub(crate) async fn get_return(
    request: HttpRequest,
    path: Path<(String, String)>,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (id, returned) = path.into_inner();
    let caller = caller(&request)?;
    let id = order_id(&id)?;
    let returned = returned.parse::<ReturnId>().ok();
    let (order, returned) = service.get_return(&caller, id, returned).await?;
    let body = render_return(&order, returned).ok_or(ApiError::App(AppError::ReturnNotFound))?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(order.version())))
        .content_type(ContentType::json())
        .body(body))
}

/// `PUT /orders/{id}/returns/{returnId}/status`: `received` or `rejected`.
pub(crate) async fn change_status(
    request: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (id, returned) = path.into_inner();
    let (caller, id, check, body): (_, _, _, ReturnStatusBody) = read_change(&request, &id, &body)?;
    // A return id that is no UUID names no return: `404`, as an unknown one.
    let returned: ReturnId = returned
        .parse()
        .map_err(|_| ApiError::App(AppError::ReturnNotFound))?;
    let outcome = match body.status.as_deref().map(ReturnStatus::parse) {
        Some(Some(status @ (ReturnStatus::Received | ReturnStatus::Rejected))) => status,
        Some(_) => {
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                "must be received or rejected",
            )]))
        }
        None => {
            return Err(ApiError::Invalid(vec![Violation::new(
                Field::Status,
                "is required",
            )]))
        }
    };
    let order = service
        .settle_return(&caller, id, returned, outcome, check)
        .await?;
    if outcome == ReturnStatus::Received {
        business::count(OrderEvent::ReturnReceived);
    }
    Ok(changed(&order))
}
