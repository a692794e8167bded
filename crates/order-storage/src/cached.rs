//! Statements whose SQL never changes, found in diesel's statement cache by a type instead of by their text.
//!
//! diesel gives no static query id to an `INSERT` of an `Insertable` (any column might be written as `DEFAULT`
//! on some backend), so on every execution it renders the statement's whole SQL text only to look it up in the
//! cache: on SQLite about 11,000 instructions a row, seven rows a create, all of it on the one writer thread
//! (`bench/profile create`). `Cached` gives such a statement the static id of a type of the caller's choosing.
//!
//! Only for a statement whose text is the same on every execution: an insert of a row type whose every
//! `Option` column is written as NULL (`treat_none_as_null`), or that has none. The tests below render each one
//! with and without its optional values and compare the SQL.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Untyped;
use diesel::{QueryResult, RunQueryDsl};

/// `query`, known to diesel's statement cache as `Id`.
pub(crate) struct Cached<Q, Id> {
    query: Q,
    id: PhantomData<Id>,
}

/// The id of the single-row `INSERT` of a row type `R`.
pub(crate) struct Insert<R>(PhantomData<R>);

/// `query`, the single-row `INSERT` of an `R`, cached by that type.
pub(crate) fn insert_of<R: 'static, Q>(query: Q) -> Cached<Q, Insert<R>> {
    Cached {
        query,
        id: PhantomData,
    }
}

impl<Q, Id: 'static> QueryId for Cached<Q, Id> {
    type QueryId = Id;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q: QueryFragment<DB>, DB: Backend, Id> QueryFragment<DB> for Cached<Q, Id> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(pass)
    }
}

impl<Conn, Q, Id> RunQueryDsl<Conn> for Cached<Q, Id> {}

/// Hand-written SQL with untyped rows, found in diesel's statement cache by its text: for a statement whose
/// text holds a value (a LIMIT, a lock clause), where `sql_query` would be prepared again on every execution.
pub(crate) struct ByText<Q>(pub(crate) Q);

impl<Q> QueryId for ByText<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for ByText<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }
}

impl<Q> Query for ByText<Q> {
    type SqlType = Untyped;
}

impl<Conn, Q> RunQueryDsl<Conn> for ByText<Q> {}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;

    use crate::event_rows::{EventRow, NewEffectRow};
    use crate::order_rows::OrderRow;
    use crate::schema::{order_events, orders, outbox};

    fn order(filled: bool) -> OrderRow {
        OrderRow::sample(filled)
    }

    /// The statement's SQL without its binds.
    fn sql<DB, Q>(query: &Q) -> String
    where
        DB: diesel::backend::Backend,
        DB::QueryBuilder: Default,
        Q: diesel::query_builder::QueryFragment<DB>,
        for<'a> diesel::query_builder::DebugQuery<'a, Q, DB>: std::fmt::Display,
    {
        let shown = diesel::debug_query::<DB, _>(query).to_string();
        shown
            .split(" -- binds")
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    fn effect(optional: bool) -> NewEffectRow {
        NewEffectRow {
            event_id: "e".into(),
            effect: "refund".into(),
            order_id: "o".into(),
            order_version: 2,
            customer_id: optional.then(|| "c".into()),
            amount: optional.then_some(5),
            currency: optional.then(|| "EUR".into()),
            next_attempt_at: NaiveDateTime::default(),
            created_at: NaiveDateTime::default(),
        }
    }

    fn event(optional: bool) -> EventRow {
        let some = |text: &str| optional.then(|| text.to_owned());
        EventRow {
            event_id: "e".into(),
            order_id: "o".into(),
            order_version: 1,
            event_type: "order.created".into(),
            occurred_at: NaiveDateTime::default(),
            actor_subject: some("s"),
            actor_role: some("store"),
            request_id: some("r"),
            idempotency_key: some("k"),
            data: "{}".into(),
        }
    }

    macro_rules! same_sql_either_way {
        ($table:expr, $row:ident) => {{
            let (with, without) = ($row(true), $row(false));
            let with = diesel::insert_into($table).values(with);
            let without = diesel::insert_into($table).values(without);
            assert_eq!(sql::<Sqlite, _>(&with), sql::<Sqlite, _>(&without));
            assert_eq!(sql::<Pg, _>(&with), sql::<Pg, _>(&without));
            assert!(!sql::<Sqlite, _>(&with).contains("DEFAULT"));
        }};
    }

    /// What makes a type id a sound cache key: the rows inserted under `insert_of` render one SQL text whether
    /// their optional values are there or not, and never `DEFAULT` (order lines have no `Option`).
    #[test]
    fn rows_cached_by_type_render_one_statement_whatever_is_missing() {
        same_sql_either_way!(outbox::table, effect);
        same_sql_either_way!(order_events::table, event);
        same_sql_either_way!(orders::table, order);
    }
}
