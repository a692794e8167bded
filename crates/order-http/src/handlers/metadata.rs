//! `PUT /orders/{id}/metadata`: the client's own key-value data on an order, replaced whole.

use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use order_app::OrderService;
use order_domain::{Field, Metadata, Violation};

use crate::dto::MetadataBody;
use crate::error::ApiError;
use crate::handlers::lifecycle::{changed, read_change};

pub(crate) async fn update_metadata(
    request: HttpRequest,
    id: Path<String>,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, check, body): (_, _, _, MetadataBody) = read_change(&request, &id, &body)?;
    let metadata = match body.metadata {
        None => Err(vec![Violation::new(Field::Metadata, "is required")]),
        Some(entries) => Metadata::parse(entries),
    }
    .map_err(ApiError::Invalid)?;
    let order = service
        .update_metadata(&caller, id, metadata, check)
        .await?;
    Ok(changed(&order))
}
