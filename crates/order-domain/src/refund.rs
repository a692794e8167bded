//! Partial refunds of an order's captured money: the request as parsed at the edge, and the refund as the
//! order keeps it (pending until the payment provider answers, then succeeded or failed).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    AmountError, Currency, Field, Fingerprint, Money, OrderId, ProductQuantity,
    ProductQuantityDraft, Violation,
};

/// A refund's id on the order: a UUIDv7 made by this service (the provider's id is a `RefundId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderRefundId(Uuid);

impl OrderRefundId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }
}

impl FromStr for OrderRefundId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for OrderRefundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Why money goes back, as the operator wrote it: 1 to 500 characters, not blank, no NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReason(String);

impl RefundReason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: String) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("must not be empty".to_owned());
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if raw.contains('\0') {
            return Err("must not contain NUL characters".to_owned());
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a refund is: asked of the provider, given back, or refused by the provider for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 3] = [Self::Pending, Self::Succeeded, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A product and how many of it a refund is for (information for the books; the amount is what is paid).
pub type RefundItem = ProductQuantity;

/// One refund of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: OrderRefundId,
    pub amount: Money,
    pub reason: RefundReason,
    pub items: Vec<RefundItem>,
    pub status: RefundStatus,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// A refund request as it arrived: amounts and quantities as the exact text of JSON numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundDraft {
    pub amount: Option<String>,
    pub reason: Option<String>,
    pub items: Option<Vec<RefundItemDraft>>,
}

/// One requested item of a refund as it arrived.
pub type RefundItemDraft = ProductQuantityDraft;

/// A refund request that keeps the rules it can keep alone: a positive, exact amount in the order's
/// currency, a reason, items with ids and positive quantities. What it asks of the order (no more than is
/// refundable, lines it has) the order judges (`Order::request_refund`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub amount: Money,
    pub reason: RefundReason,
    pub items: Vec<RefundItem>,
}

const REQUIRED: &str = "is required";

impl RefundRequest {
    pub const MAX_ITEMS: usize = 100;

    /// Names every bad field, not just the first.
    pub fn parse(draft: RefundDraft, currency: Currency) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let amount = match draft.amount.as_deref().map(|t| Money::parse(t, currency)) {
            None => {
                violations.push(Violation::new(Field::RefundAmount, REQUIRED));
                None
            }
            Some(Ok(amount)) if amount.is_zero() => {
                violations.push(Violation::new(Field::RefundAmount, "must be positive"));
                None
            }
            Some(Ok(amount)) => Some(amount),
            Some(Err(AmountError::Negative)) => {
                violations.push(Violation::new(Field::RefundAmount, "must be positive"));
                None
            }
            Some(Err(error)) => {
                violations.push(Violation::new(Field::RefundAmount, error));
                None
            }
        };
        let reason = match draft.reason.map(RefundReason::parse) {
            None => {
                violations.push(Violation::new(Field::Reason, REQUIRED));
                None
            }
            Some(Ok(reason)) => Some(reason),
            Some(Err(error)) => {
                violations.push(Violation::new(Field::Reason, error));
                None
            }
        };
        let drafts = draft.items.unwrap_or_default();
        if drafts.len() > Self::MAX_ITEMS {
            violations.push(Violation::new(
                Field::Items,
                format!("must have at most {} items", Self::MAX_ITEMS),
            ));
        }
        let mut items = Vec::with_capacity(drafts.len());
        for (index, item) in drafts.into_iter().enumerate() {
            match ProductQuantity::parse_at(index, item) {
                Ok(item) => items.push(item),
                Err(found) => violations.extend(found),
            }
        }
        match (amount, reason) {
            (Some(amount), Some(reason)) if violations.is_empty() => Ok(Self {
                amount,
                reason,
                items,
            }),
            _ => Err(violations),
        }
    }

    /// What makes two requests for one order "the same request" for a retry under one key: the parsed
    /// content, so `5.5` and `5.50` are the same.
    pub fn fingerprint(&self, order: OrderId) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut text = |s: &str| {
            hash.update((s.len() as u64).to_le_bytes());
            hash.update(s.as_bytes());
        };
        text("refund");
        text(&order.to_string());
        text(self.amount.currency().code());
        text(self.reason.as_str());
        for item in &self.items {
            text(item.product_id.as_str());
        }
        hash.update(self.amount.minor_units().to_le_bytes());
        for item in &self.items {
            hash.update(item.quantity.get().to_le_bytes());
        }
        Fingerprint::from_bytes(hash.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ItemField;

    fn draft(amount: Option<&str>, reason: Option<&str>) -> RefundDraft {
        RefundDraft {
            amount: amount.map(str::to_owned),
            reason: reason.map(str::to_owned),
            items: None,
        }
    }

    fn fields(draft: RefundDraft) -> Vec<Field> {
        RefundRequest::parse(draft, Currency::USD)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn a_refund_needs_a_positive_exact_amount_and_a_reason() {
        let ok = RefundRequest::parse(draft(Some("5.50"), Some("damaged")), Currency::USD);
        assert_eq!(ok.map(|r| r.amount.minor_units()), Ok(550));
        assert_eq!(
            fields(draft(None, None)),
            [Field::RefundAmount, Field::Reason]
        );
        for amount in ["0", "-1", "1.005", "x"] {
            assert_eq!(
                fields(draft(Some(amount), Some("r"))),
                [Field::RefundAmount],
                "{amount}"
            );
        }
        for reason in ["", "  ", &"r".repeat(501)] {
            assert_eq!(
                fields(draft(Some("1"), Some(reason))),
                [Field::Reason],
                "{reason}"
            );
        }
        assert!(
            RefundRequest::parse(draft(Some("1"), Some(&"r".repeat(500))), Currency::USD).is_ok()
        );
    }

    #[test]
    fn every_bad_item_field_is_named_by_its_position() {
        let mut bad = draft(Some("1"), Some("r"));
        bad.items = Some(vec![
            RefundItemDraft {
                product_id: Some("p-1".into()),
                quantity: Some("1".into()),
            },
            RefundItemDraft {
                product_id: None,
                quantity: Some("0".into()),
            },
        ]);
        assert_eq!(
            fields(bad),
            [
                Field::Item(1, ItemField::ProductId),
                Field::Item(1, ItemField::Quantity)
            ]
        );
    }

    #[test]
    fn the_same_refund_written_differently_has_one_fingerprint() {
        let order = OrderId::generate();
        let a = RefundRequest::parse(draft(Some("5.5"), Some("r")), Currency::USD);
        let b = RefundRequest::parse(draft(Some("5.50"), Some("r")), Currency::USD);
        let c = RefundRequest::parse(draft(Some("5.51"), Some("r")), Currency::USD);
        let print = |r: Result<RefundRequest, _>| r.map(|r| r.fingerprint(order)).ok();
        assert_eq!(print(a.clone()), print(b));
        assert_ne!(print(a), print(c));
    }
}
