//! The middleware that makes each request observable: a `request` span carrying the request id and method,
//! the id echoed in `X-Request-Id` on every response (problems and framework errors included), one
//! `request finished` line with route template, status and latency, and the request metrics. It logs neither
//! headers nor bodies, so no token, address or payment detail reaches the logs through it.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

use crate::problem::Problem;
use crate::request_id::{RequestId, REQUEST_ID_HEADER};

/// Requests by method, route template and status.
pub const REQUESTS_TOTAL: &str = "http_requests_total";
/// Latency by route template, in seconds.
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";
/// The route label of a request that matched no route: its raw path is never a label.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Wrap the whole app in it, outermost: `App::new().wrap(from_fn(observe))`.
pub async fn observe<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let id = RequestId::from_header(
        request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok()),
    );
    let method = method_label(request.method());
    let span = tracing::info_span!("request", request_id = %id, method);
    let header = HeaderValue::from_str(id.as_str()).ok();
    request.extensions_mut().insert(id);

    match next.call(request).instrument(span.clone()).await {
        Ok(mut response) => {
            echo(response.headers_mut(), header);
            let route = response.request().match_pattern();
            finished(&span, method, route, response.status(), started);
            Ok(response)
        }
        // An error that escaped the inner layers: answered with a problem that carries the id.
        Err(error) => {
            let status = error.as_response_error().status_code();
            let mut problem = Problem::status(status).into_response();
            echo(problem.headers_mut(), header);
            finished(&span, method, None, status, started);
            Err(InternalError::from_response(error, problem).into())
        }
    }
}

fn echo(headers: &mut HeaderMap, id: Option<HeaderValue>) {
    if let Some(id) = id {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), id);
    }
}

/// The request's log line and metrics.
fn finished(
    span: &tracing::Span,
    method: &'static str,
    route: Option<String>,
    status: StatusCode,
    started: Instant,
) {
    let elapsed = started.elapsed();
    let route = route.unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    span.in_scope(|| {
        tracing::info!(
            route = %route,
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        )
    });
    metrics::counter!(
        REQUESTS_TOTAL,
        "method" => method,
        "route" => route.clone(),
        "status" => status.as_str().to_owned()
    )
    .increment(1);
    metrics::histogram!(REQUEST_DURATION, "route" => route).record(elapsed.as_secs_f64());
}

/// The standard methods by name; anything else as `OTHER`, so a caller cannot mint labels.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
