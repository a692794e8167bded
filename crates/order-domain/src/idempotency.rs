use std::fmt;

use chrono::{DateTime, Utc};

use crate::text::{check_identifier, TextError};
use crate::OrderId;

/// A client's `Idempotency-Key`: opaque, non-empty, at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: impl Into<String>) -> Result<Self, TextError> {
        let raw = raw.into();
        check_identifier(&raw, Self::MAX_LEN)?;
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whose key space a key lives in. Every caller shares one space until callers authenticate; then each
/// principal gets its own, so two clients can never collide or replay each other's responses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct IdempotencyScope(String);

impl IdempotencyScope {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn principal(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The key space of this caller's payments of one order: a payment key never meets a create key, nor
    /// a payment key of another order. The unit separator cannot occur in a principal's name (subjects are
    /// printable text), so no caller's own space can look like it.
    pub fn for_payment(&self, order: OrderId) -> Self {
        Self(format!("{}\u{1f}payment:{order}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A digest of a request's meaning: the same key with a different fingerprint is a different request.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Lower-case hex of the digest.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint(")?;
        for byte in &self.0[..6] {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A completed create, kept so a retry with the same key gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub scope: IdempotencyScope,
    pub key: IdempotencyKey,
    pub fingerprint: Fingerprint,
    pub order_id: OrderId,
    /// The response body exactly as first sent, so a replay is byte for byte the same.
    pub response_body: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A create that holds its key while it runs (checks the customer, reserves stock, stores the order): another
/// request with the key meanwhile is told it is in flight, so it causes nothing downstream. The hold lapses at
/// `held_until`, so a holder that crashed frees its key by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub scope: IdempotencyScope,
    pub key: IdempotencyKey,
    pub fingerprint: Fingerprint,
    pub claimed_at: DateTime<Utc>,
    pub held_until: DateTime<Utc>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The claim holds the key: its request runs.
    Held,
    /// The key has a live record: its answer, to replay.
    Answered(IdempotencyRecord),
    /// Another request holds the key, or stored its record while the claim ran (a look-up tells which).
    Busy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_printable_text() {
        assert!(IdempotencyKey::parse("8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        assert_eq!(IdempotencyKey::parse(""), Err(TextError::Empty));
        assert_eq!(
            IdempotencyKey::parse("k".repeat(256)),
            Err(TextError::TooLong { max: 255 })
        );
    }
}
