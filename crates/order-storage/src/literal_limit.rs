//! `LIMIT n` written into a query's SQL text instead of bound as a parameter. SQLite may plan with a bound
//! LIMIT's value, so it prepares the statement again each time that parameter is bound, which is every call;
//! a literal keeps the statement in diesel's cache (one statement per limit, keyed by its SQL text).

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// `query` followed by `LIMIT limit`; the query itself must have no LIMIT.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LiteralLimit<Q> {
    query: Q,
    limit: u32,
}

pub(crate) trait LimitLiterally: Sized {
    fn limit_literally(self, limit: usize) -> LiteralLimit<Self> {
        LiteralLimit {
            query: self,
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        }
    }
}

impl<Q: Query> LimitLiterally for Q {}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for LiteralLimit<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

/// No static id: diesel caches the statement by its SQL text, which holds the limit.
impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, Conn> RunQueryDsl<Conn> for LiteralLimit<Q> {}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::LimitLiterally;
    use crate::schema::orders;

    #[test]
    fn the_limit_is_part_of_the_sql_and_binds_nothing() {
        let query = orders::table
            .select(orders::id)
            .filter(orders::store_id.eq("s"))
            .order(orders::id.desc())
            .limit_literally(21);
        let sql = diesel::debug_query::<Sqlite, _>(&query).to_string();
        assert!(sql.contains("DESC LIMIT 21 --"), "{sql}");
        assert!(sql.ends_with("binds: [\"s\"]"), "{sql}");
    }
}
