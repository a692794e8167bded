//! One try at paying an order, recorded before the provider is asked, so that whatever it obtained is
//! either attached to the order or voided (see `PaymentAttempts`).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::{AuthorizationId, IdempotencyKey, OrderId, PaymentRequest, ProviderKey};

/// A payment attempt's id: a UUIDv7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(Uuid);

impl AttemptId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }
}

impl FromStr for AttemptId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Where an attempt stands. `Open` until the order takes it (`Attached`) or the settler claims it
/// (`Settling`), which ends `Voided` (or `Declined`: nothing was held). Only an `Open` attempt can be attached,
/// only an `Open` or `Settling` one settled: the two never both win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptState {
    Open,
    Attached,
    Settling,
    Declined,
    Voided,
}

impl AttemptState {
    pub const ALL: [AttemptState; 5] = [
        Self::Open,
        Self::Attached,
        Self::Settling,
        Self::Declined,
        Self::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Attached => "attached",
            Self::Settling => "settling",
            Self::Declined => "declined",
            Self::Voided => "voided",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// An attempt with the request it authorizes under its key: a replay of the authorization sends the same
/// body, so a provider that honours keys answers it with the same authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAttempt {
    pub id: AttemptId,
    pub order_id: OrderId,
    pub key: ProviderKey,
    pub request: PaymentRequest,
    /// What the provider answered, once it is on record.
    pub authorization_id: Option<AuthorizationId>,
    pub state: AttemptState,
    /// How many times settling it failed.
    pub failures: u32,
}

impl PaymentAttempt {
    /// A new open attempt at paying `order` with `request`, keyed by the attempt, or by the client's
    /// `Idempotency-Key` for the payment and the request: a client's retry of the request reaches the provider
    /// under the same key, while the same client key with another card is another attempt.
    pub fn open(
        order: OrderId,
        request: PaymentRequest,
        client_key: Option<&IdempotencyKey>,
    ) -> Self {
        let id = AttemptId::generate();
        let client_key =
            client_key.map(|key| format!("{}:{}", request.fingerprint().to_hex(), key.as_str()));
        Self {
            id,
            order_id: order,
            key: ProviderKey::authorization_attempt(order, id, client_key.as_deref()),
            request,
            authorization_id: None,
            state: AttemptState::Open,
            failures: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Currency, Money};

    #[test]
    fn a_client_key_gives_one_provider_key_per_request() {
        let order = OrderId::generate();
        let request = |method: &str| PaymentRequest {
            method: method.into(),
            amount: Money::from_minor(11500, Currency::USD).expect("an amount"),
            reference: None,
        };
        let key = IdempotencyKey::parse("pay-1").expect("a key");
        let keyed = |method| PaymentAttempt::open(order, request(method), Some(&key)).key;
        assert_eq!(
            keyed("visa"),
            keyed("visa"),
            "a retry reaches the provider under its key"
        );
        assert_ne!(
            keyed("visa"),
            keyed("declined"),
            "another card is another attempt"
        );
        let unkeyed = |method| PaymentAttempt::open(order, request(method), None).key;
        assert_ne!(unkeyed("visa"), unkeyed("visa"));
    }

    #[test]
    fn states_round_trip_by_name() {
        for state in AttemptState::ALL {
            assert_eq!(AttemptState::parse(state.as_str()), Some(state));
        }
        assert_eq!(AttemptState::parse("held"), None);
    }
}
