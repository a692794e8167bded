//! The `order_events` and `outbox` rows of a change, written in the change's transaction, and the history
//! read back from them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use order_domain::{
    Actor, EffectKind, EventContext, EventData, EventType, OrderEvent, OrderId, RecordedChange,
    Version,
};

use crate::cached::insert_of;
use crate::connection::DbConnection;
use crate::error::{corrupt, StorageError};
use crate::json_in::in_json;
use crate::literal_limit::LimitLiterally;
use crate::schema::{order_events, outbox};
use crate::stamp::Stamp;

// `treat_none_as_default_value = false`: a missing value is written as NULL, so the INSERT is one statement
// whatever is missing, found in the statement cache by its type (`cached`).
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_default_value = false)]
pub(crate) struct EventRow {
    pub(crate) event_id: String,
    pub(crate) order_id: String,
    pub(crate) order_version: i64,
    pub(crate) event_type: String,
    #[diesel(deserialize_as = Stamp, serialize_as = Stamp)]
    pub(crate) occurred_at: NaiveDateTime,
    pub(crate) actor_subject: Option<String>,
    pub(crate) actor_role: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) data: String,
}

/// A new effect's row; the state, attempts and lease take their defaults. Written as NULL when missing, as above.
#[derive(Debug, Insertable)]
#[diesel(table_name = outbox, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_default_value = false)]
pub(crate) struct NewEffectRow {
    pub(crate) event_id: String,
    pub(crate) effect: String,
    pub(crate) order_id: String,
    pub(crate) order_version: i64,
    pub(crate) customer_id: Option<String>,
    pub(crate) amount: Option<i64>,
    pub(crate) currency: Option<String>,
    #[diesel(serialize_as = Stamp)]
    pub(crate) next_attempt_at: NaiveDateTime,
    #[diesel(serialize_as = Stamp)]
    pub(crate) created_at: NaiveDateTime,
}

/// Writes a `ChangeRows` on one backend's connection (a macro: the two connections share no trait that
/// diesel's `execute` accepts).
macro_rules! insert_rows {
    ($conn:expr, $rows:expr) => {{
        insert_of::<EventRow, _>(diesel::insert_into(order_events::table).values($rows.event))
            .execute($conn)?;
        for effect in $rows.effects {
            insert_of::<NewEffectRow, _>(diesel::insert_into(outbox::table).values(effect))
                .execute($conn)?;
        }
    }};
}

/// A change as rows, made on the caller's thread.
pub(crate) struct ChangeRows {
    pub(crate) event: EventRow,
    pub(crate) effects: Vec<NewEffectRow>,
}

impl ChangeRows {
    pub(crate) fn of(change: &RecordedChange) -> Self {
        let event = &change.event;
        let at = event.occurred_at.naive_utc();
        let effects = change
            .effects
            .iter()
            .map(|kind| {
                let (customer_id, amount, currency) = match kind {
                    EffectKind::Notify { customer, .. } => (Some(customer.to_string()), None, None),
                    EffectKind::Refund { amount: money, .. } | EffectKind::Capture(money) => (
                        None,
                        Some(money.minor_units()),
                        Some(money.currency().code().to_owned()),
                    ),
                    EffectKind::Publish
                    | EffectKind::ReleaseStock
                    | EffectKind::Void
                    | EffectKind::Restock(_) => (None, None, None),
                };
                NewEffectRow {
                    event_id: event.id.to_string(),
                    effect: kind.name(),
                    order_id: event.order_id.to_string(),
                    order_version: version_column(event.order_version),
                    customer_id,
                    amount,
                    currency,
                    next_attempt_at: at,
                    created_at: at,
                }
            })
            .collect();
        let context = &event.context;
        Self {
            event: EventRow {
                event_id: event.id.to_string(),
                order_id: event.order_id.to_string(),
                order_version: version_column(event.order_version),
                event_type: event.event_type.name().to_owned(),
                occurred_at: at,
                actor_subject: context.actor.as_ref().map(|a| a.subject.clone()),
                actor_role: context.actor.as_ref().map(|a| a.role.clone()),
                request_id: context.request_id.clone(),
                idempotency_key: context.idempotency_key.clone(),
                data: event.data.to_json(),
            },
            effects,
        }
    }

    /// Each row a single-row INSERT on the backend's own connection, found in diesel's statement cache by its
    /// row type (`cached`); through the multi-backend connection, or as a multi-row INSERT, its SQL would be
    /// rendered and prepared again for every change.
    pub(crate) fn insert(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        match conn {
            DbConnection::Sqlite(conn) => insert_rows!(conn, self),
            DbConnection::Postgres(conn) => insert_rows!(conn, self),
        }
        Ok(())
    }
}

pub(crate) fn version_column(version: Version) -> i64 {
    i64::try_from(version.get()).unwrap_or(i64::MAX)
}

impl EventRow {
    fn into_event(self) -> Result<OrderEvent, StorageError> {
        // Passed on as it was stored: the relay and the history's reads write it out without parsing it.
        let data = EventData::stored(self.data).map_err(|e| corrupt("event data", e))?;
        let actor = match (self.actor_subject, self.actor_role) {
            (Some(subject), Some(role)) => Some(Actor { subject, role }),
            _ => None,
        };
        Ok(OrderEvent {
            id: self
                .event_id
                .parse()
                .map_err(|_| corrupt("event id", &self.event_id))?,
            order_id: self
                .order_id
                .parse()
                .map_err(|_| corrupt("order id", &self.order_id))?,
            event_type: EventType::parse(&self.event_type)
                .ok_or_else(|| corrupt("event type", &self.event_type))?,
            order_version: u64::try_from(self.order_version)
                .ok()
                .and_then(Version::new)
                .ok_or_else(|| corrupt("event version", self.order_version))?,
            occurred_at: self.occurred_at.and_utc(),
            context: EventContext {
                actor,
                request_id: self.request_id,
                idempotency_key: self.idempotency_key,
            },
            data,
        })
    }
}

/// The order's events above version `after`, oldest first.
pub(crate) fn events_after(
    conn: &mut DbConnection,
    order: OrderId,
    after: u64,
    limit: usize,
) -> Result<Vec<OrderEvent>, StorageError> {
    order_events::table
        .filter(order_events::order_id.eq(order.to_string()))
        .filter(order_events::order_version.gt(i64::try_from(after).unwrap_or(i64::MAX)))
        .order(order_events::order_version)
        .select(EventRow::as_select())
        .limit_literally(limit)
        .load(conn)?
        .into_iter()
        .map(EventRow::into_event)
        .collect()
}

/// The events `ids` (the relay's batch), in one statement kept prepared on the backend's own connection.
pub(crate) fn find_events(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<OrderEvent>, StorageError> {
    let rows: Vec<EventRow> = match conn {
        DbConnection::Sqlite(conn) => order_events::table
            .filter(in_json(order_events::event_id, ids)?)
            .select(EventRow::as_select())
            .load(conn)?,
        DbConnection::Postgres(conn) => order_events::table
            .filter(order_events::event_id.eq_any(ids))
            .select(EventRow::as_select())
            .load(conn)?,
    };
    rows.into_iter().map(EventRow::into_event).collect()
}
