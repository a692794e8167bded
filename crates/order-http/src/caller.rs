use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest};
use order_app::Caller;
use order_domain::Principal;

use crate::auth::Authentication;
use crate::error::ApiError;
use crate::RequestId;

/// Who a request comes from, as the use cases need to know it: the principal the authentication middleware
/// left in the request's extensions. Every order route asks here first; when tokens are required and none was
/// proved (a route left outside the middleware), the request is refused rather than served anonymously.
pub(crate) fn caller(request: &HttpRequest) -> Result<Caller, ApiError> {
    let caller = match request.extensions().get::<Principal>() {
        Some(principal) => Caller::authenticated(principal.clone()),
        None => {
            let open = request
                .app_data::<Data<Authentication>>()
                .is_some_and(|authentication| !authentication.requires_token());
            if !open {
                return Err(ApiError::Unauthenticated(None));
            }
            Caller::anonymous()
        }
    };
    Ok(match request.extensions().get::<RequestId>() {
        Some(id) => caller.with_request_id(id.to_string()),
        None => caller,
    })
}
