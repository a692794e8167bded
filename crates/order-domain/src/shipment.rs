use chrono::{DateTime, Utc};

use crate::text::check_identifier;
use crate::{Field, Violation};

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

/// The parcel an order left in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_needs_a_carrier_and_a_number() {
        let ok = Tracking::parse(TrackingDraft {
            carrier: Some("FedEx".into()),
            tracking_number: Some("123456789".into()),
        });
        assert!(ok.is_ok());
        let fields: Vec<_> = Tracking::parse(TrackingDraft::default())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, [Field::Carrier, Field::TrackingNumber]);
    }
}
