//! `OrderRow`'s select list on SQLite, written as one piece of SQL text rendered once.
//!
//! diesel walks a query's whole tree on every execution (for its binds, and to check it may be cached), and
//! renders it again where it has no static id, each time quoting the 38 column names one by one (about 45,000
//! instructions a statement). `OrderColumns` selects exactly what `OrderRow::as_select()` selects, as the
//! same text, and has the same SQL type, so rows decode as before; only the text is written once, the first
//! time it is needed. SQLite's hand-written reads of whole rows use it (`live_order`, `of_ids`).

use std::marker::PhantomData;
use std::sync::OnceLock;

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, QueryBuilder, QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, SelectableHelper};

use super::OrderRow;
use crate::schema::orders;

type Selection<DB> = diesel::dsl::AsSelect<OrderRow, DB>;

/// `OrderRow::as_select()` for `DB`, as text written once.
#[derive(Debug)]
pub(crate) struct OrderColumns<DB>(PhantomData<DB>);

impl<DB> OrderColumns<DB> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<DB> Clone for OrderColumns<DB> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<DB> Copy for OrderColumns<DB> {}

impl<DB> Expression for OrderColumns<DB>
where
    DB: Backend,
    OrderRow: diesel::Selectable<DB>,
    Selection<DB>: Expression,
    <Selection<DB> as Expression>::SqlType: TypedExpressionType,
{
    type SqlType = <Selection<DB> as Expression>::SqlType;
}

impl<DB, GroupBy> ValidGrouping<GroupBy> for OrderColumns<DB> {
    type IsAggregate = is_aggregate::No;
}

impl<DB> AppearsOnTable<orders::table> for OrderColumns<DB> where Self: Expression {}

impl<DB> SelectableExpression<orders::table> for OrderColumns<DB> where Self: Expression {}

/// Its text is its id: a query holding it is cached by its text (boxed queries have no static id anyway).
impl<DB> QueryId for OrderColumns<DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// What `OrderRow::as_select()` writes on `DB`.
fn rendered<DB>() -> QueryResult<String>
where
    DB: Backend + Default,
    OrderRow: diesel::Selectable<DB>,
    DB::QueryBuilder: Default,
    Selection<DB>: QueryFragment<DB>,
{
    let mut builder = DB::QueryBuilder::default();
    OrderRow::as_select().to_sql(&mut builder, &DB::default())?;
    Ok(builder.finish())
}

fn push<'b, DB: Backend>(
    text: &'static OnceLock<Option<String>>,
    render: fn() -> QueryResult<String>,
    mut out: AstPass<'_, 'b, DB>,
) -> QueryResult<()> {
    match text.get_or_init(|| render().ok()) {
        Some(text) => {
            out.push_sql(text);
            Ok(())
        }
        None => Err(diesel::result::Error::QueryBuilderError(
            "the order columns could not be rendered".into(),
        )),
    }
}

impl QueryFragment<Sqlite> for OrderColumns<Sqlite> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        static TEXT: OnceLock<Option<String>> = OnceLock::new();
        push(&TEXT, rendered::<Sqlite>, out)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::OrderColumns;
    use crate::order_rows::OrderRow;
    use crate::schema::orders;

    macro_rules! page_sql {
        ($backend:ty, $selection:expr) => {{
            let query = orders::table
                .filter(orders::deleted_at.is_null())
                .select($selection)
                .order(orders::id.desc())
                .into_boxed::<$backend>()
                .filter(orders::store_id.eq("s"))
                .filter(orders::id.lt("u"));
            diesel::debug_query::<$backend, _>(&query).to_string()
        }};
    }

    #[test]
    fn the_columns_select_what_order_rows_select_in_the_same_text() {
        for _ in 0..2 {
            let sqlite = page_sql!(Sqlite, OrderColumns::<Sqlite>::new());
            assert_eq!(sqlite, page_sql!(Sqlite, OrderRow::as_select()));
            assert!(sqlite.contains("`orders`.`return_count` FROM"), "{sqlite}");
        }
    }
}
