//! The outbox queue: claiming due effects under a lease, and their bookkeeping.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::dsl::{count_star, min, sql};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, HasSqlType, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use order_domain::ports::OutboxStats;
use order_domain::{Currency, CustomerId, DueEffect, EffectKind, Money, NotificationKind, Version};

use crate::cached::ByText;
use crate::connection::{DbConnection, PLAN_EACH_RUN};
use crate::error::{corrupt, StorageError};
use crate::schema::outbox;
use crate::stamp::Stamp;

/// The due effects, oldest first, that no waiting effect of the same order and kind precedes; the order's money
/// effects (capture, void, refunds) count as one kind, so a refund never reaches the provider before the capture
/// it gives back. A leased effect is still waiting, so a later version stays behind an earlier one that another
/// worker holds. Postgres leases them in the same statement (`Claim`); SQLite reads them on a reader connection,
/// past the leases its process holds (`effect_leases`).
///
/// A query of its own rather than `sql_query`, which diesel prepares again on every execution (it declares
/// itself unsafe to cache): on SQLite that cost more than running it. It is kept prepared in the connection's
/// statement cache, keyed by its SQL text (the limit is written into it: SQLite prepares a statement again
/// whenever a bound LIMIT changes the plan).
///
/// The earlier waiting effect is looked for in `outbox_pending_by_order`, the one index in the order its
/// `ORDER BY` asks for (sorting is off in the claim's transaction); `OFFSET 0` keeps Postgres from turning the
/// `NOT EXISTS` into a join it plans on its own. The statistics of an outbox whose rows are nearly all done say
/// that almost nothing waits; planned on them, that join read the whole backlog for every effect it claimed
/// (1.5 s a claim behind 40,000 waiting effects, against 3 ms; BENCHMARKS.md), just when the relay has most to
/// catch up, after an outage.
struct Due {
    now: Stamp,
    limit: u32,
    /// SQLite: the effects its process holds leases on, a JSON array of `[event_id, effect]` pairs.
    leased: Option<String>,
}

/// What a claim returns of each effect.
const COLUMNS: &str =
    "event_id, effect, order_id, order_version, customer_id, amount, currency, attempts";

impl Due {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>, columns: &str) -> QueryResult<()>
    where
        DB: Backend + HasSqlType<Timestamp>,
        Stamp: ToSql<Timestamp, DB>,
        String: ToSql<Text, DB>,
    {
        out.push_sql("SELECT ");
        out.push_sql(columns);
        out.push_sql(
            " FROM outbox o
    WHERE o.state = 'pending' AND o.next_attempt_at <= ",
        );
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND (o.locked_until IS NULL OR o.locked_until <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(
            ")
      AND NOT EXISTS (
          SELECT 1 FROM outbox p
          WHERE p.state = 'pending' AND p.order_id = o.order_id AND p.order_version < o.order_version
            AND (p.effect = o.effect
                 OR ((p.effect IN ('capture', 'void', 'refund') OR p.effect LIKE 'refund.%')
                     AND (o.effect IN ('capture', 'void', 'refund') OR o.effect LIKE 'refund.%')))
          ORDER BY p.order_id, p.effect, p.order_version
          LIMIT 1 OFFSET 0)",
        );
        if let Some(leased) = &self.leased {
            out.push_sql(
                "
      AND (o.event_id, o.effect) NOT IN (SELECT value ->> 0, value ->> 1 FROM json_each(",
            );
            out.push_bind_param::<Text, _>(leased)?;
            out.push_sql("))");
        }
        out.push_sql(
            "
    ORDER BY o.next_attempt_at
    LIMIT ",
        );
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl QueryFragment<Sqlite> for Due {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(&mut out, COLUMNS)
    }
}

/// Postgres leases the due effects in the statement that finds them: the lease is a committed mark that every
/// replica sees, and `FOR UPDATE SKIP LOCKED` makes replicas claiming at once take different rows.
struct Claim {
    due: Due,
    until: Stamp,
}

impl QueryFragment<Pg> for Claim {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("UPDATE outbox SET locked_until = ");
        out.push_bind_param::<Timestamp, _>(&self.until)?;
        out.push_sql(" WHERE (event_id, effect) IN (\n    ");
        self.due.walk(&mut out, "o.event_id, o.effect")?;
        out.push_sql(" FOR UPDATE SKIP LOCKED\n)\nRETURNING ");
        out.push_sql(COLUMNS);
        Ok(())
    }
}

/// The effects of a batch marked done in one statement: `state` done, `done_at` now, their leases let go.
/// SQLite gets their keys as one JSON array of `[event_id, effect]` pairs, Postgres as two arrays; either way
/// one statement text for every batch size, kept prepared, where a statement per effect cost a round trip each
/// on Postgres and its own step on SQLite's one writer.
struct MarkDone<Keys> {
    done_at: Stamp,
    keys: Keys,
}

impl QueryFragment<Sqlite> for MarkDone<String> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("UPDATE outbox SET state = 'done', done_at = ");
        out.push_bind_param::<Timestamp, _>(&self.done_at)?;
        out.push_sql(
            ", locked_until = NULL WHERE (event_id, effect) IN \
             (SELECT value ->> 0, value ->> 1 FROM json_each(",
        );
        out.push_bind_param::<Text, _>(&self.keys)?;
        out.push_sql("))");
        Ok(())
    }
}

impl QueryFragment<Pg> for MarkDone<(Vec<String>, Vec<String>)> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("UPDATE outbox SET state = 'done', done_at = ");
        out.push_bind_param::<Timestamp, _>(&self.done_at)?;
        out.push_sql(
            ", locked_until = NULL WHERE (event_id, effect) IN (SELECT * FROM unnest(CAST(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.keys.0)?;
        out.push_sql(" AS text[]), CAST(");
        out.push_bind_param::<Array<Text>, _>(&self.keys.1)?;
        out.push_sql(" AS text[])))");
        Ok(())
    }
}

/// One SQL text per backend, whatever the batch: cached by type (each connection has its own cache).
impl<Keys> QueryId for MarkDone<Keys> {
    type QueryId = MarkDoneId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

struct MarkDoneId;

impl<Conn, Keys> RunQueryDsl<Conn> for MarkDone<Keys> {}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = Text)]
    event_id: String,
    #[diesel(sql_type = Text)]
    effect: String,
    #[diesel(sql_type = Text)]
    order_id: String,
    #[diesel(sql_type = BigInt)]
    order_version: i64,
    #[diesel(sql_type = Nullable<Text>)]
    customer_id: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    amount: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    currency: Option<String>,
    #[diesel(sql_type = Integer)]
    attempts: i32,
}

impl ClaimedRow {
    /// The amount of a refund or capture.
    fn money(&self) -> Result<Money, StorageError> {
        let currency = self
            .currency
            .as_deref()
            .and_then(Currency::parse)
            .ok_or_else(|| corrupt("effect currency", &self.effect))?;
        let amount = self
            .amount
            .ok_or_else(|| corrupt("effect amount", &self.event_id))?;
        Money::from_minor(amount, currency).map_err(|_| corrupt(&self.effect, amount))
    }

    fn into_effect(self) -> Result<DueEffect, StorageError> {
        let kind = match self.effect.as_str() {
            "publish" => EffectKind::Publish,
            "release_stock" => EffectKind::ReleaseStock,
            "void" => EffectKind::Void,
            "refund" => EffectKind::Refund {
                amount: self.money()?,
                refund: None,
            },
            "capture" => EffectKind::Capture(self.money()?),
            name if name.starts_with(EffectKind::RESTOCK_PREFIX) => {
                let id = name.split_once('.').map_or(name, |(_, id)| id);
                EffectKind::Restock(id.parse().map_err(|_| corrupt("return id", id))?)
            }
            name if name.starts_with(EffectKind::PARTIAL_REFUND_PREFIX) => {
                let id = name.split_once('.').map_or(name, |(_, id)| id);
                EffectKind::Refund {
                    amount: self.money()?,
                    refund: Some(id.parse().map_err(|_| corrupt("refund id", id))?),
                }
            }
            name => {
                let kind = name
                    .strip_prefix("notify.")
                    .and_then(NotificationKind::parse)
                    .ok_or_else(|| corrupt("effect", name))?;
                let customer = self.customer_id.unwrap_or_default();
                EffectKind::Notify {
                    kind,
                    customer: CustomerId::parse(customer).map_err(|e| corrupt("customer", e))?,
                }
            }
        };
        Ok(DueEffect {
            event_id: self
                .event_id
                .parse()
                .map_err(|_| corrupt("event id", &self.event_id))?,
            order_id: self
                .order_id
                .parse()
                .map_err(|_| corrupt("order id", &self.order_id))?,
            order_version: u64::try_from(self.order_version)
                .ok()
                .and_then(Version::new)
                .ok_or_else(|| corrupt("version", self.order_version))?,
            kind,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
        })
    }
}

/// The claim's plan on Postgres: `outbox_due` walked in order, never all due rows gathered and sorted.
const CLAIM_PLAN: &str = "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off";

/// Leases the due effects (Postgres).
pub(crate) fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: usize,
) -> Result<Vec<DueEffect>, StorageError> {
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::minutes(1));
    // A queue's statistics are stale as soon as they are taken: analyzed while the outbox was nearly empty, the
    // planner read every due row by bitmap, checked each against its order's earlier effects and sorted them
    // all to keep 128 (40,000 buffers for a claim behind a backlog of 10,000, against 3,000 walking
    // `outbox_due` in order and stopping at the limit; BENCHMARKS.md). Within the claim's own transaction,
    // that walk is the only plan left, made at each run.
    let DbConnection::Postgres(conn) = conn else {
        return Err(leased_in_process());
    };
    conn.batch_execute(&format!("{PLAN_EACH_RUN}; {CLAIM_PLAN}"))?;
    let claim = Claim {
        due: Due {
            now: Stamp(now.naive_utc()),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            leased: None,
        },
        until: Stamp(until.naive_utc()),
    };
    effects(ByText(claim).load(conn)?)
}

/// The due effects past those `leased` (SQLite: a JSON array of `[event_id, effect]` pairs). Writes nothing.
pub(crate) fn find_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: usize,
    leased: String,
) -> Result<Vec<DueEffect>, StorageError> {
    let due = Due {
        now: Stamp(now.naive_utc()),
        limit: u32::try_from(limit).unwrap_or(u32::MAX),
        leased: Some(leased),
    };
    match conn {
        DbConnection::Sqlite(conn) => effects(ByText(due).load(conn)?),
        DbConnection::Postgres(_) => Err(StorageError::Corrupt(
            "Postgres leases the outbox's effects in the table".into(),
        )),
    }
}

/// SQLite's leases are not marks in the table (`effect_leases`).
fn leased_in_process() -> StorageError {
    StorageError::Corrupt(
        "SQLite leases the outbox's effects in the process, not in the table".into(),
    )
}

fn effects(rows: Vec<ClaimedRow>) -> Result<Vec<DueEffect>, StorageError> {
    let mut effects = rows
        .into_iter()
        .map(ClaimedRow::into_effect)
        .collect::<Result<Vec<_>, _>>()?;
    // RETURNING gives no order; run them oldest version first.
    effects.sort_by_key(|effect| (effect.order_version, effect.event_id));
    Ok(effects)
}

/// An effect's key, as the outbox's primary key and as a lease held in the process.
pub(crate) fn row(effect: &DueEffect) -> (String, String) {
    (effect.event_id.to_string(), effect.kind.name())
}

/// Effects' keys as one JSON array of `[event_id, effect]` pairs, as SQLite's statements take them.
pub(crate) fn json_keys(keys: &[(String, String)]) -> Result<String, StorageError> {
    let pairs: Vec<[&str; 2]> = keys
        .iter()
        .map(|(event, effect)| [event.as_str(), effect.as_str()])
        .collect();
    serde_json::to_string(&pairs).map_err(|e| corrupt("effect keys", e))
}

macro_rules! the_row {
    ($effect:expr) => {{
        let (event, name) = row($effect);
        outbox::table
            .filter(outbox::event_id.eq(event))
            .filter(outbox::effect.eq(name))
    }};
}

pub(crate) fn complete(
    conn: &mut DbConnection,
    effects: &[DueEffect],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn.plan_each_run()?;
    let done_at = Stamp(now.naive_utc());
    let keys = effects.iter().map(row);
    match conn {
        DbConnection::Sqlite(conn) => {
            let keys = json_keys(&keys.collect::<Vec<_>>())?;
            MarkDone { done_at, keys }.execute(conn)?
        }
        DbConnection::Postgres(conn) => {
            let keys = keys.unzip();
            MarkDone { done_at, keys }.execute(conn)?
        }
    };
    Ok(())
}

pub(crate) fn retry(
    conn: &mut DbConnection,
    effect: &DueEffect,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), StorageError> {
    conn.plan_each_run()?;
    diesel::update(the_row!(effect))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(at.naive_utc()),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(truncate(error))),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn park(
    conn: &mut DbConnection,
    effect: &DueEffect,
    error: &str,
) -> Result<(), StorageError> {
    conn.plan_each_run()?;
    diesel::update(the_row!(effect))
        .set((
            outbox::state.eq("parked"),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(truncate(error))),
        ))
        .execute(conn)?;
    Ok(())
}

fn truncate(error: &str) -> String {
    error.chars().take(1000).collect()
}

/// Rows in one state, the state written into the SQL: with it bound, a plan Postgres caches cannot use the
/// state's partial index (`outbox_due`, `outbox_parked`, `outbox_done`), and scans every row kept for the
/// retention period instead.
const PENDING: &str = "state = 'pending'";
const PARKED: &str = "state = 'parked'";
const DONE: &str = "state = 'done'";

/// What `/health/ready` tells of the outbox: each count read from its state's partial index, never from the
/// done rows (a probe every few seconds scanned them all, and a scan past the probe's 50 ms ran on unseen).
pub(crate) fn stats(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<OutboxStats, StorageError> {
    let (backlog, oldest): (i64, Option<NaiveDateTime>) = outbox::table
        .filter(sql::<Bool>(PENDING))
        .select((count_star(), min(outbox::created_at)))
        .first(conn)?;
    let parked: i64 = outbox::table
        .filter(sql::<Bool>(PARKED))
        .select(count_star())
        .first(conn)?;
    Ok(OutboxStats {
        backlog: u64::try_from(backlog).unwrap_or(0),
        oldest: oldest.map(|at| (now - at.and_utc()).to_std().unwrap_or_default()),
        parked: u64::try_from(parked).unwrap_or(0),
    })
}

pub(crate) fn prune_done(
    conn: &mut DbConnection,
    before: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let pruned = diesel::delete(
        outbox::table
            .filter(sql::<Bool>(DONE))
            .filter(outbox::done_at.lt(before.naive_utc())),
    )
    .execute(conn)?;
    Ok(pruned as u64)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;
    use diesel::Connection;

    use super::*;
    use crate::connection::transaction;
    use crate::testing::postgres_on_one_connection;

    #[derive(QueryableByName)]
    struct Plans {
        #[diesel(sql_type = BigInt)]
        generic: i64,
        #[diesel(sql_type = BigInt)]
        custom: i64,
    }

    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }

    /// The outbox's statistics were taken when every effect was done, so they say nothing waits; then 10,000
    /// effects wait (an outage's backlog). Claiming 128 of them reads pages for the 128, not the backlog for
    /// each (the plan of the `NOT EXISTS` as a join read 81,000 buffers a claim behind 40,000).
    #[test]
    fn a_claim_behind_a_backlog_the_statistics_never_saw_reads_only_what_it_claims() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let DbConnection::Postgres(conn) = &mut conn.db else {
            panic!("a Postgres connection");
        };
        // Effects of no recorded event: the history is beside the point here.
        conn.batch_execute(
            "ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_fkey;
             INSERT INTO outbox (event_id, effect, order_id, order_version, state, next_attempt_at,
                                 created_at, done_at)
             SELECT 'done-' || g, 'publish', 'order-' || g, 1, 'done', TIMESTAMP '2026-01-01',
                    TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01'
             FROM generate_series(1, 20000) g;
             ANALYZE outbox;
             INSERT INTO outbox (event_id, effect, order_id, order_version, next_attempt_at, created_at)
             SELECT 'waiting-' || g, effect, 'late-' || g, 1, TIMESTAMP '2026-02-01' + g * INTERVAL '1 ms',
                    TIMESTAMP '2026-02-01'
             FROM generate_series(1, 5000) g, (VALUES ('publish'), ('notify.order_created')) AS e (effect);",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let now = NaiveDateTime::default() + TimeDelta::days(365 * 2000);
        let claim = Claim {
            due: Due {
                now: Stamp(now),
                limit: 128,
                leased: None,
            },
            until: Stamp(now),
        };
        let sql = diesel::debug_query::<Pg, _>(&claim).to_string();
        let sql = sql.split(" -- binds").next().unwrap_or_default();
        let lines = conn
            .transaction(|conn| {
                conn.batch_execute(&format!("{PLAN_EACH_RUN}; {CLAIM_PLAN}"))?;
                diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now)
                    .load::<PlanLine>(conn)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let plan: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
        let claimed = plan
            .first()
            .and_then(|top| top.split("rows=").nth(2))
            .and_then(|rows| rows.split(' ').next())
            .and_then(|rows| rows.parse::<u32>().ok());
        assert_eq!(claimed, Some(128), "{plan:#?}");
        let buffers: u64 = plan
            .iter()
            .find_map(|line| line.trim().strip_prefix("Buffers: shared hit="))
            .and_then(|hits| hits.split(' ').next())
            .and_then(|hits| hits.parse().ok())
            .unwrap_or(u64::MAX);
        assert!(
            buffers < 50 * 128,
            "{buffers} buffers for 128 effects: {plan:#?}"
        );
    }

    #[derive(QueryableByName)]
    struct Updates {
        #[diesel(sql_type = BigInt)]
        updated: i64,
        #[diesel(sql_type = BigInt)]
        hot: i64,
    }

    /// A lease changes no indexed column, so Postgres can write it beside the row it changes, adding nothing to
    /// the outbox's indexes, as long as the row's page has room: the outbox keeps 30 % of its pages free. A
    /// claim leases the rows of a page together, so the room takes in more than a third of them (none
    /// without it, the pages filled by the inserts).
    #[test]
    fn a_lease_is_written_beside_its_row_while_its_page_has_room() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        // 1,000 waiting effects, inserted as a service inserts them: one after the other, filling pages.
        conn.batch_execute(
            "ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_fkey;
             INSERT INTO outbox (event_id, effect, order_id, order_version, next_attempt_at, created_at)
             SELECT gen_random_uuid()::text, 'publish', gen_random_uuid()::text, 1,
                    TIMESTAMP '2026-02-01' + g * INTERVAL '1 ms', TIMESTAMP '2026-02-01'
             FROM generate_series(1, 1000) g;",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let updates = transaction(conn, |conn| {
            let claimed = claim_due(conn, Utc::now(), Duration::from_secs(60), 128)?;
            assert_eq!(claimed.len(), 128);
            // This transaction's own counts, before they are reported.
            Ok(diesel::sql_query(
                "SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot \
                 FROM pg_stat_xact_user_tables WHERE relname = 'outbox'",
            )
            .get_result::<Updates>(conn)?)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(updates.updated, 128);
        assert!(
            updates.hot * 3 >= updates.updated,
            "{} of {} leases written beside their row",
            updates.hot,
            updates.updated
        );
    }

    #[derive(QueryableByName)]
    struct Scans {
        #[diesel(sql_type = BigInt)]
        seq_scan: i64,
    }

    /// `/health/ready` counts the waiting and the parked effects every few seconds, beside every done effect
    /// the outbox keeps for its retention period: the counts come from the states' own indexes, and read no
    /// done row however often they are run.
    #[test]
    fn the_readiness_counts_never_read_the_done_effects() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        conn.batch_execute(
            "ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_fkey;
             INSERT INTO outbox (event_id, effect, order_id, order_version, state, next_attempt_at,
                                 created_at, done_at)
             SELECT gen_random_uuid()::text, 'publish', gen_random_uuid()::text, 1,
                    CASE WHEN g <= 3 THEN 'pending' WHEN g <= 5 THEN 'parked' ELSE 'done' END,
                    TIMESTAMP '2026-02-01', TIMESTAMP '2026-02-01',
                    CASE WHEN g > 5 THEN TIMESTAMP '2026-02-01' END
             FROM generate_series(1, 20000) g;
             ANALYZE outbox;",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (stats, scans) = transaction(conn, |conn| {
            let mut last = None;
            // Past the five runs after which Postgres may keep a generic plan.
            for _ in 0..8 {
                last = Some(stats(conn, Utc::now())?);
            }
            let scans = diesel::sql_query(
                "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'outbox'",
            )
            .get_result::<Scans>(conn)?;
            Ok((last, scans.seq_scan))
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let stats = stats.unwrap_or_else(|| panic!("counted"));
        assert_eq!((stats.backlog, stats.parked), (3, 2));
        assert_eq!(scans, 0, "the outbox read whole");
    }

    /// The outbox is empty when a new service starts, and a plan Postgres caches for a statement run on an
    /// empty table reads the whole table once it has grown (a claim took 3 s behind a backlog of 20,000). So
    /// the relay's statements are planned for the outbox as it is at each run, never from a cached plan.
    #[test]
    fn the_relays_statements_are_planned_for_the_outbox_as_it_is_each_time() {
        let Some((_database, storage)) = postgres_on_one_connection() else {
            return;
        };
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        for _ in 0..8 {
            transaction(conn, |conn| {
                assert!(claim_due(conn, Utc::now(), Duration::from_secs(60), 128)?.is_empty());
                complete(conn, &[], Utc::now())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let plans = diesel::sql_query(
            "SELECT coalesce(sum(generic_plans), 0)::bigint AS generic, \
                    coalesce(sum(custom_plans), 0)::bigint AS custom \
             FROM pg_prepared_statements WHERE statement LIKE 'UPDATE outbox SET%'",
        )
        .get_result::<Plans>(conn)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plans.custom, 16, "each claim and mark planned as it runs");
        assert_eq!(plans.generic, 0, "no plan cached from an empty outbox");
    }
}
