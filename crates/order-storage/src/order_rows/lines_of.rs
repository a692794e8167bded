//! The lines of some orders on SQLite, their ids bound as one JSON array and joined to `order_items`.
//!
//! `order_id IN (SELECT value FROM json_each(?))` (`InJson`) makes SQLite build a temporary index of the ids
//! on every call (a B-tree opened, a page zeroed, one insert an id: about 40,000 instructions a list page).
//! Walking the array and looking each id up in `order_items`'s primary key needs none. The lines come in no
//! promised order (no ORDER BY, which would sort them in another temporary B-tree): the caller puts them
//! with their orders and in position order.

use std::collections::HashMap;

use diesel::dsl::AsSelect;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryResult, RunQueryDsl, SelectableHelper};

use super::ItemRow;
use crate::error::{corrupt, StorageError};

/// `SELECT <ItemRow's columns> FROM json_each(?) CROSS JOIN order_items ON order_id = value`: CROSS JOIN keeps
/// the array as the outer loop.
pub(super) struct LinesOf {
    columns: AsSelect<ItemRow, Sqlite>,
    ids: String,
}

impl LinesOf {
    pub(super) fn new(ids: &[&str]) -> Result<Self, StorageError> {
        Ok(Self {
            columns: ItemRow::as_select(),
            ids: serde_json::to_string(ids).map_err(|e| corrupt("order ids", e))?,
        })
    }
}

impl Query for LinesOf {
    type SqlType = diesel::dsl::SqlTypeOf<AsSelect<ItemRow, Sqlite>>;
}

/// One text whatever the ids: kept prepared, found by its type.
impl QueryId for LinesOf {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Sqlite> for LinesOf {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(" FROM json_each(");
        out.push_bind_param::<Text, _>(&self.ids)?;
        out.push_sql(
            ") AS wanted CROSS JOIN `order_items` ON `order_items`.`order_id` = wanted.value",
        );
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for LinesOf {}

/// `items` put with their orders, `ids`' places, each order's by position; lines of no order in `ids` are
/// dropped. Found by the orders' own ids (no line's order id is copied): lines mostly come order by order in
/// `ids`' order (`LinesOf` walks them so), so the order of the line before or the next one is tried first,
/// and a map of the ids is made only for a line that is neither.
pub(super) fn placed(ids: &[&str], items: Vec<ItemRow>) -> Vec<Vec<ItemRow>> {
    let mut lines: Vec<Vec<ItemRow>> = ids.iter().map(|_| Vec::new()).collect();
    let mut places: Option<HashMap<&str, usize>> = None;
    let mut at = 0;
    for item in items {
        let order = item.order_id.as_str();
        if ids.get(at) != Some(&order) {
            if ids.get(at + 1) == Some(&order) {
                at += 1;
            } else {
                let places = places.get_or_insert_with(|| {
                    ids.iter().enumerate().map(|(at, id)| (*id, at)).collect()
                });
                match places.get(order) {
                    Some(&place) => at = place,
                    None => continue,
                }
            }
        }
        lines[at].push(item);
    }
    // Already in order (both backends read an order's lines along its key), this only looks.
    for order_lines in &mut lines {
        order_lines.sort_unstable_by_key(|item| item.position);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{placed, ItemRow, LinesOf};

    fn line(order: &str, position: i32) -> ItemRow {
        ItemRow {
            order_id: order.into(),
            position,
            product_id: format!("p-{position}"),
            quantity: 1,
            unit_price: 1,
        }
    }

    fn places(lines: &[Vec<ItemRow>]) -> Vec<Vec<(String, i32)>> {
        lines
            .iter()
            .map(|lines| {
                lines
                    .iter()
                    .map(|line| (line.order_id.clone(), line.position))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn lines_in_any_order_go_to_their_orders_by_position() {
        let ids = ["c", "b", "a"];
        let expected = vec![
            vec![("c".to_owned(), 0), ("c".to_owned(), 1)],
            vec![],
            vec![
                ("a".to_owned(), 0),
                ("a".to_owned(), 1),
                ("a".to_owned(), 2),
            ],
        ];
        let in_order = vec![
            line("c", 0),
            line("c", 1),
            line("a", 0),
            line("a", 1),
            line("a", 2),
        ];
        assert_eq!(places(&placed(&ids, in_order)), expected);
        let shuffled = vec![
            line("a", 2),
            line("zz", 0),
            line("c", 1),
            line("a", 0),
            line("c", 0),
            line("a", 1),
        ];
        assert_eq!(places(&placed(&ids, shuffled)), expected);
    }

    #[test]
    fn the_ids_are_one_json_array_bound_to_one_statement() {
        let lines = LinesOf::new(&["a", "b\"c"]).expect("ids");
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&lines).to_string();
        assert!(
            sql.starts_with("SELECT `order_items`.`order_id`, `order_items`.`position`"),
            "{sql}"
        );
        assert!(
            sql.contains("FROM json_each(?) AS wanted CROSS JOIN `order_items`"),
            "{sql}"
        );
        assert!(sql.ends_with(r#"binds: ["[\"a\",\"b\\\"c\"]"]"#), "{sql}");
    }
}
