//! What the use cases need from the outside world. Adapters implement these; no adapter type crosses them.

use std::error::Error as StdError;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{
    AuthorizationId, CustomerId, IdempotencyClaim, IdempotencyKey, IdempotencyRecord,
    IdempotencyScope, Money, Notification, Order, OrderFilter, OrderId, OrderLine, PageRequest,
    PaymentRequest, ProductId, ProviderKey, RefundId, ShippingAddress, Version,
};

pub type BoxError = Box<dyn StdError + Send + Sync>;

#[derive(Debug, Error)]
pub enum RepositoryError {
    /// Another request already completed a create with this idempotency key.
    #[error("the idempotency key is already used")]
    DuplicateIdempotencyKey,
    /// The order changed (or went away) since it was read: the compare-and-swap found another version.
    #[error("the order was changed concurrently")]
    VersionConflict,
    /// The database cannot be reached or is overloaded; worth retrying later.
    #[error("the database is unavailable")]
    Unavailable(#[source] BoxError),
    #[error("unexpected storage failure")]
    Unexpected(#[source] BoxError),
}

/// Where orders live. Each method is one transaction.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// Stores a new order, and with it the idempotency record if there is one (ending the key's claim); the
    /// database's unique key on (scope, key) refuses a second record with `DuplicateIdempotencyKey` and then
    /// nothing is written.
    async fn insert(
        &self,
        order: &Order,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<(), RepositoryError>;

    /// The order unless it does not exist or is deleted.
    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepositoryError>;

    /// The order even if it is deleted; for the bookkeeping of the service itself, never for clients.
    async fn find_including_deleted(&self, id: OrderId) -> Result<Option<Order>, RepositoryError>;

    /// Up to `limit` orders (deleted or not) whose payment is waiting to be refunded, oldest first.
    async fn refunds_due(&self, limit: usize) -> Result<Vec<Order>, RepositoryError>;

    /// Up to `page.limit + 1` live orders, newest first (the extra one tells whether there is a next page).
    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Vec<Order>, RepositoryError>;

    /// Writes a changed order if, and only if, the stored one is still live at `expected`;
    /// otherwise `VersionConflict` and nothing is written.
    async fn update(&self, order: &Order, expected: Version) -> Result<(), RepositoryError>;

    /// The unexpired record for a key, if any.
    async fn find_idempotency(
        &self,
        scope: &IdempotencyScope,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>, RepositoryError>;

    /// Holds a key for a create about to run; `false` when the key is held by another request whose hold has
    /// not lapsed, or has a live record already. One statement: two requests never both hold one key.
    async fn claim_idempotency(&self, claim: &IdempotencyClaim) -> Result<bool, RepositoryError>;

    /// Lets go of a key whose create failed, so that a retry may run at once.
    async fn release_idempotency(
        &self,
        scope: &IdempotencyScope,
        key: &IdempotencyKey,
    ) -> Result<(), RepositoryError>;

    /// Removes the records and lapsed claims that expired before `now`; returns how many records.
    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError>;

    /// Succeeds when the database answers and takes a write (a full disk refuses one).
    async fn ping(&self) -> Result<(), RepositoryError>;
}

#[derive(Debug, Error)]
pub enum GatewayError {
    /// The service did not answer usefully (timeout, refused, 5xx, open breaker): retry later.
    #[error("the {service} service is unavailable")]
    Unavailable {
        service: &'static str,
        retry_after: Option<Duration>,
        #[source]
        source: Option<BoxError>,
    },
    #[error("the {service} service gave an unexpected answer: {detail}")]
    Unexpected {
        service: &'static str,
        detail: String,
    },
}

/// The customer service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerDirectory: Send + Sync {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError>;
}

#[derive(Debug, Error)]
pub enum ReservationError {
    #[error("not enough stock")]
    Unavailable(Vec<ProductId>),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// The inventory service. A reservation is named by the order it is for, so a reservation whose order was
/// never stored can be found and released.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Inventory: Send + Sync {
    async fn reserve(&self, order: OrderId, lines: &[OrderLine]) -> Result<(), ReservationError>;

    /// Releasing a reservation that does not exist is not an error.
    async fn release(&self, order: OrderId) -> Result<(), GatewayError>;

    /// The reservations made before `before` that are still held, by order id: what a sweeper checks against
    /// the stored orders to release stock that a crash left reserved.
    async fn reservations_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<OrderId>, GatewayError>;
}

#[derive(Debug, Error)]
pub enum PaymentError {
    #[error("the payment was declined: {0}")]
    Declined(String),
    /// The authorization's state forbids the operation (a void after a capture, a capture after a void).
    #[error("the payment service refused: {0}")]
    Conflict(String),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// The payment service, as real providers work: authorize holds money, capture takes it, void lets the hold go,
/// refund gives captured money back. Every call carries a `ProviderKey`: the provider replays its first answer
/// to a repeated key (a retry is done once) and refuses the key reused with another request.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Holds `payment.amount` for `order`; the provider's id of the hold, or `Declined`.
    async fn authorize(
        &self,
        key: &ProviderKey,
        order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<AuthorizationId, PaymentError>;

    /// Takes `amount` of the authorized money.
    async fn capture(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
        amount: Money,
    ) -> Result<(), PaymentError>;

    /// Lets the hold go; voiding twice is done once, voiding a captured authorization is a `Conflict`.
    async fn void(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
    ) -> Result<(), PaymentError>;

    /// Gives `amount` of `order`'s payment back.
    async fn refund(
        &self,
        key: &ProviderKey,
        order: OrderId,
        authorization: &AuthorizationId,
        amount: Money,
        reason: &str,
    ) -> Result<RefundId, PaymentError>;
}

/// Whether the carrier can deliver to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressCheck {
    Deliverable,
    /// Why not, in the carrier's words.
    Undeliverable(String),
}

/// The shipping service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ShippingService: Send + Sync {
    async fn validate_address(
        &self,
        address: &ShippingAddress,
    ) -> Result<AddressCheck, GatewayError>;
}

/// The notification service, which tells customers what happened to their orders. Sending one notification
/// twice delivers it once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: Notification) -> Result<(), GatewayError>;
}

/// The time, so that use cases can be tested at a chosen instant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
