//! Returns of shipped goods: the request as parsed at the edge, and the return as the order keeps it
//! (requested, then received or rejected).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    Field, Fingerprint, ItemField, OrderId, OrderRefundId, ProductId, ProductQuantity,
    ProductQuantityDraft, RefundReason, Violation,
};

/// A return's id on the order: a UUIDv7 made by this service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReturnId(Uuid);

impl ReturnId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// `restock.<returnId>`: the key a return's goods are restocked under, the same on every retry.
    pub fn restock_key(self) -> String {
        format!("restock.{self}")
    }
}

impl FromStr for ReturnId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for ReturnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Where a return is: asked for, the goods back (`Received`), or closed without them (`Rejected`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnStatus {
    Requested,
    Received,
    Rejected,
}

impl ReturnStatus {
    pub const ALL: [ReturnStatus; 3] = [Self::Requested, Self::Received, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Received => "received",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

impl fmt::Display for ReturnStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A product and how many of it come back.
pub type ReturnItem = ProductQuantity;

/// One return of an order. `received_at` is set when the goods came back, `rejected_at` when it was closed
/// without them; `refund` is the refund its receipt created (none when nothing was refundable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    pub id: ReturnId,
    pub items: Vec<ReturnItem>,
    pub reason: RefundReason,
    pub status: ReturnStatus,
    pub requested_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub refund: Option<OrderRefundId>,
}

impl Return {
    /// Units of `product` this return holds or brought back.
    pub fn quantity_of(&self, product: &ProductId) -> u32 {
        self.items
            .iter()
            .filter(|item| &item.product_id == product)
            .map(|item| item.quantity.get())
            .sum()
    }
}

/// A return request as it arrived: quantities as the exact text of JSON numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnDraft {
    pub reason: Option<String>,
    pub items: Option<Vec<ReturnItemDraft>>,
}

/// One requested item of a return as it arrived.
pub type ReturnItemDraft = ProductQuantityDraft;

/// A return request that keeps the rules it can keep alone: a reason, at least one item, each product once
/// with a positive quantity. What it asks of the order (shipped units not returned yet) the order judges
/// (`Order::request_return`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub reason: RefundReason,
    pub items: Vec<ReturnItem>,
}

const REQUIRED: &str = "is required";

impl ReturnRequest {
    pub const MAX_ITEMS: usize = 100;

    /// Names every bad field, not just the first; a product named twice is refused at its later position.
    pub fn parse(draft: ReturnDraft) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let reason = match draft.reason.map(RefundReason::parse) {
            None => Err(REQUIRED.to_owned()),
            Some(parsed) => parsed,
        }
        .map_err(|e| violations.push(Violation::new(Field::Reason, e)))
        .ok();
        let drafts = draft.items.unwrap_or_default();
        if drafts.is_empty() {
            violations.push(Violation::new(Field::Items, "must have at least one item"));
        }
        if drafts.len() > Self::MAX_ITEMS {
            violations.push(Violation::new(
                Field::Items,
                format!("must have at most {} items", Self::MAX_ITEMS),
            ));
        }
        let mut items: Vec<ReturnItem> = Vec::with_capacity(drafts.len());
        let mut named: Vec<ProductId> = Vec::with_capacity(drafts.len());
        for (index, item) in drafts.into_iter().enumerate() {
            // A product named before is refused here even when this item's quantity is bad too.
            let product = item
                .product_id
                .clone()
                .and_then(|id| ProductId::parse(id).ok());
            let twice = match product {
                Some(product) if named.contains(&product) => Some(Violation::new(
                    Field::Item(index, ItemField::ProductId),
                    format!("`{product}` is named twice: return each product in one item"),
                )),
                Some(product) => {
                    named.push(product);
                    None
                }
                None => None,
            };
            match (ProductQuantity::parse_at(index, item), twice) {
                (Ok(item), None) => items.push(item),
                (parsed, twice) => {
                    violations.extend(twice);
                    violations.extend(parsed.err().into_iter().flatten());
                }
            }
        }
        match reason {
            Some(reason) if violations.is_empty() => Ok(Self { reason, items }),
            _ => Err(violations),
        }
    }

    /// What makes two requests for one order "the same request" for a retry under one key.
    pub fn fingerprint(&self, order: OrderId) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut text = |s: &str| {
            hash.update((s.len() as u64).to_le_bytes());
            hash.update(s.as_bytes());
        };
        text("return");
        text(&order.to_string());
        text(self.reason.as_str());
        for item in &self.items {
            text(item.product_id.as_str());
        }
        for item in &self.items {
            hash.update(item.quantity.get().to_le_bytes());
        }
        Fingerprint::from_bytes(hash.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(product: Option<&str>, quantity: Option<&str>) -> ReturnItemDraft {
        ReturnItemDraft {
            product_id: product.map(str::to_owned),
            quantity: quantity.map(str::to_owned),
        }
    }

    fn fields(reason: Option<&str>, items: Option<Vec<ReturnItemDraft>>) -> Vec<Field> {
        let draft = ReturnDraft {
            reason: reason.map(str::to_owned),
            items,
        };
        ReturnRequest::parse(draft)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn a_return_needs_a_reason_and_at_least_one_item() {
        let one = || Some(vec![item(Some("p-1"), Some("1"))]);
        assert_eq!(fields(Some("too small"), one()), []);
        assert_eq!(fields(None, None), [Field::Reason, Field::Items]);
        assert_eq!(fields(Some("r"), Some(vec![])), [Field::Items]);
        for reason in ["", " ", &"r".repeat(501)] {
            assert_eq!(fields(Some(reason), one()), [Field::Reason], "{reason}");
        }
        assert_eq!(fields(Some(&"r".repeat(500)), one()), []);
    }

    #[test]
    fn every_bad_item_is_named_and_a_product_twice_at_its_later_position() {
        let items = vec![
            item(Some("p-1"), Some("1")),
            item(None, Some("0")),
            item(Some("p-2"), Some("x")),
            item(Some("p-1"), Some("1")),
        ];
        assert_eq!(
            fields(Some("r"), Some(items)),
            [
                Field::Item(1, ItemField::ProductId),
                Field::Item(1, ItemField::Quantity),
                Field::Item(2, ItemField::Quantity),
                Field::Item(3, ItemField::ProductId),
            ]
        );
    }

    #[test]
    fn a_product_named_again_is_refused_even_when_either_item_has_a_bad_quantity() {
        let items = vec![item(Some("p-1"), Some("0")), item(Some("p-1"), Some("x"))];
        assert_eq!(
            fields(Some("r"), Some(items)),
            [
                Field::Item(0, ItemField::Quantity),
                Field::Item(1, ItemField::ProductId),
                Field::Item(1, ItemField::Quantity),
            ]
        );
    }

    #[test]
    fn the_same_return_has_one_fingerprint_and_another_another() {
        let order = OrderId::generate();
        let parse = |quantity: &str| {
            ReturnRequest::parse(ReturnDraft {
                reason: Some("r".into()),
                items: Some(vec![item(Some("p-1"), Some(quantity))]),
            })
            .map(|r| r.fingerprint(order))
            .ok()
        };
        assert_eq!(parse("2"), parse("2.0"));
        assert_ne!(parse("2"), parse("3"));
    }
}
