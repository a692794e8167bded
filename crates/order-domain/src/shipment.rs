//! Shipments: which quantities of which products left in which parcel, and the tracking of each.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::text::check_identifier;
use crate::{Field, ProductId, ProductQuantity, ProductQuantityDraft, Violation};

/// Tracking details as they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackingDraft {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
}

/// A carrier and its tracking number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub carrier: String,
    pub tracking_number: String,
}

impl Tracking {
    pub const MAX_LEN: usize = 64;

    pub fn parse(draft: TrackingDraft) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let mut text = |field: Field, value: Option<String>| {
            let checked = value.ok_or_else(|| "is required".to_owned()).and_then(|v| {
                check_identifier(&v, Self::MAX_LEN)
                    .map(|()| v)
                    .map_err(|e| e.to_string())
            });
            checked
                .map_err(|message| violations.push(Violation::new(field, message)))
                .ok()
        };
        let carrier = text(Field::Carrier, draft.carrier);
        let tracking_number = text(Field::TrackingNumber, draft.tracking_number);
        match (carrier, tracking_number) {
            (Some(carrier), Some(tracking_number)) => Ok(Self {
                carrier,
                tracking_number,
            }),
            _ => Err(violations),
        }
    }
}

/// A shipment's id: a UUIDv7, so an order's shipments sort by the time they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShipmentId(Uuid);

impl ShipmentId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }
}

impl FromStr for ShipmentId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for ShipmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Where a shipment is: on its way, or delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShipmentStatus {
    Shipped,
    Delivered,
}

impl ShipmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::Delivered => "delivered",
        }
    }
}

impl FromStr for ShipmentStatus {
    type Err = crate::status::UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [ShipmentStatus::Shipped, ShipmentStatus::Delivered]
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(crate::status::UnknownStatus)
    }
}

/// So many units of one product, in one shipment.
pub type ShipmentItem = ProductQuantity;

/// One requested item of a shipment as it arrived.
pub type ShipmentItemDraft = ProductQuantityDraft;

/// What a new shipment carries: a tracking, and the items (`None`: everything not yet shipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentRequest {
    pub tracking: Tracking,
    pub items: Option<Vec<ShipmentItem>>,
}

impl ShipmentRequest {
    /// The most items a shipment may name.
    pub const MAX_ITEMS: usize = 100;

    /// Reads a shipment request with every bad field named: the tracking's, and each item's
    /// (`Field::Item(n, ProductId | Quantity)`); whether the order has the products is the order's to say.
    pub fn parse(
        tracking: TrackingDraft,
        items: Option<Vec<ShipmentItemDraft>>,
    ) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let tracking = Tracking::parse(tracking)
            .map_err(|found| violations.extend(found))
            .ok();
        let items = match items {
            None => Some(None),
            Some(items) if items.is_empty() => {
                violations.push(Violation::new(Field::Items, "must not be empty"));
                None
            }
            Some(items) if items.len() > Self::MAX_ITEMS => {
                violations.push(Violation::new(
                    Field::Items,
                    format!("must have at most {} items", Self::MAX_ITEMS),
                ));
                None
            }
            Some(items) => {
                let mut parsed = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    match ProductQuantity::parse_at(index, item) {
                        Ok(item) => parsed.push(item),
                        Err(found) => violations.extend(found),
                    }
                }
                Some(Some(parsed))
            }
        };
        match (tracking, items) {
            (Some(tracking), Some(items)) if violations.is_empty() => Ok(Self { tracking, items }),
            _ => Err(violations),
        }
    }
}

/// One parcel an order left in: what it carries, its tracking, and whether it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: ShipmentId,
    pub carrier: String,
    pub tracking_number: String,
    pub items: Vec<ShipmentItem>,
    pub status: ShipmentStatus,
    pub shipped_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the shipment last changed; a change to an order sets it on exactly the shipments it touched.
    pub updated_at: DateTime<Utc>,
}

impl Shipment {
    /// How many units of `product` this shipment carries.
    pub fn quantity_of(&self, product: &ProductId) -> u32 {
        self.items
            .iter()
            .filter(|item| &item.product_id == product)
            .map(|item| item.quantity.get())
            .sum()
    }

    pub fn is_delivered(&self) -> bool {
        self.status == ShipmentStatus::Delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ItemField;

    fn tracking() -> TrackingDraft {
        TrackingDraft {
            carrier: Some("FedEx".into()),
            tracking_number: Some("123456789".into()),
        }
    }

    fn item(product: Option<&str>, quantity: Option<&str>) -> ShipmentItemDraft {
        ShipmentItemDraft {
            product_id: product.map(Into::into),
            quantity: quantity.map(Into::into),
        }
    }

    #[test]
    fn tracking_needs_a_carrier_and_a_number() {
        let ok = Tracking::parse(tracking());
        assert!(ok.is_ok());
        let fields: Vec<_> = Tracking::parse(TrackingDraft::default())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, [Field::Carrier, Field::TrackingNumber]);
    }

    #[test]
    fn a_shipment_without_items_ships_whatever_remains() {
        let request = ShipmentRequest::parse(tracking(), None).expect("valid");
        assert_eq!(request.items, None);
    }

    #[test]
    fn every_bad_item_of_a_shipment_is_named_by_its_position() {
        let fields: Vec<_> = ShipmentRequest::parse(
            TrackingDraft::default(),
            Some(vec![
                item(Some("sku-1"), Some("1")),
                item(Some("sku-2"), Some("0")),
                item(None, Some("1.5")),
            ]),
        )
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.field)
        .collect();
        assert_eq!(
            fields,
            [
                Field::Carrier,
                Field::TrackingNumber,
                Field::Item(1, ItemField::Quantity),
                Field::Item(2, ItemField::ProductId),
                Field::Item(2, ItemField::Quantity),
            ]
        );
    }

    #[test]
    fn an_empty_item_list_ships_nothing_and_is_refused() {
        let fields: Vec<_> = ShipmentRequest::parse(tracking(), Some(Vec::new()))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, [Field::Items]);
    }
}
