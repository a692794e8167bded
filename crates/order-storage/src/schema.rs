// The tables as the migrations in `migrations/` create them.

diesel::table! {
    orders (id) {
        id -> Text,
        store_id -> Text,
        customer_id -> Text,
        status -> Text,
        currency -> Text,
        items_total -> BigInt,
        shipping_cost -> BigInt,
        tax_amount -> BigInt,
        total_amount -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        payment_method -> Nullable<Text>,
        payment_amount -> Nullable<BigInt>,
        payment_reference -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        refund_due -> Bool,
        refunded_at -> Nullable<Timestamp>,
        ship_to_name -> Nullable<Text>,
        ship_to_line1 -> Nullable<Text>,
        ship_to_line2 -> Nullable<Text>,
        ship_to_city -> Nullable<Text>,
        ship_to_state -> Nullable<Text>,
        ship_to_postal_code -> Nullable<Text>,
        ship_to_country -> Nullable<Text>,
        payment_authorization_id -> Nullable<Text>,
        note -> Nullable<Text>,
        metadata -> Text,
        shipment_count -> BigInt,
        captured_at -> Nullable<Timestamp>,
        refund_count -> Integer,
        return_count -> Integer,
    }
}

diesel::table! {
    returns (id) {
        id -> Text,
        order_id -> Text,
        position -> Integer,
        reason -> Text,
        status -> Text,
        requested_at -> Timestamp,
        received_at -> Nullable<Timestamp>,
        rejected_at -> Nullable<Timestamp>,
        refund_id -> Nullable<Text>,
    }
}

diesel::table! {
    return_items (return_id, position) {
        return_id -> Text,
        position -> Integer,
        product_id -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    refunds (id) {
        id -> Text,
        order_id -> Text,
        position -> Integer,
        amount -> BigInt,
        reason -> Text,
        status -> Text,
        created_at -> Timestamp,
        settled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refund_items (refund_id, position) {
        refund_id -> Text,
        position -> Integer,
        product_id -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    shipments (id) {
        id -> Text,
        order_id -> Text,
        carrier -> Text,
        tracking_number -> Text,
        status -> Text,
        shipped_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shipment_items (shipment_id, product_id) {
        shipment_id -> Text,
        product_id -> Text,
        quantity -> BigInt,
    }
}

diesel::joinable!(shipments -> orders (order_id));
diesel::joinable!(shipment_items -> shipments (shipment_id));

diesel::table! {
    order_items (order_id, position) {
        order_id -> Text,
        position -> Integer,
        product_id -> Text,
        quantity -> BigInt,
        unit_price -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Binary,
        order_id -> Text,
        response_body -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_claims (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Binary,
        claimed_at -> Timestamp,
        held_until -> Timestamp,
    }
}

diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(refunds -> orders (order_id));
diesel::joinable!(refund_items -> refunds (refund_id));
diesel::joinable!(returns -> orders (order_id));
diesel::joinable!(return_items -> returns (return_id));

diesel::table! {
    order_events (event_id) {
        event_id -> Text,
        order_id -> Text,
        order_version -> BigInt,
        event_type -> Text,
        occurred_at -> Timestamp,
        actor_subject -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        request_id -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        data -> Text,
    }
}

diesel::table! {
    outbox (event_id, effect) {
        event_id -> Text,
        effect -> Text,
        order_id -> Text,
        order_version -> BigInt,
        customer_id -> Nullable<Text>,
        amount -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_attempts (id) {
        id -> Text,
        order_id -> Text,
        provider_key -> Text,
        method -> Text,
        amount -> BigInt,
        currency -> Text,
        reference -> Nullable<Text>,
        authorization_id -> Nullable<Text>,
        state -> Text,
        failures -> Integer,
        settle_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(payment_attempts -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(
    payment_attempts,
    orders,
    order_items,
    idempotency_keys,
    idempotency_claims,
    order_events,
    outbox,
    shipments,
    shipment_items,
    refunds,
    refund_items,
    returns,
    return_items
);
