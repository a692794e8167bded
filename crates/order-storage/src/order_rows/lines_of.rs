//! The lines of some orders on SQLite, their ids bound as one JSON array and joined to `order_items`.
//!
//! `order_id IN (SELECT value FROM json_each(?))` (`InJson`) makes SQLite build a temporary index of the ids
//! on every call (a B-tree opened, a page zeroed, one insert an id: about 40,000 instructions a list page).
//! Walking the array and looking each id up in `order_items`'s primary key needs none. The lines come in no
//! promised order (no ORDER BY, which would sort them in another temporary B-tree): the caller puts them
//! with their orders and in position order.

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
        out.push_sql(") AS wanted CROSS JOIN `order_items` ON `order_items`.`order_id` = wanted.value");
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for LinesOf {}

#[cfg(test)]
mod tests {
    use super::LinesOf;

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
