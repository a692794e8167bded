use std::time::Duration;

use order_domain::ports::{BoxError, GatewayError, RepositoryError};
use order_domain::{
    CustomerId, OrderAction, OrderError, OrderStatus, ProductId, ReturnStatus, StaleVersion,
    Version, Violation,
};
use thiserror::Error;

use crate::Action;

/// Every way a use case can fail; the HTTP adapter maps each to one status.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("no such order")]
    NotFound,
    #[error("the order has no such shipment")]
    ShipmentNotFound,
    #[error("the order has no such return")]
    ReturnNotFound,
    /// Only a requested return is received or rejected.
    #[error("the return is {status} already: only a requested return is received or rejected")]
    ReturnNotRequested { status: ReturnStatus },
    /// The caller is known but may not do this (the policy's `Forbid`).
    #[error("not allowed to {action}")]
    Forbidden { action: Action },
    #[error("the request breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    #[error("cannot {action} an order that is {status}")]
    NotAllowed {
        action: OrderAction,
        status: OrderStatus,
        /// What the order allows instead.
        allowed: Vec<OrderAction>,
    },
    /// A status a client may not ask for directly: only the business event that reaches it brings it.
    #[error("an order becomes {status} only {}", OrderAction::how_to_reach(*.status))]
    StatusNotSettable { status: OrderStatus },
    #[error("the payment was declined: {0}")]
    PaymentDeclined(String),
    /// A refund of an order whose payment is not captured (only authorized, or not paid).
    #[error("the order's payment is not captured: nothing can be refunded (cancel the order to void it)")]
    NotCaptured,
    #[error("customer `{0}` does not exist")]
    UnknownCustomer(CustomerId),
    #[error("not enough stock")]
    OutOfStock(Vec<ProductId>),
    #[error("this idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still in progress")]
    IdempotencyKeyInFlight,
    #[error("the order is at version {}, not the one the request expects", current.get())]
    PreconditionFailed { current: Version },
    #[error("the order kept changing concurrently; retry")]
    Conflict,
    // The source says which service and why; this line only says what kind of failure it is.
    #[error("an outside service failed")]
    DependencyUnavailable {
        service: &'static str,
        retry_after: Option<Duration>,
        #[source]
        source: GatewayError,
    },
    #[error("the database is unavailable")]
    StorageUnavailable(#[source] RepositoryError),
    #[error("unexpected failure")]
    Unexpected(#[source] BoxError),
}

impl From<OrderError> for AppError {
    fn from(error: OrderError) -> Self {
        match error {
            OrderError::NotAllowed {
                action,
                status,
                allowed,
            } => AppError::NotAllowed {
                action,
                status,
                allowed,
            },
            OrderError::Invalid(violations) => AppError::Invalid(violations),
            // Another request recorded the refund first.
            OrderError::NoRefundDue | OrderError::NoCaptureDue | OrderError::RefundNotPending => {
                AppError::Conflict
            }
            OrderError::UnknownShipment => AppError::ShipmentNotFound,
            OrderError::NotCaptured => AppError::NotCaptured,
            OrderError::UnknownReturn => AppError::ReturnNotFound,
            OrderError::ReturnNotRequested(status) => AppError::ReturnNotRequested { status },
        }
    }
}

impl From<StaleVersion> for AppError {
    fn from(error: StaleVersion) -> Self {
        AppError::PreconditionFailed {
            current: error.current,
        }
    }
}

impl From<RepositoryError> for AppError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Unavailable(_) => AppError::StorageUnavailable(error),
            RepositoryError::VersionConflict | RepositoryError::AttemptSettled => {
                AppError::Conflict
            }
            other => AppError::Unexpected(Box::new(other)),
        }
    }
}

impl From<GatewayError> for AppError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Unavailable {
                service,
                retry_after,
                ..
            } => AppError::DependencyUnavailable {
                service,
                retry_after,
                source: error,
            },
            other => AppError::Unexpected(Box::new(other)),
        }
    }
}
