//! A new order, its lines, its `order.created` event with its effects and its idempotency key in one Postgres
//! statement: one round trip, and one implicit transaction, instead of eight (BEGIN, five inserts, COMMIT).
//! SQLite does not need it: its writes are in-process and batched by the writer thread.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp};
use diesel::RunQueryDsl;
use order_domain::ports::RepositoryError;
use order_domain::IdempotencyRecord;

use super::NewOrderRows;
use crate::error::StorageError;
use crate::event_rows::ChangeRows;

/// The key's record is written first; the order and its lines are written only if that held (no key, a new
/// key, or an expired one), so a live key leaves nothing written; the key's hold by this create ends with it.
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
), released AS (
    DELETE FROM idempotency_claims
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
        let placed: Placed = diesel::sql_query(CREATE)
            .bind::<Text, _>(order.id)
            .bind::<Text, _>(order.store_id)
            .bind::<Text, _>(order.customer_id)
            .bind::<Text, _>(order.status)
            .bind::<Text, _>(order.currency)
            .bind::<BigInt, _>(order.items_total)
            .bind::<BigInt, _>(order.shipping_cost)
            .bind::<BigInt, _>(order.tax_amount)
            .bind::<BigInt, _>(order.total_amount)
            .bind::<BigInt, _>(order.version)
            .bind::<Timestamp, _>(order.created_at)
            .bind::<Timestamp, _>(order.updated_at)
            .bind::<Text, _>(scope)
            .bind::<Text, _>(key)
            .bind::<Binary, _>(fingerprint)
            .bind::<Binary, _>(body)
            .bind::<Timestamp, _>(expires_at)
            .bind::<Bool, _>(keyed)
            .bind::<Array<Integer>, _>(positions)
            .bind::<Array<Text>, _>(products)
            .bind::<Array<BigInt>, _>(quantities)
            .bind::<Array<BigInt>, _>(prices)
            .bind::<Nullable<Text>, _>(order.note)
            .bind::<Text, _>(order.metadata)
            .bind::<Text, _>(event.event_id)
            .bind::<Text, _>(event.event_type)
            .bind::<Nullable<Text>, _>(event.actor_subject)
            .bind::<Nullable<Text>, _>(event.actor_role)
            .bind::<Nullable<Text>, _>(event.request_id)
            .bind::<Nullable<Text>, _>(event.idempotency_key)
            .bind::<Text, _>(event.data)
            .bind::<Array<Text>, _>(names)
            .bind::<Array<Nullable<Text>>, _>(customers)
            .bind::<Array<Nullable<BigInt>>, _>(amounts)
            .bind::<Array<Nullable<Text>>, _>(currencies)
            .get_result(conn)?;
        match placed.placed {
            0 => Err(RepositoryError::DuplicateIdempotencyKey.into()),
            _ => Ok(()),
        }
    }
}
