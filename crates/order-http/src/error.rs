//! The one mapping from errors to HTTP.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use order_app::{Action, AppError};
use order_domain::{OrderStatus, Violation};

use crate::auth::TokenError;
use crate::dto::pointer;
use crate::problem::{FieldProblem, Problem};

/// Everything a request can fail with, from the parsing of its parts to the use case it runs.
#[derive(thiserror::Error)]
pub(crate) enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The request is well-formed but breaks the rules (422).
    #[error("the request breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    /// The request cannot be read: malformed JSON, a wrong type, a bad query parameter or header (400).
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldProblem>,
    },
    #[error("the request body must be JSON (application/json)")]
    UnsupportedMediaType,
    #[error("no order has this id")]
    NoSuchOrder,
    /// No bearer token (`None`), or one that is refused (401).
    #[error("{}", .0.as_ref().map_or("this route needs a bearer token".to_owned(), ToString::to_string))]
    Unauthenticated(Option<TokenError>),
    /// The last readiness probe failed, or is too old to say.
    #[error("not ready: {0}")]
    NotReady(String),
}

fn validation_problem(violations: &[Violation]) -> Problem {
    Problem::new(
        "/problems/validation-error",
        "The request breaks the order rules",
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .detail(format!("the request breaks {} rule(s)", violations.len()))
    .errors(
        violations
            .iter()
            .map(|v| FieldProblem::at_pointer(pointer(v.field), &v.message))
            .collect(),
    )
}

impl ApiError {
    pub(crate) fn bad_request(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            errors,
        }
    }

    fn problem(&self) -> Problem {
        match self {
            ApiError::App(error) => app_problem(error),
            ApiError::Invalid(violations) => validation_problem(violations),
            ApiError::BadRequest { detail, errors } => Problem::new(
                "/problems/malformed-request",
                "The request cannot be read",
                StatusCode::BAD_REQUEST,
            )
            .detail(detail.clone())
            .errors(errors.clone()),
            ApiError::UnsupportedMediaType => {
                Problem::status(StatusCode::UNSUPPORTED_MEDIA_TYPE).detail(self.to_string())
            }
            ApiError::NoSuchOrder => not_found(),
            ApiError::Unauthenticated(_) => Problem::new(
                "/problems/unauthenticated",
                "Authentication required",
                StatusCode::UNAUTHORIZED,
            )
            .detail(self.to_string()),
            ApiError::NotReady(why) => Problem::new(
                "/problems/not-ready",
                "Not ready",
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .detail(why.clone()),
        }
    }
}

fn not_found() -> Problem {
    Problem::new(
        "/problems/order-not-found",
        "No such order",
        StatusCode::NOT_FOUND,
    )
    .detail("no order has this id, or it was deleted")
}

fn unavailable(what: String) -> Problem {
    Problem::new(
        "/problems/service-unavailable",
        "Temporarily unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .detail(format!("{what}; retry later"))
}

fn app_problem(error: &AppError) -> Problem {
    match error {
        AppError::NotFound => not_found(),
        AppError::ShipmentNotFound => Problem::new(
            "/problems/shipment-not-found",
            "No such shipment",
            StatusCode::NOT_FOUND,
        )
        .detail("the order has no shipment with this id"),
        AppError::ReturnNotFound => Problem::new(
            "/problems/return-not-found",
            "No such return",
            StatusCode::NOT_FOUND,
        )
        .detail("the order has no return with this id"),
        AppError::ReturnNotRequested { status } => Problem::new(
            "/problems/return-not-requested",
            "Return settled already",
            StatusCode::CONFLICT,
        )
        .detail(error.to_string())
        .extension("returnStatus", status.as_str()),
        AppError::Forbidden { action } => Problem::new(
            "/problems/forbidden",
            "Not allowed for this principal",
            StatusCode::FORBIDDEN,
        )
        .detail(match action {
            Action::List => "this principal may not list the orders asked for".to_owned(),
            action => format!("this principal may not {action} this order"),
        })
        .extension("action", action.as_str()),
        AppError::Invalid(violations) => validation_problem(violations),
        AppError::NotAllowed {
            action,
            status,
            allowed,
        } => {
            let transition = action
                .target(*status)
                .map(|to| serde_json::json!({ "from": status.as_str(), "to": to.as_str() }));
            Problem::new(
                "/problems/transition-not-allowed",
                "Not allowed in the order's status",
                StatusCode::CONFLICT,
            )
            .detail(error.to_string())
            .extension("currentStatus", status.as_str())
            .extension("attemptedAction", action.as_str())
            .extension("attemptedTransition", transition.unwrap_or_default())
            .extension(
                "allowedTransitions",
                OrderStatus::ALL
                    .iter()
                    .filter(|next| status.can_become(**next))
                    .map(|next| next.as_str())
                    .collect::<Vec<_>>(),
            )
            .extension(
                "allowedActions",
                allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            )
        }
        AppError::StatusNotSettable { status } => Problem::new(
            "/problems/status-not-settable",
            "Status set by a business event",
            StatusCode::CONFLICT,
        )
        .detail(error.to_string())
        .extension("requestedStatus", status.as_str()),
        AppError::PaymentDeclined(reason) => Problem::new(
            "/problems/payment-declined",
            "Payment declined",
            StatusCode::PAYMENT_REQUIRED,
        )
        .detail(reason.clone()),
        AppError::NotCaptured => Problem::new(
            "/problems/payment-not-captured",
            "Payment not captured",
            StatusCode::CONFLICT,
        )
        .detail(error.to_string()),
        AppError::UnknownCustomer(customer) => Problem::new(
            "/problems/unknown-customer",
            "Unknown customer",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .detail(error.to_string())
        .errors(vec![FieldProblem::at_pointer(
            "/customerId",
            format!("customer `{customer}` does not exist"),
        )]),
        AppError::OutOfStock(products) => Problem::new(
            "/problems/out-of-stock",
            "Not enough stock",
            StatusCode::CONFLICT,
        )
        .detail(format!(
            "not enough stock for: {}",
            products
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .extension(
            "unavailableProducts",
            products.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        ),
        AppError::IdempotencyKeyReused => Problem::new(
            "/problems/idempotency-key-reused",
            "Idempotency key reused",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .detail("this idempotency key was already used for a request with a different payload"),
        AppError::IdempotencyKeyInFlight => Problem::new(
            "/problems/idempotency-key-in-flight",
            "Request in progress",
            StatusCode::CONFLICT,
        )
        .detail("a request with this idempotency key is still being processed; retry shortly"),
        AppError::PreconditionFailed { current } => Problem::new(
            "/problems/precondition-failed",
            "The order has changed",
            StatusCode::PRECONDITION_FAILED,
        )
        .detail(error.to_string())
        .extension("currentVersion", current.get()),
        AppError::Conflict => Problem::new(
            "/problems/concurrent-change",
            "Concurrent change",
            StatusCode::CONFLICT,
        )
        .detail(error.to_string()),
        AppError::DependencyUnavailable { service, .. } => {
            unavailable(format!("the {service} service is unavailable"))
        }
        AppError::StorageUnavailable(_) => unavailable("the database is unavailable".to_owned()),
        AppError::Unexpected(_) => Problem::status(StatusCode::INTERNAL_SERVER_ERROR)
            .detail("an unexpected error occurred; it has been logged"),
    }
}

impl std::fmt::Debug for ApiError {
    /// The whole source chain, so a log line says why and not only what.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        // The probe logs why the service is not ready, once per probe rather than once per check.
        if problem.status >= 500 && !matches!(self, ApiError::NotReady(_)) {
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = problem.into_response();
        let retry_after = match self {
            ApiError::App(AppError::DependencyUnavailable { retry_after, .. }) => {
                Some(retry_after.map_or(1, |d| d.as_secs().max(1)))
            }
            ApiError::App(AppError::StorageUnavailable(_) | AppError::IdempotencyKeyInFlight)
            | ApiError::NotReady(_) => Some(1),
            _ => None,
        };
        if let ApiError::Unauthenticated(reason) = self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, bearer_challenge(reason.as_ref()));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// RFC 6750: a bare `Bearer` when no token came; `error="invalid_token"` and why when one was refused.
fn bearer_challenge(reason: Option<&TokenError>) -> HeaderValue {
    let Some(reason) = reason else {
        return HeaderValue::from_static("Bearer");
    };
    let description: String = reason
        .to_string()
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                '\''
            } else {
                c
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "Bearer error=\"invalid_token\", error_description=\"{description}\""
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"invalid_token\""))
}
