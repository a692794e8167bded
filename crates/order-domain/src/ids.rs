use std::fmt;
use std::str::FromStr;

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use uuid::timestamp::context::ContextV7;
use uuid::{Timestamp, Uuid};

use crate::text::{check_identifier, TextError};

/// An order's id: a UUIDv7, so ids sort by creation time and inserts land at the right edge of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId(Uuid);

impl OrderId {
    /// A new time-ordered id; ids made by one process are strictly increasing.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// A new id whose embedded time is `at` to the millisecond: an order's id is made from its creation
    /// instant, so `createdAt` ranges are ranges of ids and use the id indexes. Ids made with one process's
    /// clock are strictly increasing.
    pub fn generate_at(at: DateTime<Utc>) -> Self {
        static CONTEXT: Mutex<ContextV7> = Mutex::new(ContextV7::new());
        let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
        let timestamp = Timestamp::from_unix(&CONTEXT, seconds, at.timestamp_subsec_nanos());
        Self(Uuid::new_v7(timestamp))
    }

    /// The smallest id whose embedded time is `at` or later (to the millisecond): a bound for id ranges.
    pub fn floor_at(at: DateTime<Utc>) -> Self {
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        Self(Uuid::from_bytes(bytes))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for OrderId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl FromStr for OrderId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Ids that other services own; we only require them to be sane, bounded text.
macro_rules! external_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = 128;

            pub fn parse(raw: impl Into<String>) -> Result<Self, TextError> {
                let raw = raw.into();
                check_identifier(&raw, Self::MAX_LEN)?;
                Ok(Self(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

external_id!(
    /// The marketplace store that sells the order.
    StoreId
);
external_id!(
    /// The customer who places the order, as the customer service knows them.
    CustomerId
);
external_id!(
    /// A product, as the inventory service knows it.
    ProductId
);
external_id!(
    /// An authorization (money held on the customer's card), as the payment provider names it.
    AuthorizationId
);
external_id!(
    /// A refund, as the payment provider names it.
    RefundId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_at_an_instant_embed_it_and_sit_above_its_floor() {
        use chrono::TimeZone;
        let at = Utc
            .timestamp_opt(1_800_000_000, 123_456_789)
            .single()
            .unwrap_or_default();
        let a = OrderId::generate_at(at);
        let b = OrderId::generate_at(at);
        assert!(a < b, "one process's ids increase");
        assert_eq!(a.as_uuid().get_version_num(), 7);
        let millis = |id: OrderId| {
            id.as_uuid()
                .get_timestamp()
                .map(|t| t.to_unix())
                .unwrap_or_default()
        };
        assert_eq!(millis(a), (1_800_000_000, 123_000_000));
        assert!(OrderId::floor_at(at) <= a);
        assert!(a < OrderId::floor_at(at + chrono::TimeDelta::milliseconds(1)));
        assert!(
            OrderId::floor_at(at).to_string() <= a.to_string(),
            "as text too, as the databases compare them"
        );
    }

    #[test]
    fn generated_order_ids_are_v7_and_increase() {
        let first = OrderId::generate();
        let second = OrderId::generate();
        assert_eq!(first.as_uuid().get_version_num(), 7);
        assert!(second > first);
    }

    #[test]
    fn order_id_round_trips_through_text() {
        let id = OrderId::generate();
        assert_eq!(id.to_string().parse::<OrderId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<OrderId>().is_err());
    }

    #[test]
    fn external_ids_must_be_non_empty_bounded_and_printable() {
        assert_eq!(StoreId::parse(""), Err(TextError::Empty));
        assert_eq!(StoreId::parse("   "), Err(TextError::Empty));
        assert_eq!(
            CustomerId::parse("c".repeat(129)),
            Err(TextError::TooLong { max: 128 })
        );
        assert_eq!(ProductId::parse("p\n1"), Err(TextError::ControlCharacter));
        assert_eq!(
            ProductId::parse("p-1").map(|p| p.to_string()),
            Ok("p-1".to_owned())
        );
        assert!(CustomerId::parse("c".repeat(128)).is_ok());
    }
}
