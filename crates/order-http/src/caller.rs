use actix_web::{HttpMessage, HttpRequest};
use order_app::Caller;

use crate::error::ApiError;
use crate::RequestId;

/// Who a request comes from, as the use cases need to know it. Every order route asks here first, so that
/// authentication has one home in the HTTP layer; a request that cannot say who it is never reaches a use case.
pub(crate) fn caller(request: &HttpRequest) -> Result<Caller, ApiError> {
    let caller = Caller::anonymous();
    Ok(match request.extensions().get::<RequestId>() {
        Some(id) => caller.with_request_id(id.to_string()),
        None => caller,
    })
}
