//! A live order's row and its lines on SQLite in one statement: the lines come as one JSON array column.
//!
//! Read as two statements, each paid SQLite's read transaction begun and ended, diesel's cache lookup, its
//! walks of the query for binds and its row decoding again (about 7,000 instructions a statement, and the
//! lines' order id decoded once a line). A join would repeat the order's 38 columns on every line's row. The
//! lines, walked along `order_items`' key (order id, position), become `[[position, product, quantity,
//! price], …]` instead, which the row's last column holds.

use diesel::dsl::SqlTypeOf;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryResult, RunQueryDsl};

use super::columns::OrderColumns;
use super::{ItemRow, OrderRow};
use crate::error::{corrupt, StorageError};

/// `SELECT <OrderRow's columns>, <its lines as JSON> FROM orders WHERE id = ? AND deleted_at IS NULL`.
pub(super) struct LiveOrder<'a> {
    columns: OrderColumns<Sqlite>,
    id: &'a str,
}

impl<'a> LiveOrder<'a> {
    pub(super) fn new(id: &'a str) -> Self {
        Self {
            columns: OrderColumns::new(),
            id,
        }
    }
}

impl Query for LiveOrder<'_> {
    type SqlType = (SqlTypeOf<OrderColumns<Sqlite>>, Text);
}

/// One text whatever the id: kept prepared, found by its type.
impl QueryId for LiveOrder<'_> {
    type QueryId = LiveOrder<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Sqlite> for LiveOrder<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(
            ", (SELECT json_group_array(json_array(`order_items`.`position`, `order_items`.`product_id`, \
             `order_items`.`quantity`, `order_items`.`unit_price`)) FROM `order_items` \
             WHERE `order_items`.`order_id` = `orders`.`id`) \
             FROM `orders` WHERE `orders`.`id` = ",
        );
        out.push_bind_param::<Text, _>(&self.id)?;
        out.push_sql(" AND `orders`.`deleted_at` IS NULL");
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for LiveOrder<'_> {}

/// The live order `id`'s row and its lines by position, if it is there.
pub(super) fn load(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<(OrderRow, Vec<ItemRow>)>, StorageError> {
    let Some((row, lines)) = LiveOrder::new(id).load::<(OrderRow, String)>(conn)?.pop() else {
        return Ok(None);
    };
    let lines = lines_of(&row.id, &lines)?;
    Ok(Some((row, lines)))
}

/// The lines of the order `order_id` from their JSON array, by position.
fn lines_of(order_id: &str, json: &str) -> Result<Vec<ItemRow>, StorageError> {
    let lines: Vec<(i32, String, i64, i64)> =
        serde_json::from_str(json).map_err(|e| corrupt("order lines", e))?;
    let mut lines: Vec<ItemRow> = lines
        .into_iter()
        .map(|(position, product_id, quantity, unit_price)| ItemRow {
            order_id: order_id.to_owned(),
            position,
            product_id,
            quantity,
            unit_price,
        })
        .collect();
    // Already in order (SQLite walks them along the key), this only looks.
    lines.sort_unstable_by_key(|line| line.position);
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::lines_of;

    #[test]
    fn lines_read_from_json_keep_exact_values_and_come_by_position() {
        let json = r#"[[1,"p-\"2\"\u00e9",9223372036854775807,0],[0,"p-1",3,199]]"#;
        let lines = lines_of("o", json).expect("well-formed lines");
        let read: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.order_id.as_str(),
                    l.position,
                    l.product_id.as_str(),
                    l.quantity,
                    l.unit_price,
                )
            })
            .collect();
        assert_eq!(
            read,
            [("o", 0, "p-1", 3, 199), ("o", 1, "p-\"2\"é", i64::MAX, 0)]
        );
    }

    #[test]
    fn lines_that_are_not_the_expected_json_are_corrupt() {
        assert!(lines_of("o", r#"[["p-1",1,1]]"#).is_err());
        assert!(lines_of("o", "not json").is_err());
    }
}
