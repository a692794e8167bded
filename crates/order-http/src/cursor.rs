//! Opaque page cursors: the id of the last order of the page before, and a digest of the filter that page was
//! listed with, base64url-encoded. A cursor is good only for the filter it was given out for: with another,
//! "the orders after this one" would silently skip or repeat orders.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use order_domain::{OrderFilter, OrderId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How many bytes of the filter's SHA-256 a cursor carries: enough that another filter never matches by chance.
const DIGEST_BYTES: usize = 8;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CursorError {
    /// Not something this service wrote.
    Malformed,
    /// Given out for a list with another filter.
    OtherFilter,
}

impl CursorError {
    pub(crate) fn detail(&self) -> &'static str {
        match self {
            CursorError::Malformed => "is not a cursor this service gave out",
            CursorError::OtherFilter => {
                "was given out for another filter (storeId, customerId, status, createdAfter, createdBefore); \
                 list with the same filter, or start again without a cursor"
            }
        }
    }
}

pub(crate) fn encode(after: OrderId, filter: &OrderFilter) -> String {
    let mut bytes = after.as_uuid().as_bytes().to_vec();
    bytes.extend_from_slice(&digest(filter));
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn decode(cursor: &str, filter: &OrderFilter) -> Result<OrderId, CursorError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| CursorError::Malformed)?;
    if bytes.len() != 16 + DIGEST_BYTES {
        return Err(CursorError::Malformed);
    }
    let (id, bound_to) = bytes.split_at(16);
    let id = Uuid::from_slice(id).map_err(|_| CursorError::Malformed)?;
    match bound_to == digest(filter) {
        true => Ok(OrderId::from(id)),
        false => Err(CursorError::OtherFilter),
    }
}

/// Each part of the filter, named and length-prefixed, so that no two filters read the same.
fn digest(filter: &OrderFilter) -> [u8; DIGEST_BYTES] {
    let mut hasher = Sha256::new();
    let statuses = filter.statuses.as_ref().map(|statuses| {
        let mut names: Vec<_> = statuses.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.join(",")
    });
    let parts = [
        ("storeId", filter.store_id.as_ref().map(|s| s.to_string())),
        (
            "customerId",
            filter.customer_id.as_ref().map(|c| c.to_string()),
        ),
        ("status", statuses),
        ("createdAfter", filter.created_after.map(|t| t.to_rfc3339())),
        (
            "createdBefore",
            filter.created_before.map(|t| t.to_rfc3339()),
        ),
    ];
    for (name, value) in parts {
        hasher.update(name.as_bytes());
        match value {
            Some(value) => {
                hasher.update([1]);
                hasher.update((value.len() as u64).to_be_bytes());
                hasher.update(value.as_bytes());
            }
            None => hasher.update([0]),
        }
    }
    let mut out = [0; DIGEST_BYTES];
    out.copy_from_slice(&hasher.finalize()[..DIGEST_BYTES]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use order_domain::{OrderStatus, StoreId};

    fn store(id: &str) -> OrderFilter {
        OrderFilter {
            store_id: StoreId::parse(id).ok(),
            ..OrderFilter::default()
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = OrderId::generate();
        let filter = store("a");
        assert_eq!(decode(&encode(id, &filter), &filter), Ok(id));
        assert_eq!(decode("not a cursor", &filter), Err(CursorError::Malformed));
        assert_eq!(decode("AAAA", &filter), Err(CursorError::Malformed));
    }

    #[test]
    fn a_cursor_is_refused_with_another_filter() {
        let id = OrderId::generate();
        let cursor = encode(id, &store("a"));
        assert_eq!(decode(&cursor, &store("b")), Err(CursorError::OtherFilter));
        assert_eq!(
            decode(&cursor, &OrderFilter::default()),
            Err(CursorError::OtherFilter)
        );
        let with_status = OrderFilter {
            statuses: Some(vec![OrderStatus::Pending]),
            ..store("a")
        };
        assert_eq!(decode(&cursor, &with_status), Err(CursorError::OtherFilter));
        let after = OrderFilter {
            created_after: chrono::DateTime::from_timestamp(1_700_000_000, 0),
            ..store("a")
        };
        assert_eq!(decode(&cursor, &after), Err(CursorError::OtherFilter));
    }

    #[test]
    fn the_order_of_a_status_set_does_not_matter() {
        let id = OrderId::generate();
        let set = |statuses: Vec<OrderStatus>| OrderFilter {
            statuses: Some(statuses),
            ..store("a")
        };
        let cursor = encode(id, &set(vec![OrderStatus::Pending, OrderStatus::Canceled]));
        assert_eq!(
            decode(
                &cursor,
                &set(vec![OrderStatus::Canceled, OrderStatus::Pending])
            ),
            Ok(id)
        );
    }
}
