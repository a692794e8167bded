//! Opaque page cursors: the id of the last order of the page before, base64url-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use order_domain::OrderId;
use uuid::Uuid;

pub(crate) fn encode(after: OrderId) -> String {
    URL_SAFE_NO_PAD.encode(after.as_uuid().as_bytes())
}

pub(crate) fn decode(cursor: &str) -> Option<OrderId> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok().map(OrderId::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = OrderId::generate();
        assert_eq!(decode(&encode(id)), Some(id));
        assert_eq!(decode("not a cursor"), None);
        assert_eq!(decode("AAAA"), None);
    }
}
