//! One kind of part (shipments, refunds, returns) of some orders, by order, each order's with the version the
//! order had in the statement that read them: what shows that parts read after their order's row are those of
//! the row's version (`parts_as_read`).

use std::collections::HashMap;

pub(crate) struct ByOrder<T>(HashMap<String, (i64, Vec<T>)>);

impl<T> Default for ByOrder<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T> ByOrder<T> {
    /// Adds `part` of the order `order`, read while the order was at `version`.
    pub(crate) fn push(&mut self, order: String, version: i64, part: T) {
        self.0
            .entry(order)
            .or_insert_with(|| (version, Vec::new()))
            .1
            .push(part);
    }

    /// Whether the order `id`'s parts were read, and while it was at `version`.
    pub(crate) fn read_at(&self, id: &str, version: i64) -> bool {
        self.0.get(id).is_some_and(|(read, _)| *read == version)
    }

    /// The parts of the order `id`, taken out. Most pages have no parts at all, and an empty map is not asked
    /// (a map hashes the id even to find nothing).
    pub(crate) fn take(&mut self, id: &str) -> Vec<T> {
        if self.0.is_empty() {
            return Vec::new();
        }
        self.0
            .remove(id)
            .map(|(_, parts)| parts)
            .unwrap_or_default()
    }
}
