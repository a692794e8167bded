//! The tokens a verifier has already accepted, so that a client sending the same bearer token on every request
//! pays for the signature, the base64 and the claims' JSON once. Keyed by the token's exact text (a token that
//! differs in one character is another key and is verified in full); only tokens that passed every check enter
//! it; `exp` and `nbf` are checked again on every use; bounded, so that many distinct tokens cannot grow memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use order_domain::Principal;
use serde_json::Value;

use super::TokenError;

/// How many accepted tokens a verifier remembers.
pub(super) const CAPACITY: usize = 4_096;

/// What an accepted token proved, and the times it holds between (seconds since the epoch, as in the token).
#[derive(Clone)]
struct Accepted {
    principal: Principal,
    expires: u64,
    not_before: Option<u64>,
}

pub(super) struct TokenCache {
    capacity: usize,
    tokens: Mutex<HashMap<Box<str>, Accepted>>,
}

impl TokenCache {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// The principal of `token` if it was accepted before and is still within its times at `now` (with
    /// `leeway`, the same rule the decoder applies): `None` when it is not remembered, an error when it is but
    /// has expired (it is then forgotten).
    pub(super) fn get(
        &self,
        token: &str,
        now: u64,
        leeway: u64,
    ) -> Option<Result<Principal, TokenError>> {
        let mut tokens = self.tokens.lock().ok()?;
        let accepted = tokens.get(token)?;
        if accepted.expires < now.saturating_sub(leeway) {
            tokens.remove(token);
            return Some(Err(TokenError::Expired));
        }
        if accepted
            .not_before
            .is_some_and(|nbf| nbf > now.saturating_add(leeway))
        {
            return Some(Err(TokenError::NotYetValid));
        }
        Some(Ok(accepted.principal.clone()))
    }

    /// Remembers a token that passed every check. When full, first forgets the expired tokens, and all of them
    /// if that frees less than a quarter, so the size stays under the bound at a cost that stays small per call.
    pub(super) fn insert(
        &self,
        token: &str,
        principal: &Principal,
        times: TokenTimes,
        now: u64,
        leeway: u64,
    ) {
        let Ok(mut tokens) = self.tokens.lock() else {
            return;
        };
        if tokens.len() >= self.capacity {
            tokens.retain(|_, accepted| accepted.expires >= now.saturating_sub(leeway));
            if tokens.len() > self.capacity - self.capacity / 4 {
                tokens.clear();
            }
        }
        if self.capacity > 0 {
            tokens.insert(
                token.into(),
                Accepted {
                    principal: principal.clone(),
                    expires: times.expires,
                    not_before: times.not_before,
                },
            );
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.tokens.lock().map_or(0, |tokens| tokens.len())
    }
}

/// A token's `exp` and `nbf` as the decoder read them.
#[derive(Debug, Clone, Copy)]
pub(super) struct TokenTimes {
    expires: u64,
    not_before: Option<u64>,
}

impl TokenTimes {
    /// The times of claims the decoder accepted, read as it reads them (whole seconds; a fraction rounded). `None`
    /// when one is in a form the decoder would not have read the same way: such a token is not remembered.
    pub(super) fn of(exp: Option<&Value>, nbf: Option<&Value>) -> Option<Self> {
        let expires = numeric_date(exp?)?;
        let not_before = match nbf {
            None | Some(Value::Null) => None,
            Some(value) => Some(numeric_date(value)?),
        };
        Some(Self {
            expires,
            not_before,
        })
    }
}

/// A JWT NumericDate as `jsonwebtoken` coerces it to whole seconds.
fn numeric_date(value: &Value) -> Option<u64> {
    if let Some(seconds) = value.as_u64() {
        return Some(seconds);
    }
    let seconds = value.as_f64()?;
    (seconds.is_finite() && seconds >= 0.0 && seconds < u64::MAX as f64)
        .then(|| seconds.round() as u64)
}

/// Seconds since the epoch now; `None` before it (nothing is then taken from the cache).
pub(super) fn now() -> Option<u64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|since| since.as_secs())
}

impl Clone for TokenCache {
    /// A copy of a verifier remembers nothing: it may be configured differently (issuer, audience, leeway).
    fn clone(&self) -> Self {
        Self::new(self.capacity)
    }
}
