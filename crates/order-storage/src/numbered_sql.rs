//! Hand-written SQL that diesel keeps prepared on the connection.
//!
//! `diesel::sql_query` marks its statement unsafe to cache, so every execution prepares it again: one more
//! round trip (an unnamed `Parse`) and the server parsing and planning the text anew. For the one-statement
//! create that cost more server time than running it (the Postgres log: parse 0.24 ms and bind 0.22 ms beside
//! an execute of 0.37 ms). A statement type of its own, with a static query id, is found in diesel's cache
//! by its type and run by name. Its SQL keeps Postgres's `$N` placeholders; `walk_numbered` writes each one
//! through diesel's `push_bind_param` (which numbers binds in the order they are pushed, or writes SQLite's `?`),
//! so a parameter used twice is bound twice, and one text serves both backends.

use diesel::backend::Backend;
use diesel::query_builder::AstPass;
use diesel::result::Error;
use diesel::QueryResult;

/// Walks `sql`, handing each `$N` placeholder to `bind(N, pass)`, which pushes the N-th value.
pub(crate) fn walk_numbered<'b, DB: Backend>(
    sql: &'static str,
    mut out: AstPass<'_, 'b, DB>,
    mut bind: impl for<'a> FnMut(usize, AstPass<'a, 'b, DB>) -> QueryResult<()>,
) -> QueryResult<()> {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_sql(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let number = after[..digits].parse().map_err(|_| {
            Error::QueryBuilderError(format!("a `$` without a number in {sql}").into())
        })?;
        bind(number, out.reborrow())?;
        rest = &after[digits..];
    }
    out.push_sql(rest);
    Ok(())
}

/// The placeholder `walk_numbered` found no value for.
pub(crate) fn unbound(number: usize) -> Error {
    Error::QueryBuilderError(format!("no value for ${number}").into())
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::query_builder::QueryFragment;
    use diesel::serialize::ToSql;
    use diesel::sql_types::{Integer, Text};
    use diesel::sqlite::Sqlite;

    use super::*;

    struct Statement(&'static str);

    impl<DB: Backend> QueryFragment<DB> for Statement
    where
        str: ToSql<Text, DB>,
        i32: ToSql<Integer, DB>,
    {
        fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
            walk_numbered(self.0, out, |number, mut out| match number {
                1 => out.push_bind_param::<Text, str>("one"),
                2 => out.push_bind_param::<Integer, i32>(&2),
                other => Err(unbound(other)),
            })
        }
    }

    fn rendered(sql: &'static str) -> String {
        diesel::debug_query::<Pg, _>(&Statement(sql)).to_string()
    }

    /// Each placeholder is bound in the order it appears, a repeated one again, so the numbers diesel gives
    /// them (in that order) name the right values.
    #[test]
    fn each_placeholder_is_bound_where_it_appears() {
        assert_eq!(
            rendered("SELECT $2, $1 WHERE $1 = 'x'"),
            "SELECT $1, $2 WHERE $3 = 'x' -- binds: [2, \"one\", \"one\"]",
        );
        assert_eq!(
            diesel::debug_query::<Sqlite, _>(&Statement("SELECT $2, $1 WHERE $1 = 'x'"))
                .to_string(),
            "SELECT ?, ? WHERE ? = 'x' -- binds: [2, \"one\", \"one\"]",
        );
    }

    /// A placeholder without a value, or a `$` without a number, is an error, not a statement sent short.
    #[test]
    fn a_placeholder_without_a_value_is_an_error() {
        for sql in ["SELECT $1, $10", "SELECT $1 || $"] {
            let mut builder = diesel::pg::PgQueryBuilder::default();
            let written = Statement(sql).to_sql(&mut builder, &Pg);
            assert!(written.is_err(), "{sql}");
        }
    }
}
