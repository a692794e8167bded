//! `POST /orders/{id}/refunds`: a partial refund of an order's captured money, idempotent per key.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::OrderService;

use crate::caller::caller;
use crate::dto::{render_order, RefundBody};
use crate::error::ApiError;
use crate::etag::etag;
use crate::handlers::orders::{idempotency_header, order_id};
use crate::json_body;

pub(crate) async fn request_refund(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let id = order_id(&id)?;
    let body: RefundBody = json_body::parse(&request, &body)?;
    let key = idempotency_header(&request)?;
    let refund = service
        .request_refund(&caller, id, body.into_draft(), key, render_order)
        .await?;
    let mut response = HttpResponse::Created();
    response.content_type(ContentType::json());
    match &refund.order {
        Some(order) => response.insert_header(header::ETag(etag(order.version()))),
        None => response.insert_header(("Idempotent-Replayed", "true")),
    };
    Ok(response.body(refund.body))
}
