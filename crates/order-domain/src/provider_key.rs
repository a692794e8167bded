use std::fmt;

use sha2::{Digest, Sha256};

use crate::text::{check_identifier, TextError};
use crate::{AttemptId, AuthorizationId, OrderId, OrderRefundId};

/// The `Idempotency-Key` of one write to the payment provider. A provider replays its first answer to a
/// repeated key and refuses the key with another body, so each distinct effect needs a key of its own: each
/// payment attempt authorizes under a new key (a declined card does not poison the next one), while a retry of
/// one attempt, capture, void or refund repeats its key and is done once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProviderKey(String);

impl ProviderKey {
    pub const MAX_LEN: usize = 255;

    /// A key chosen elsewhere (e.g. derived from an outbox event).
    pub fn parse(raw: impl Into<String>) -> Result<Self, TextError> {
        let raw = raw.into();
        check_identifier(&raw, Self::MAX_LEN)?;
        Ok(Self(raw))
    }

    /// `authorize:<orderId>:<attemptId>`: one payment attempt of an order. With the client's own key for
    /// the payment, `authorize:<orderId>:key:<sha256 of the client's key>`: a client's retry that reaches the
    /// provider again is still one authorization (hashed, so that a 255-character client key still fits).
    pub fn authorization_attempt(
        order: OrderId,
        attempt: AttemptId,
        client_key: Option<&str>,
    ) -> Self {
        match client_key {
            Some(key) => {
                let digest = Sha256::digest(key.as_bytes());
                let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
                Self(format!("authorize:{order}:key:{hex}"))
            }
            None => Self(format!("authorize:{order}:{attempt}")),
        }
    }

    /// `void:attempt:<attemptId>`: the void of whatever a losing or failed attempt obtained.
    pub fn void_attempt(attempt: AttemptId) -> Self {
        Self(format!("void:attempt:{attempt}"))
    }

    /// `capture:<authorizationId>`: an authorization is captured once.
    pub fn capture(authorization: &AuthorizationId) -> Self {
        Self(format!("capture:{authorization}"))
    }

    /// `void:<authorizationId>`: an authorization is voided once.
    pub fn void(authorization: &AuthorizationId) -> Self {
        Self(format!("void:{authorization}"))
    }

    /// `refund:<orderId>`: the one full refund of a canceled order's payment.
    pub fn full_refund(order: OrderId) -> Self {
        Self(format!("refund:{order}"))
    }

    /// `refund:<orderId>:<refundId>`: one partial refund of an order, given back once.
    pub fn partial_refund(order: OrderId, refund: OrderRefundId) -> Self {
        Self(format!("refund:{order}:{refund}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_payment_attempt_has_its_own_key() {
        let order = OrderId::generate();
        let first = ProviderKey::authorization_attempt(order, AttemptId::generate(), None);
        let second = ProviderKey::authorization_attempt(order, AttemptId::generate(), None);
        assert_ne!(first, second);
        let keyed = |attempt| ProviderKey::authorization_attempt(order, attempt, Some("k-1"));
        assert_eq!(keyed(AttemptId::generate()), keyed(AttemptId::generate()));
        assert!(first.as_str().starts_with(&format!("authorize:{order}:")));
        let longest = "k".repeat(255);
        let long = ProviderKey::authorization_attempt(order, AttemptId::generate(), Some(&longest));
        assert!(ProviderKey::parse(long.as_str()).is_ok());
    }

    #[test]
    fn effects_on_one_authorization_have_distinct_stable_keys() {
        let authorization = AuthorizationId::parse("auth-1").expect("a valid id");
        assert_eq!(ProviderKey::void(&authorization).as_str(), "void:auth-1");
        assert_eq!(
            ProviderKey::capture(&authorization).as_str(),
            "capture:auth-1"
        );
        assert_eq!(ProviderKey::parse(""), Err(TextError::Empty));
    }
}
