//! Authentication: who a request comes from. `TokenVerifier` turns a bearer token into a principal (no HTTP in
//! it); the middleware runs it on every order route and leaves the `order_domain::Principal` in the request's
//! extensions, where `caller()` and any later middleware read it.

mod cache;
mod middleware;
mod verifier;

use std::sync::Arc;

pub use verifier::{KeySetError, TokenError, TokenVerifier, MAX_LEEWAY_SECS};

pub(crate) use middleware::authenticate;

/// Whether order routes need a bearer token.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No token is asked for and every caller is anonymous (local use, or `AUTH_DISABLED=true`).
    Open,
    /// Every order route needs a token this verifier accepts.
    Bearer(Arc<TokenVerifier>),
}

impl Authentication {
    pub fn requires_token(&self) -> bool {
        matches!(self, Authentication::Bearer(_))
    }
}
