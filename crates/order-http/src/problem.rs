//! RFC 9457 problem details, and the middleware that gives every error response one.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// One bad input, located by a JSON pointer into the request body (or naming a query parameter or header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(examples(json!({"pointer": "/items/1/quantity", "detail": "must be a whole number"})))]
pub(crate) struct FieldProblem {
    /// RFC 6901 JSON pointer to the bad member of the request body.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, examples("/items/1/quantity"))]
    pub pointer: Option<String>,
    /// The bad query parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, examples("limit"))]
    pub parameter: Option<&'static str>,
    /// The bad request header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, examples("Idempotency-Key"))]
    pub header: Option<&'static str>,
    /// What is wrong with it.
    pub detail: String,
}

impl FieldProblem {
    pub fn at_pointer(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            parameter: None,
            header: None,
            detail: detail.into(),
        }
    }

    pub fn at_parameter(parameter: &'static str, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: Some(parameter),
            header: None,
            detail: detail.into(),
        }
    }

    pub fn at_header(header: &'static str, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: None,
            header: Some(header),
            detail: detail.into(),
        }
    }
}

/// An RFC 9457 problem: every error answer, as `application/problem+json`. Problem types may add
/// members of their own (see the schemas named `…Problem`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Problem {
    /// The problem type: a URI reference, relative to the service (`/problems/validation-error`), or
    /// `about:blank` when the HTTP status says it all.
    #[serde(rename = "type")]
    #[schema(format = "uri-reference", examples("/problems/validation-error"))]
    pub kind: &'static str,
    /// A short summary of the problem type; the same for every occurrence.
    #[schema(examples("The request breaks the order rules"))]
    pub title: &'static str,
    /// The HTTP status of the answer.
    #[schema(minimum = 400, maximum = 599, examples(422))]
    pub status: u16,
    /// What went wrong this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub detail: Option<String>,
    /// Every bad input of the request, not only the first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Extension members particular to a problem type (`unavailableProducts`, `currentVersion`...).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with no more to say than its HTTP status.
    pub fn status(status: StatusCode) -> Self {
        Self::new(
            "about:blank",
            status.canonical_reason().unwrap_or("Error"),
            status,
        )
    }

    pub fn new(kind: &'static str, title: &'static str, status: StatusCode) -> Self {
        Self {
            kind,
            title,
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            extensions: Map::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    pub fn extension(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    pub fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        HttpResponse::build(status)
            .content_type(PROBLEM_JSON)
            .body(body)
    }
}

fn is_problem(response: &HttpResponse<impl MessageBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
}

/// Replaces the body of any 4xx/5xx response that is not already a problem (unknown routes, wrong methods,
/// the framework's extractor errors) with a problem of the same status, keeping its other headers.
pub fn problem_responses<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|response: ServiceResponse<B>| {
        if is_problem(response.response()) {
            return Ok(ErrorHandlerResponse::Response(
                response.map_into_left_body(),
            ));
        }
        let status = response.status();
        let detail = response.response().error().map(|error| error.to_string());
        let (request, old) = response.into_parts();
        let mut problem = Problem::status(status);
        if let Some(detail) = detail.filter(|d| !d.is_empty()) {
            problem = problem.detail(detail);
        }
        let mut new = problem.into_response();
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().insert(name.clone(), value.clone());
            }
        }
        let response: ServiceResponse<EitherBody<B>> =
            ServiceResponse::new(request, new).map_into_right_body();
        Ok(ErrorHandlerResponse::Response(response))
    })
}
