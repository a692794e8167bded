use std::fmt;

use uuid::Uuid;

use crate::text::{check_identifier, TextError};
use crate::{AuthorizationId, OrderId, OrderRefundId};

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

    /// `authorize:<orderId>:<attempt>`, with a new UUIDv7 per call: one payment attempt of an order.
    pub fn authorization_attempt(order: OrderId) -> Self {
        Self(format!(
            "authorize:{order}:{}",
            Uuid::now_v7().as_hyphenated()
        ))
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
        let first = ProviderKey::authorization_attempt(order);
        let second = ProviderKey::authorization_attempt(order);
        assert_ne!(first, second);
        assert!(first.as_str().starts_with(&format!("authorize:{order}:")));
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
