//! Orders' JSON as last written, by id and version, so that a list page or a get need not write again an
//! order it has written before.
//!
//! An order's version names its whole state (every change raises it), and its JSON depends on nothing else:
//! not on who asks, nor when. So the JSON kept for an order at version `v` is exactly what writing it at `v`
//! gives, and nothing needs invalidating: an order at another version is written anew and replaces it.

use std::sync::Arc;

use actix_web::web::Bytes;
use order_domain::{Order, OrderId};
use quick_cache::sync::Cache;

use super::response::{order_json_into, ORDER_JSON_BYTES};

/// The JSON of at most `capacity` orders (quick_cache's CLOCK-Pro keeps the ones asked for again and again).
#[derive(Clone)]
pub struct RenderedOrders(Option<Arc<Cache<OrderId, (u64, Bytes)>>>);

impl RenderedOrders {
    /// Room for `capacity` orders' JSON; none kept when 0.
    pub fn new(capacity: usize) -> Self {
        Self((capacity > 0).then(|| Arc::new(Cache::new(capacity))))
    }

    /// `order`'s JSON, as kept for its version or written now (and kept).
    pub(crate) fn json(&self, order: &Order) -> serde_json::Result<Bytes> {
        let version = order.version().get();
        if let Some((kept, json)) = self.0.as_ref().and_then(|cache| cache.get(&order.id())) {
            if kept == version {
                return Ok(json);
            }
        }
        let mut json = Vec::with_capacity(ORDER_JSON_BYTES);
        order_json_into(&mut json, order)?;
        let json = Bytes::from(json);
        if let Some(cache) = &self.0 {
            cache.insert(order.id(), (version, json.clone()));
        }
        Ok(json)
    }

    /// `order`'s JSON appended to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>, order: &Order) -> serde_json::Result<()> {
        match &self.0 {
            Some(_) => out.extend_from_slice(&self.json(order)?),
            None => order_json_into(out, order)?,
        }
        Ok(())
    }
}
