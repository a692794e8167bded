use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpMessage, ResponseError};

use super::{Authentication, TokenError};
use crate::error::ApiError;

/// Lets a request through to the order routes only with a token the verifier accepts, and leaves its
/// `Principal` in the request's extensions. In the open mode every request passes, with no principal.
/// A refused request is answered here (401) and never reaches a handler, so nothing is written.
pub(crate) async fn authenticate<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let verifier = match request
        .app_data::<Data<Authentication>>()
        .map(|a| a.get_ref())
    {
        Some(Authentication::Open) => return pass(request, next).await,
        Some(Authentication::Bearer(verifier)) => verifier.clone(),
        // Not wired: refuse rather than serve open by accident.
        None => return Ok(refuse(request, ApiError::Unauthenticated(None))),
    };
    let principal = match bearer_token(&request).and_then(|token| {
        verifier
            .verify(token)
            .map_err(|error| ApiError::Unauthenticated(Some(error)))
    }) {
        Ok(principal) => principal,
        Err(error) => return Ok(refuse(request, error)),
    };
    request.extensions_mut().insert(principal);
    pass(request, next).await
}

async fn pass<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn refuse<B>(request: ServiceRequest, error: ApiError) -> ServiceResponse<EitherBody<B>> {
    request
        .into_response(error.error_response())
        .map_into_right_body()
}

/// The header's value as text under `HeaderValue::to_str`'s rule (visible ASCII or tab), checked without
/// stopping at the first byte that breaks it: the check then runs on many bytes at a time, where `to_str`
/// spends about 10 instructions a byte of a token (about 2,500 a request).
fn header_text(value: &header::HeaderValue) -> Option<&str> {
    let bytes = value.as_bytes();
    let invisible = bytes.iter().fold(false, |any, &b| {
        any | !(b == b'\t' || (b' '..=b'~').contains(&b))
    });
    if invisible {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(request: &ServiceRequest) -> Result<&str, ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthenticated(None));
    };
    let value = header_text(value).ok_or(ApiError::Unauthenticated(Some(TokenError::Malformed)))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(ApiError::Unauthenticated(Some(TokenError::Malformed)))
            } else {
                Ok(token)
            }
        }
        // The scheme alone: a bearer token that is empty.
        None if value.trim().eq_ignore_ascii_case("bearer") => {
            Err(ApiError::Unauthenticated(Some(TokenError::Malformed)))
        }
        // Another scheme is no bearer token at all.
        _ => Err(ApiError::Unauthenticated(None)),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::header_text;

    #[test]
    fn a_header_is_text_exactly_when_to_str_reads_it() {
        let mut values: Vec<Vec<u8>> = (0..=u8::MAX).map(|b| vec![b'B', b, b'x']).collect();
        values.push(b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig\tend".to_vec());
        values.push("Bearer caf\u{e9}".as_bytes().to_vec());
        for bytes in values {
            let Ok(value) = HeaderValue::from_bytes(&bytes) else {
                continue;
            };
            assert_eq!(header_text(&value), value.to_str().ok(), "{bytes:?}");
        }
    }
}
