//! A new order, its lines, its `order.created` event with its effects and its idempotency key in one Postgres
//! statement: one round trip, and one implicit transaction, instead of eight (BEGIN, five inserts, COMMIT).
//! SQLite does not need it: its writes are in-process and batched by the writer thread.

use chrono::NaiveDateTime;
use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp, Untyped};
use diesel::{QueryResult, RunQueryDsl};
use order_domain::ports::RepositoryError;
use order_domain::IdempotencyRecord;

use super::{NewOrderRows, OrderRow};
use crate::error::StorageError;
use crate::event_rows::{ChangeRows, EventRow};
use crate::numbered_sql::{unbound, walk_numbered};

/// The key's record is written first; the order and its lines are written only if that held (no key, a new
/// key, or an expired one), so a live key leaves nothing written; the key's hold is kept until its record
/// expires (a claim waiting for this commit then finds the key held).
/// Foreign keys are checked at the end of the statement, when the order the key names exists.
const CREATE: &str = r#"
WITH claimed AS (
    INSERT INTO idempotency_keys (scope, key, fingerprint, order_id, response_body, created_at, expires_at)
    SELECT $13, $14, $15, $1, $16, $11, $17
    WHERE $18
    ON CONFLICT (scope, key) DO UPDATE SET
        fingerprint = excluded.fingerprint,
        order_id = excluded.order_id,
        response_body = excluded.response_body,
        created_at = excluded.created_at,
        expires_at = excluded.expires_at
    WHERE idempotency_keys.expires_at <= excluded.created_at
    RETURNING 1
), placed AS (
    INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount,
                        total_amount, version, created_at, updated_at, note, metadata)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $23, $24
    WHERE NOT $18 OR EXISTS (SELECT 1 FROM claimed)
    RETURNING id
), held AS (
    UPDATE idempotency_claims SET held_until = $17
    WHERE $18 AND scope = $13 AND key = $14 AND EXISTS (SELECT 1 FROM placed)
), lines AS (
    INSERT INTO order_items (order_id, position, product_id, quantity, unit_price)
    SELECT placed.id, line.position, line.product_id, line.quantity, line.unit_price
    FROM placed, unnest($19::integer[], $20::text[], $21::bigint[], $22::bigint[])
        AS line (position, product_id, quantity, unit_price)
), event AS (
    INSERT INTO order_events (event_id, order_id, order_version, event_type, occurred_at, actor_subject,
                              actor_role, request_id, idempotency_key, data)
    SELECT $25, placed.id, $10, $26, $11, $27, $28, $29, $30, $31
    FROM placed
    RETURNING event_id
), effects AS (
    INSERT INTO outbox (event_id, effect, order_id, order_version, customer_id, amount, currency,
                        next_attempt_at, created_at)
    SELECT event.event_id, effect.name, $1, $10, effect.customer_id, effect.amount, effect.currency, $11, $11
    FROM event, unnest($32::text[], $33::text[], $34::bigint[], $35::text[])
        AS effect (name, customer_id, amount, currency)
)
SELECT count(*) AS placed FROM placed
"#;

/// `CREATE` with its values: a statement type of its own, so that diesel keeps it prepared on the connection
/// (found by its type, run by name) instead of parsing and planning it again for every order.
struct Create {
    order: OrderRow,
    scope: String,
    key: String,
    fingerprint: Vec<u8>,
    body: Vec<u8>,
    expires_at: NaiveDateTime,
    keyed: bool,
    positions: Vec<i32>,
    products: Vec<String>,
    quantities: Vec<i64>,
    prices: Vec<i64>,
    event: EventRow,
    names: Vec<String>,
    customers: Vec<Option<String>>,
    amounts: Vec<Option<i64>>,
    currencies: Vec<Option<String>>,
}

impl QueryFragment<Pg> for Create {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let (order, event) = (&self.order, &self.event);
        walk_numbered(CREATE, out, |number, mut out| match number {
            1 => out.push_bind_param::<Text, _>(&order.id),
            2 => out.push_bind_param::<Text, _>(&order.store_id),
            3 => out.push_bind_param::<Text, _>(&order.customer_id),
            4 => out.push_bind_param::<Text, _>(&order.status),
            5 => out.push_bind_param::<Text, _>(&order.currency),
            6 => out.push_bind_param::<BigInt, _>(&order.items_total),
            7 => out.push_bind_param::<BigInt, _>(&order.shipping_cost),
            8 => out.push_bind_param::<BigInt, _>(&order.tax_amount),
            9 => out.push_bind_param::<BigInt, _>(&order.total_amount),
            10 => out.push_bind_param::<BigInt, _>(&order.version),
            11 => out.push_bind_param::<Timestamp, _>(&order.created_at),
            12 => out.push_bind_param::<Timestamp, _>(&order.updated_at),
            13 => out.push_bind_param::<Text, _>(&self.scope),
            14 => out.push_bind_param::<Text, _>(&self.key),
            15 => out.push_bind_param::<Binary, _>(&self.fingerprint),
            16 => out.push_bind_param::<Binary, _>(&self.body),
            17 => out.push_bind_param::<Timestamp, _>(&self.expires_at),
            18 => out.push_bind_param::<Bool, _>(&self.keyed),
            19 => out.push_bind_param::<Array<Integer>, _>(&self.positions),
            20 => out.push_bind_param::<Array<Text>, _>(&self.products),
            21 => out.push_bind_param::<Array<BigInt>, _>(&self.quantities),
            22 => out.push_bind_param::<Array<BigInt>, _>(&self.prices),
            23 => out.push_bind_param::<Nullable<Text>, _>(&order.note),
            24 => out.push_bind_param::<Text, _>(&order.metadata),
            25 => out.push_bind_param::<Text, _>(&event.event_id),
            26 => out.push_bind_param::<Text, _>(&event.event_type),
            27 => out.push_bind_param::<Nullable<Text>, _>(&event.actor_subject),
            28 => out.push_bind_param::<Nullable<Text>, _>(&event.actor_role),
            29 => out.push_bind_param::<Nullable<Text>, _>(&event.request_id),
            30 => out.push_bind_param::<Nullable<Text>, _>(&event.idempotency_key),
            31 => out.push_bind_param::<Text, _>(&event.data),
            32 => out.push_bind_param::<Array<Text>, _>(&self.names),
            33 => out.push_bind_param::<Array<Nullable<Text>>, _>(&self.customers),
            34 => out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.amounts),
            35 => out.push_bind_param::<Array<Nullable<Text>>, _>(&self.currencies),
            other => Err(unbound(other)),
        })
    }
}

impl QueryId for Create {
    type QueryId = Create;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for Create {
    type SqlType = Untyped;
}

impl RunQueryDsl<PgConnection> for Create {}

#[derive(diesel::QueryableByName)]
struct Placed {
    #[diesel(sql_type = BigInt)]
    placed: i64,
}

impl NewOrderRows {
    /// Writes the order, its lines and `record` at once; a live record for the key is
    /// `DuplicateIdempotencyKey`, and then nothing is written.
    pub(crate) fn insert_in_one_statement(
        self,
        conn: &mut PgConnection,
        change: ChangeRows,
        record: Option<IdempotencyRecord>,
    ) -> Result<(), StorageError> {
        let NewOrderRows { order, items } = self;
        let keyed = record.is_some();
        let (scope, key, fingerprint, body, expires_at) = match record {
            Some(r) => (
                r.scope.as_str().to_owned(),
                r.key.as_str().to_owned(),
                r.fingerprint.as_bytes().to_vec(),
                r.response_body,
                r.expires_at.naive_utc(),
            ),
            None => (
                String::new(),
                String::new(),
                Vec::new(),
                Vec::new(),
                order.created_at,
            ),
        };
        let mut positions = Vec::with_capacity(items.len());
        let mut products = Vec::with_capacity(items.len());
        let mut quantities = Vec::with_capacity(items.len());
        let mut prices = Vec::with_capacity(items.len());
        for item in items {
            positions.push(item.position);
            products.push(item.product_id);
            quantities.push(item.quantity);
            prices.push(item.unit_price);
        }
        let ChangeRows { event, effects } = change;
        let mut names = Vec::with_capacity(effects.len());
        let mut customers = Vec::with_capacity(effects.len());
        let mut amounts = Vec::with_capacity(effects.len());
        let mut currencies = Vec::with_capacity(effects.len());
        for effect in effects {
            names.push(effect.effect);
            customers.push(effect.customer_id);
            amounts.push(effect.amount);
            currencies.push(effect.currency);
        }
        let statement = Create {
            order,
            scope,
            key,
            fingerprint,
            body,
            expires_at,
            keyed,
            positions,
            products,
            quantities,
            prices,
            event,
            names,
            customers,
            amounts,
            currencies,
        };
        let placed: Placed = statement.get_result(conn)?;
        match placed.placed {
            0 => Err(RepositoryError::DuplicateIdempotencyKey.into()),
            _ => Ok(()),
        }
    }
}
