use order_domain::{IdempotencyScope, Principal};

/// Who is asking, and on behalf of which request: what every use case is given, so that access rules, the
/// idempotency key space and the record of who changed what are decided in one place, never in adapters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// The authenticated principal; `None` when the service runs without authentication (local, loopback
    /// only) or for the service's own work.
    pub principal: Option<Principal>,
    /// The request's id as the HTTP layer knows it (`X-Request-Id`), for the record of a change.
    pub request_id: Option<String>,
}

impl Caller {
    /// A caller with no principal: the open mode, or the service's own background work.
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn authenticated(principal: Principal) -> Self {
        Self {
            principal: Some(principal),
            request_id: None,
        }
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The key space of the caller's idempotency keys: its own once it is authenticated.
    pub fn idempotency_scope(&self) -> IdempotencyScope {
        match &self.principal {
            Some(principal) => IdempotencyScope::principal(principal.subject()),
            None => IdempotencyScope::anonymous(),
        }
    }
}
