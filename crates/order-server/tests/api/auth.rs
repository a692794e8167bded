//! Authentication and the role table over HTTP, with bearer tokens required.

use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    address, auth_settings, header, json_of, order_for, problem, spawn_app_on, spawn_app_with_auth,
    TestApp, TEST_SECRET,
};

const ADMIN: &str = "--role admin";
const OPERATOR: &str = "--role operator";
const STORE_1: &str = "--role store --store-id store-1";
const STORE_2: &str = "--role store --store-id store-2";
const CUSTOMER_1: &str = "--role customer --customer-id customer-1";
const CUSTOMER_2: &str = "--role customer --customer-id customer-2";

fn signed(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Orders as an admin sees them: every live one.
async fn order_count(app: &TestApp) -> usize {
    app.as_principal(ADMIN).all_orders("").await.len()
}

#[tokio::test]
async fn every_refused_token_is_a_401_with_a_bearer_challenge_and_writes_nothing() {
    let database = order_storage::testing::TestDatabase::from_env()
        .unwrap_or_else(|| panic!("TEST_DATABASE=postgres needs a Postgres server"));
    let app = spawn_app_on(database, |config| {
        config.auth = auth_settings(&[
            ("AUTH_ISSUER", "https://id.test"),
            ("AUTH_AUDIENCE", "orders"),
        ])
    })
    .await;
    let good = json!({
        "sub": "alice", "role": "admin", "exp": now() + 600,
        "iss": "https://id.test", "aud": "orders"
    });
    let with = |changes: Value| {
        let mut claims = good.clone();
        if let (Some(claims), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
            for (name, value) in changes {
                claims.insert(name.clone(), value.clone());
            }
        }
        signed(claims, TEST_SECRET)
    };
    let invalid = "Bearer error=\"invalid_token\"";
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "Bearer"),
        (
            "another scheme",
            Some("Basic YWxpY2U6c2VjcmV0".to_owned()),
            "Bearer",
        ),
        ("malformed", Some("Bearer not.a.jwt".to_owned()), invalid),
        ("empty", Some("Bearer ".to_owned()), invalid),
        (
            "expired",
            Some(format!("Bearer {}", with(json!({"exp": now() - 120})))),
            invalid,
        ),
        (
            "not yet valid",
            Some(format!("Bearer {}", with(json!({"nbf": now() + 120})))),
            invalid,
        ),
        (
            "badly signed",
            Some(format!(
                "Bearer {}",
                signed(good.clone(), "another secret of thirty-two bytes or more")
            )),
            invalid,
        ),
        (
            "wrong audience",
            Some(format!("Bearer {}", with(json!({"aud": "billing"})))),
            invalid,
        ),
        (
            "wrong issuer",
            Some(format!(
                "Bearer {}",
                with(json!({"iss": "https://evil.test"}))
            )),
            invalid,
        ),
        (
            "no scope claim",
            Some(format!("Bearer {}", with(json!({"role": "store"})))),
            invalid,
        ),
    ];
    for (case, authorization, challenge) in cases {
        let mut request = app
            .client
            .post(app.url("/orders"))
            .json(&order_for("store-1", "customer-1"));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = app.send(request).await;
        let www_authenticate = header(&response, "www-authenticate").unwrap_or_default();
        assert!(
            www_authenticate.starts_with(challenge),
            "{case}: {www_authenticate}"
        );
        let body = problem(response, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["type"], "/problems/unauthenticated", "{case}");
    }

    let admin = app.with_token(&with(json!({})));
    assert_eq!(
        admin.all_orders("").await.len(),
        0,
        "a refused request wrote an order"
    );
}

#[tokio::test]
async fn versioned_routes_need_a_token_and_health_does_not() {
    let app = spawn_app_with_auth().await;
    problem(app.get("/v1/orders").await, StatusCode::UNAUTHORIZED).await;
    problem(
        app.get(&format!("/v1/orders/{}", uuid::Uuid::now_v7()))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);
    assert_eq!(app.get("/v1/health/ready").await.status(), StatusCode::OK);
    let admin = app.as_principal(ADMIN);
    assert_eq!(admin.get("/v1/orders").await.status(), StatusCode::OK);
}

/// What a case starts from: an order of store-1 bought by customer-1, brought into a status by the admin.
#[derive(Clone, Copy)]
enum Given {
    Nothing,
    Pending,
    Processing,
    Shipped,
    /// Shipped, with a return of one unit asked for.
    Returned,
}

async fn given(app: &TestApp, given: Given) -> Option<String> {
    let admin = app.as_principal(ADMIN);
    if matches!(given, Given::Nothing) {
        return None;
    }
    let id = admin.create(&order_for("store-1", "customer-1")).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if matches!(given, Given::Processing | Given::Shipped | Given::Returned) {
        assert_eq!(admin.pay(&id, json!(115)).await.status(), StatusCode::OK);
    }
    if matches!(given, Given::Shipped | Given::Returned) {
        assert_eq!(admin.track(&id, "1Z999").await.status(), StatusCode::OK);
        // The worker records the capture the shipment asked for; the order is settled after that.
        admin
            .order_when(&id, |o| o["payment"]["capturedAt"].is_string())
            .await;
    }
    if matches!(given, Given::Returned) {
        let asked = admin.request_return(&id, &one_back(), None).await;
        assert_eq!(asked.status(), StatusCode::CREATED);
    }
    Some(id)
}

fn one_back() -> Value {
    json!({"reason": "too small", "items": [{"productId": "p-1", "quantity": 1}]})
}

/// Does `route` as `as_` on the order `id` (and its first shipment or return, when it has one).
async fn act(
    as_: &TestApp,
    route: &str,
    id: Option<&str>,
    part: Option<&str>,
) -> reqwest::Response {
    let id = id.unwrap_or_default();
    let shipment = format!("/orders/{id}/shipments/{}", part.unwrap_or_default());
    let returned = part.unwrap_or_default();
    let send = |request: reqwest::RequestBuilder| as_.send(request);
    match route {
        "create" => as_.post_order(&order_for("store-1", "customer-1")).await,
        "list" => as_.get("/orders").await,
        "read" => as_.get_order(id).await,
        "pay" => as_.pay(id, json!(115)).await,
        "set address" => as_.put(id, "shipping", &address(), None).await,
        "ship" => as_.track(id, "1Z999").await,
        "cancel" => as_.set_status(id, "canceled").await,
        "deliver" => as_.set_status(id, "delivered").await,
        "delete" => as_.delete_order(id).await,
        "history" => as_.get(&format!("/orders/{id}/events")).await,
        "metadata" => {
            let body = json!({"metadata": {"channel": "web"}});
            as_.put(id, "metadata", &body, None).await
        }
        "ship lines" => {
            let body = json!({"carrier": "UPS", "trackingNumber": "1Z1",
                              "items": [{"productId": "p-1", "quantity": 1}]});
            send(
                as_.client
                    .post(as_.url(&format!("/orders/{id}/shipments")))
                    .json(&body),
            )
            .await
        }
        "read shipment" => as_.get(&shipment).await,
        "correct shipment" => {
            let body = json!({"carrier": "UPS", "trackingNumber": "1Z2"});
            send(
                as_.client
                    .put(as_.url(&format!("{shipment}/tracking")))
                    .json(&body),
            )
            .await
        }
        "deliver shipment" => {
            let body = json!({"status": "delivered"});
            send(
                as_.client
                    .put(as_.url(&format!("{shipment}/status")))
                    .json(&body),
            )
            .await
        }
        "refund" => {
            as_.refund(id, &json!({"amount": 10, "reason": "damaged"}), None)
                .await
        }
        "request return" => as_.request_return(id, &one_back(), None).await,
        "read return" => as_.get(&format!("/orders/{id}/returns/{returned}")).await,
        "receive return" => as_.settle_return(id, returned, "received").await,
        other => panic!("no route {other}"),
    }
}

#[tokio::test]
async fn the_role_table_holds_for_every_role_on_every_route() {
    let app = spawn_app_with_auth().await;
    let roles = [ADMIN, OPERATOR, STORE_1, STORE_2, CUSTOMER_1, CUSTOMER_2];
    // Expected statuses per role, in the order of `roles`; the order is store-1's, bought by customer-1.
    let table: [(&str, Given, [u16; 6]); 19] = [
        ("create", Given::Nothing, [201, 403, 201, 403, 201, 403]),
        ("list", Given::Pending, [200, 200, 200, 200, 200, 200]),
        ("read", Given::Pending, [200, 200, 200, 404, 200, 404]),
        ("pay", Given::Pending, [200, 403, 200, 404, 200, 404]),
        (
            "set address",
            Given::Pending,
            [200, 200, 200, 404, 200, 404],
        ),
        ("ship", Given::Processing, [200, 200, 200, 404, 403, 404]),
        ("cancel", Given::Pending, [200, 200, 200, 404, 200, 404]),
        ("deliver", Given::Shipped, [200, 200, 200, 404, 403, 404]),
        ("delete", Given::Pending, [204, 403, 403, 404, 403, 404]),
        ("history", Given::Pending, [200, 200, 200, 404, 200, 404]),
        ("metadata", Given::Pending, [200, 403, 200, 404, 403, 404]),
        (
            "ship lines",
            Given::Processing,
            [201, 201, 201, 404, 403, 404],
        ),
        (
            "read shipment",
            Given::Shipped,
            [200, 200, 200, 404, 200, 404],
        ),
        (
            "correct shipment",
            Given::Shipped,
            [200, 200, 200, 404, 403, 404],
        ),
        (
            "deliver shipment",
            Given::Shipped,
            [200, 200, 200, 404, 403, 404],
        ),
        ("refund", Given::Shipped, [201, 201, 201, 404, 403, 404]),
        (
            "request return",
            Given::Shipped,
            [201, 403, 201, 404, 201, 404],
        ),
        (
            "read return",
            Given::Returned,
            [200, 200, 200, 404, 200, 404],
        ),
        (
            "receive return",
            Given::Returned,
            [200, 200, 200, 404, 403, 404],
        ),
    ];
    let admin = app.as_principal(ADMIN);
    for (route, start, expected) in table {
        for (role, expected) in roles.iter().zip(expected) {
            let id = given(&app, start).await;
            let before_count = order_count(&app).await;
            let before = match &id {
                Some(id) => Some(admin.order(id).await),
                None => None,
            };

            let part = if route.ends_with("return") {
                "returns"
            } else {
                "shipments"
            };
            let part = before
                .as_ref()
                .and_then(|order| order[part][0]["id"].as_str().map(str::to_owned));
            let principal = app.as_principal(role);
            let response = act(&principal, route, id.as_deref(), part.as_deref()).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, expected, "{role} {route}: {body}");

            if !(200..300).contains(&status) {
                assert_eq!(
                    order_count(&app).await,
                    before_count,
                    "{role} {route} wrote an order"
                );
                if let (Some(id), Some(before)) = (&id, before) {
                    assert_eq!(
                        admin.order(id).await,
                        before,
                        "{role} {route} changed the order"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn another_stores_or_customers_order_is_not_found() {
    let app = spawn_app_with_auth().await;
    let id = given(&app, Given::Pending).await.unwrap_or_default();
    for role in [STORE_2, CUSTOMER_2] {
        let body = problem(
            app.as_principal(role).get_order(&id).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(body["type"], "/problems/order-not-found", "{role}");
    }
    // The same answer as for an order that does not exist: nothing tells them apart.
    let missing = app
        .as_principal(STORE_2)
        .get_order(&uuid::Uuid::now_v7().to_string())
        .await;
    problem(missing, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn lists_are_confined_to_the_principals_own_orders() {
    let app = spawn_app_with_auth().await;
    let admin = app.as_principal(ADMIN);
    for (store, customer) in [
        ("store-1", "customer-1"),
        ("store-1", "customer-2"),
        ("store-2", "customer-1"),
        ("store-2", "customer-2"),
    ] {
        admin.create(&order_for(store, customer)).await;
    }
    let stores = |orders: Vec<Value>| {
        orders
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["storeId"].as_str().unwrap_or_default(),
                    o["customerId"].as_str().unwrap_or_default()
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    let store_1 = app.as_principal(STORE_1);
    assert_eq!(
        stores(store_1.all_orders("").await),
        ["store-1/customer-1", "store-1/customer-2"]
            .map(str::to_owned)
            .into()
    );
    assert_eq!(stores(store_1.all_orders("storeId=store-1").await).len(), 2);
    let customer_2 = app.as_principal(CUSTOMER_2);
    assert_eq!(
        stores(customer_2.all_orders("").await),
        ["store-1/customer-2", "store-2/customer-2"]
            .map(str::to_owned)
            .into()
    );

    // Asking for another store's or customer's orders is refused, never answered with them.
    problem(
        store_1.get("/orders?storeId=store-2").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        customer_2.get("/orders?customerId=customer-1").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        stores(app.as_principal(OPERATOR).all_orders("").await).len(),
        4
    );
}

#[tokio::test]
async fn a_store_cannot_create_an_order_for_another_store() {
    let app = spawn_app_with_auth().await;
    let body = problem(
        app.as_principal(STORE_2)
            .post_order(&order_for("store-1", "customer-1"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(body["type"], "/problems/forbidden");
    let body = problem(
        app.as_principal(CUSTOMER_2)
            .post_order(&order_for("store-1", "customer-1"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(body["type"], "/problems/forbidden");
    assert_eq!(order_count(&app).await, 0);
}

#[tokio::test]
async fn the_same_idempotency_key_from_two_principals_makes_two_orders() {
    let app = spawn_app_with_auth().await;
    let order = order_for("store-1", "customer-1");
    let store = app.as_principal(STORE_1);
    let customer = app.as_principal(CUSTOMER_1);
    let first = store.post_order_with_key(&order, "same-key").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = customer.post_order_with_key(&order, "same-key").await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(header(&second, "idempotent-replayed"), None);
    let (first, second) = (json_of(first).await, json_of(second).await);
    assert_ne!(first["id"], second["id"]);

    // Each principal's retry replays its own order.
    let retry = customer.post_order_with_key(&order, "same-key").await;
    assert_eq!(
        header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(json_of(retry).await["id"], second["id"]);
    assert_eq!(order_count(&app).await, 2);
}

#[tokio::test]
async fn a_token_from_the_token_command_is_accepted() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_order-server"))
        .args([
            "token",
            "--role",
            "store",
            "--store-id",
            "store-1",
            "--ttl",
            "5m",
        ])
        .env("AUTH_JWT_SECRET", TEST_SECRET)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let minted = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(minted.lines().count(), 1);

    let app = spawn_app_with_auth().await;
    let store = app.with_token(&minted);
    assert_eq!(
        store.post_order(&order_for("store-1", "c")).await.status(),
        StatusCode::CREATED
    );
    problem(
        store.post_order(&order_for("store-2", "c")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// A P-256 key made for these tests only: its private half (PKCS#8, base64) and its public half as a JWK.
const TEST_EC_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghVaT4MbaWxwJuluOEmUEEZSpy45Wfkc+uAtRUHTIEsOhRANCAAT1MwT8iNak8d7pKovQaAfqDYoz9ca1xAyP4W/fCcJ8C12XijuV3ogMZrpklouMf4dwp/a2hn83jXIcmhtpHITL";

fn test_jwk() -> Value {
    json!({
        "kty": "EC", "crv": "P-256", "kid": "test-key", "alg": "ES256", "use": "sig",
        "x": "9TME_IjWpPHe6SqL0GgH6g2KM_XGtcQMj-Fv3wnCfAs",
        "y": "XZeKO5XeiAxmumSWi4x_h3Cn9raGfzeNchyaG2kchMs"
    })
}

#[tokio::test]
async fn tokens_signed_by_a_published_key_are_checked_against_the_jwks_file() {
    use base64::Engine;

    let jwks = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(jwks.path(), json!({ "keys": [test_jwk()] }).to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let path = jwks.path().to_string_lossy().into_owned();
    let auth =
        order_server::Config::from_lookup(|name| (name == "AUTH_JWKS_FILE").then(|| path.clone()))
            .unwrap_or_else(|e| panic!("{e}"))
            .auth;
    let database = order_storage::testing::TestDatabase::from_env()
        .unwrap_or_else(|| panic!("TEST_DATABASE=postgres needs a Postgres server"));
    let app = spawn_app_on(database, |config| config.auth = auth).await;

    let claims = json!({"sub": "idp-user", "role": "admin", "exp": now() + 600});
    let der = base64::engine::general_purpose::STANDARD
        .decode(TEST_EC_PKCS8)
        .unwrap_or_else(|e| panic!("{e}"));
    let es256 = |kid: &str| {
        let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&der))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let order = order_for("store-1", "customer-1");
    assert_eq!(
        app.with_token(&es256("test-key"))
            .post_order(&order)
            .await
            .status(),
        StatusCode::CREATED
    );
    problem(
        app.with_token(&es256("another-key"))
            .post_order(&order)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The public key as an HMAC secret: the key says ES256, so HS256 is refused.
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("test-key".to_owned());
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(test_jwk().to_string().as_bytes()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    problem(
        app.with_token(&forged).post_order(&order).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let admin = app.with_token(&es256("test-key"));
    assert_eq!(admin.all_orders("").await.len(), 1);
}

#[tokio::test]
async fn with_authentication_each_principal_has_a_budget_of_its_own() {
    let database = order_storage::testing::TestDatabase::from_env()
        .unwrap_or_else(|| panic!("TEST_DATABASE=postgres needs a Postgres server"));
    let app = spawn_app_on(database, |config| {
        config.auth = auth_settings(&[]);
        config.rate_limits.reads = order_http::rate_limit::Quota::parse("2/min").ok();
    })
    .await;
    let first = app.as_principal(STORE_1);
    for _ in 0..2 {
        assert_eq!(first.get("/orders").await.status(), StatusCode::OK);
    }
    problem(first.get("/orders").await, StatusCode::TOO_MANY_REQUESTS).await;
    // Another principal, from the same address, still has its whole budget.
    assert_eq!(
        app.as_principal(STORE_2).get("/orders").await.status(),
        StatusCode::OK
    );
}
