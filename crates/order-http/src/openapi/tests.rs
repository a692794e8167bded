use std::collections::BTreeSet;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{test as http, App};
use order_domain::ports::{MockCustomerDirectory, MockOrderRepository};
use serde_json::Value;

use crate::problem_responses;
use crate::routes::{served_operations, PREFIXES};

fn document() -> Value {
    serde_json::to_value(super::document()).expect("the document serializes")
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// `(METHOD, /path)` of every operation the document lists.
fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

fn app() -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<
            actix_web::body::EitherBody<actix_web::body::BoxBody>,
        >,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let service = crate::tests::service(MockOrderRepository::new(), MockCustomerDirectory::new());
    App::new()
        .wrap(problem_responses())
        .configure(crate::tests::open(service))
}

#[test]
fn the_document_is_openapi_3_1() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["info"]["version"].is_string());
}

#[test]
fn every_endpoint_is_documented_and_every_documented_operation_is_an_endpoint() {
    let served: BTreeSet<(String, String)> = served_operations()
        .into_iter()
        .map(|(method, path)| (method.to_owned(), path))
        .collect();
    let document = document();
    assert_eq!(documented_operations(&document), served);

    let servers: Vec<&str> = document["servers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|server| server["url"].as_str())
        .collect();
    let prefixes: Vec<&str> = PREFIXES
        .iter()
        .map(|prefix| if prefix.is_empty() { "/" } else { prefix })
        .collect();
    assert_eq!(
        servers, prefixes,
        "one server per prefix the API is served under"
    );
}

/// The router answers each documented path under each server with exactly the documented methods: a
/// method it does not serve gets 405 with an `Allow` naming them.
#[actix_web::test]
async fn the_router_serves_each_documented_path_with_exactly_its_documented_methods() {
    let document = document();
    let documented = documented_operations(&document);
    let app = http::init_service(app()).await;
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        let expected: BTreeSet<String> = documented
            .iter()
            .filter(|(_, p)| p == path)
            .map(|(method, _)| method.clone())
            .collect();
        for prefix in PREFIXES {
            let uri = format!("{prefix}{path}").replace("{id}", &uuid::Uuid::now_v7().to_string());
            let request = http::TestRequest::default()
                .method(Method::PATCH)
                .uri(&uri)
                .to_request();
            let response = http::call_service(&app, request).await;
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{uri}");
            let allowed: BTreeSet<String> = response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(", ")
                .map(str::to_owned)
                .collect();
            assert_eq!(allowed, expected, "{uri}");
        }
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }
    let document = document();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.len() > 50, "the document refers to its components");
    for target in found {
        let pointer = target.trim_start_matches('#');
        assert!(
            document.pointer(pointer).is_some(),
            "{target} does not resolve"
        );
    }
}

#[test]
fn every_operation_answers_with_problems_and_names_its_headers() {
    let document = document();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            assert!(operation["operationId"].is_string(), "{method} {path}");
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                parameters.iter().any(|p| p["name"] == "X-Request-Id"),
                "{method} {path} takes X-Request-Id"
            );
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let response = match response["$ref"].as_str() {
                    Some(target) => document
                        .pointer(target.trim_start_matches('#'))
                        .cloned()
                        .unwrap_or_default(),
                    None => response.clone(),
                };
                assert!(
                    response["headers"].get("X-Request-Id").is_some(),
                    "{method} {path} {status} names X-Request-Id"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().cloned().unwrap_or_default();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn changes_document_their_preconditions_and_conflicts() {
    let document = document();
    let operation = &document["paths"]["/orders/{id}/payment"]["put"];
    let names: Vec<&str> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"If-Match"), "{names:?}");
    for status in [
        "400", "402", "404", "409", "412", "415", "422", "429", "503",
    ] {
        assert!(
            operation["responses"].get(status).is_some(),
            "payment answers {status}"
        );
    }
    let conflict = &document["components"]["schemas"]["TransitionNotAllowedProblem"];
    let own = &conflict["allOf"][1];
    for member in [
        "currentStatus",
        "attemptedAction",
        "attemptedTransition",
        "allowedTransitions",
        "allowedActions",
    ] {
        assert!(own["properties"].get(member).is_some(), "{member}");
    }
    assert_eq!(
        own["properties"]["type"]["enum"][0],
        "/problems/transition-not-allowed"
    );
}

#[test]
fn request_bodies_carry_the_domain_limits() {
    let document = document();
    let create = &document["components"]["schemas"]["CreateOrder"];
    assert_eq!(create["properties"]["storeId"]["maxLength"], 128);
    assert_eq!(create["properties"]["items"]["maxItems"], 100);
    assert_eq!(create["properties"]["items"]["minItems"], 1);
    let required: Vec<&str> = create["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"totalAmount") && !required.contains(&"currency"));
    let status = &document["components"]["schemas"]["StatusChange"]["properties"]["status"];
    assert_eq!(
        status["enum"],
        serde_json::json!([
            "pending",
            "processing",
            "partially_shipped",
            "shipped",
            "delivered",
            "canceled"
        ])
    );
}

#[actix_web::test]
async fn the_docs_are_served_from_assets_in_the_binary() {
    let app = http::init_service(app()).await;

    let redirect =
        http::call_service(&app, http::TestRequest::get().uri("/docs").to_request()).await;
    assert!(redirect.status().is_redirection());
    assert_eq!(
        redirect
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );

    let page = http::call_service(&app, http::TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(&http::read_body(page).await).into_owned();
    assert!(html.contains("swagger-ui-bundle.js"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from elsewhere: {html}"
    );

    let initializer = http::call_service(
        &app,
        http::TestRequest::get()
            .uri("/docs/swagger-initializer.js")
            .to_request(),
    )
    .await;
    let script = String::from_utf8_lossy(&http::read_body(initializer).await).into_owned();
    assert!(script.contains("\"/openapi.json\""), "{script}");
    assert!(script.contains("\"validatorUrl\": \"none\""), "{script}");

    let bundle = http::call_service(
        &app,
        http::TestRequest::get()
            .uri("/docs/swagger-ui-bundle.js")
            .to_request(),
    )
    .await;
    assert_eq!(bundle.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_document_is_served_under_both_prefixes() {
    let app = http::init_service(app()).await;
    for uri in ["/openapi.json", "/v1/openapi.json"] {
        let response =
            http::call_service(&app, http::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = http::read_body_json(response).await;
        assert_eq!(body, document(), "{uri}");
    }
}

/// Writes the document to `OPENAPI_OUT` when set (for looking at it; not a check).
#[test]
fn write_the_document_when_asked() {
    if let Ok(path) = std::env::var("OPENAPI_OUT") {
        let json = serde_json::to_string_pretty(&document()).expect("serializes");
        std::fs::write(path, json).expect("writable");
    }
}

/// Every instant is documented as one: a property named `…At` is an RFC 3339 `date-time` (or null), in every
/// schema, the history's events included.
#[test]
fn every_instant_is_documented_as_a_date_time() {
    let document = document();
    let mut instants = 0;
    let schemas = document["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (schema, body) in &schemas {
        let properties = body["properties"].as_object().cloned().unwrap_or_default();
        for (name, property) in properties.iter().filter(|(name, _)| name.ends_with("At")) {
            instants += 1;
            let text = property.to_string();
            assert!(text.contains("\"date-time\""), "{schema}.{name}: {text}");
        }
    }
    assert!(instants >= 10, "{instants} instants found");
    assert!(schemas["OrderEvent"]["properties"]["occurredAt"]
        .to_string()
        .contains("date-time"));
}
