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
use quick_cache::Weighter;

use super::response::{order_json_into, ORDER_JSON_BYTES};

/// Orders' JSON within a budget of bytes (quick_cache's CLOCK-Pro keeps the ones asked for again and again).
#[derive(Clone)]
pub struct RenderedOrders(Option<Arc<Cache<OrderId, Written, ByBytes>>>);

/// An order's JSON, and the version it was written at.
#[derive(Clone)]
struct Written {
    version: u64,
    json: Bytes,
}

/// A JSON weighs its bytes, and its id and version.
#[derive(Clone)]
struct ByBytes;

impl Weighter<OrderId, Written> for ByBytes {
    fn weight(&self, _: &OrderId, written: &Written) -> u64 {
        written.json.len() as u64 + 32
    }
}

impl RenderedOrders {
    /// Room for about `bytes` of orders' JSON; none kept when 0.
    pub fn new(bytes: u64) -> Self {
        let orders = usize::try_from(bytes / 1024).unwrap_or(usize::MAX);
        Self((bytes > 0).then(|| Arc::new(Cache::with_weighter(orders.max(1), bytes, ByBytes))))
    }

    /// `order`'s JSON, as kept for its version or written now (and kept).
    pub(crate) fn json(&self, order: &Order) -> serde_json::Result<Bytes> {
        let version = order.version().get();
        if let Some(kept) = self.0.as_ref().and_then(|cache| cache.get(&order.id())) {
            if kept.version == version {
                return Ok(kept.json);
            }
        }
        let mut json = Vec::with_capacity(ORDER_JSON_BYTES);
        order_json_into(&mut json, order)?;
        let json = Bytes::from(json);
        if let Some(cache) = &self.0 {
            let written = Written {
                version,
                json: json.clone(),
            };
            cache.insert(order.id(), written);
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
