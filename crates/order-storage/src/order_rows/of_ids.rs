//! Rows of some orders on SQLite, their ids bound as one JSON array and joined to a table keyed by order id:
//! the orders' own rows (`OrderColumns`) or their lines (`ItemRow`).
//!
//! `order_id IN (SELECT value FROM json_each(?))` makes SQLite build a temporary index of the ids on every
//! call (a B-tree opened, a page zeroed, one insert an id: about 40,000 instructions a list page). Walking the
//! array and looking each id up in the table's primary key needs none. Rows come in no promised order (no
//! ORDER BY, which would sort them in another temporary B-tree): the caller puts them in place. One text
//! whatever the ids, so diesel keeps it prepared; diesel's `IN (?, ?, …)` is prepared again for every count.

use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::expression::Expression;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryResult, RunQueryDsl, SelectableHelper};

use super::columns::OrderColumns;
use super::ItemRow;
use crate::error::{corrupt, StorageError};

/// A select list of a table whose rows belong to one order each, found by the order's id.
pub(super) trait OrderKeyed: QueryFragment<Sqlite> + Expression + 'static {
    /// `<table> ON <its order id column>`.
    const JOIN: &'static str;
    fn columns() -> Self;
}

impl OrderKeyed for AsSelect<ItemRow, Sqlite> {
    const JOIN: &'static str = "`order_items` ON `order_items`.`order_id`";
    fn columns() -> Self {
        ItemRow::as_select()
    }
}

impl OrderKeyed for OrderColumns<Sqlite> {
    const JOIN: &'static str = "`orders` ON `orders`.`id`";
    fn columns() -> Self {
        OrderColumns::new()
    }
}

/// `SELECT <C> FROM json_each(?) AS wanted CROSS JOIN <C's table> ON <order id> = value`: CROSS JOIN keeps the
/// array as the outer loop.
pub(super) struct OfIds<C> {
    columns: C,
    ids: String,
}

impl<C: OrderKeyed> OfIds<C> {
    pub(super) fn new(ids: &[&str]) -> Result<Self, StorageError> {
        Ok(Self {
            columns: C::columns(),
            ids: serde_json::to_string(ids).map_err(|e| corrupt("order ids", e))?,
        })
    }
}

impl<C: OrderKeyed> Query for OfIds<C> {
    type SqlType = SqlTypeOf<C>;
}

/// One text for each select list: kept prepared, found by its type.
impl<C: 'static> QueryId for OfIds<C> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<C: OrderKeyed> QueryFragment<Sqlite> for OfIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(" FROM json_each(");
        out.push_bind_param::<Text, _>(&self.ids)?;
        out.push_sql(") AS wanted CROSS JOIN ");
        out.push_sql(C::JOIN);
        out.push_sql(" = wanted.value");
        Ok(())
    }
}

impl<C> RunQueryDsl<SqliteConnection> for OfIds<C> {}

/// The lines of the orders `ids`.
pub(super) type LinesOf = OfIds<AsSelect<ItemRow, Sqlite>>;

/// The rows of the orders `ids`, deleted or not.
pub(super) type RowsOf = OfIds<OrderColumns<Sqlite>>;

#[cfg(test)]
mod tests {
    use super::{LinesOf, RowsOf};

    #[test]
    fn the_ids_are_one_json_array_bound_to_one_statement() {
        let lines = LinesOf::new(&["a", "b\"c"]).expect("ids");
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&lines).to_string();
        assert!(
            sql.starts_with("SELECT `order_items`.`order_id`, `order_items`.`position`"),
            "{sql}"
        );
        assert!(
            sql.contains("FROM json_each(?) AS wanted CROSS JOIN `order_items` ON `order_items`.`order_id` = wanted.value"),
            "{sql}"
        );
        assert!(sql.ends_with(r#"binds: ["[\"a\",\"b\\\"c\"]"]"#), "{sql}");
    }

    #[test]
    fn an_orders_rows_are_found_by_their_primary_key() {
        let rows = RowsOf::new(&["a"]).expect("ids");
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&rows).to_string();
        assert!(
            sql.starts_with("SELECT `orders`.`id`, `orders`.`store_id`"),
            "{sql}"
        );
        assert!(
            sql.contains("`orders`.`return_count` FROM json_each(?) AS wanted CROSS JOIN `orders` ON `orders`.`id` = wanted.value"),
            "{sql}"
        );
    }
}
