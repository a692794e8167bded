use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::text::check_identifier;
use crate::{AuthorizationId, Currency, Field, Fingerprint, Money, Violation};

/// A request to pay an order, as it arrived. The amount is the exact text of a JSON number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentDraft {
    pub method: Option<String>,
    pub amount: Option<String>,
    pub reference: Option<String>,
}

/// A payment request that keeps the rules: a named method, an exact amount in the order's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub method: String,
    pub amount: Money,
    pub reference: Option<String>,
}

impl PaymentRequest {
    pub const MAX_METHOD_LEN: usize = 64;
    pub const MAX_REFERENCE_LEN: usize = 255;

    /// The currency is the order's: an amount only has a meaning in it.
    pub fn parse(draft: PaymentDraft, currency: Currency) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let method = match draft.method {
            None => {
                violations.push(Violation::new(Field::PaymentMethod, "is required"));
                None
            }
            Some(method) => match check_identifier(&method, Self::MAX_METHOD_LEN) {
                Ok(()) => Some(method),
                Err(e) => {
                    violations.push(Violation::new(Field::PaymentMethod, e));
                    None
                }
            },
        };
        let amount = match draft.amount {
            None => {
                violations.push(Violation::new(Field::PaymentAmount, "is required"));
                None
            }
            Some(text) => Money::parse(&text, currency)
                .map_err(|e| violations.push(Violation::new(Field::PaymentAmount, e)))
                .ok(),
        };
        if let Some(reference) = &draft.reference {
            if let Err(e) = check_identifier(reference, Self::MAX_REFERENCE_LEN) {
                violations.push(Violation::new(Field::PaymentReference, e));
            }
        }
        match (method, amount) {
            (Some(method), Some(amount)) if violations.is_empty() => Ok(Self {
                method,
                amount,
                reference: draft.reference,
            }),
            _ => Err(violations),
        }
    }

    /// What makes two payment requests the same request, for their idempotency key.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut text = |s: &str| {
            hash.update((s.len() as u64).to_le_bytes());
            hash.update(s.as_bytes());
        };
        text(&self.method);
        text(self.amount.currency().code());
        match &self.reference {
            None => text(""),
            Some(reference) => {
                text("+");
                text(reference);
            }
        }
        hash.update(self.amount.minor_units().to_le_bytes());
        Fingerprint::from_bytes(hash.finalize().into())
    }
}

/// How an order was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub method: String,
    pub amount: Money,
    pub reference: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// The provider's authorization of this payment; `None` only for orders paid before it was recorded.
    pub authorization_id: Option<AuthorizationId>,
    /// Set when an order whose money was captured is canceled: the money has to go back. (Canceling an
    /// order whose payment is only authorized voids the authorization instead.)
    pub refund_due: bool,
    /// When the money went back.
    pub refunded_at: Option<DateTime<Utc>>,
    /// When the provider confirmed the capture of the authorized money (the first shipment asks for it).
    pub captured_at: Option<DateTime<Utc>>,
}

impl Payment {
    /// The money the provider confirmed as taken: the amount once captured, else nothing.
    pub fn captured_amount(&self) -> Money {
        match self.captured_at {
            Some(_) => self.amount,
            None => Money::zero(self.amount.currency()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(method: Option<&str>, amount: Option<&str>) -> PaymentDraft {
        PaymentDraft {
            method: method.map(str::to_owned),
            amount: amount.map(str::to_owned),
            reference: None,
        }
    }

    #[test]
    fn a_payment_needs_a_method_and_an_exact_amount() {
        let ok = PaymentRequest::parse(draft(Some("visa"), Some("115.00")), Currency::USD);
        assert_eq!(ok.map(|p| p.amount.minor_units()), Ok(11500));

        let fields = |d| {
            PaymentRequest::parse(d, Currency::USD)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(draft(None, None)),
            [Field::PaymentMethod, Field::PaymentAmount]
        );
        assert_eq!(
            fields(draft(Some(" "), Some("1.005"))),
            [Field::PaymentMethod, Field::PaymentAmount]
        );
        assert_eq!(
            fields(draft(Some("visa"), Some("-1"))),
            [Field::PaymentAmount]
        );
    }
}
