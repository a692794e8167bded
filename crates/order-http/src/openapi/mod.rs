//! The OpenAPI 3.1 document of the API, generated from the code: the DTOs' schemas (their `ToSchema`
//! derives), the operations (`operations`), the problem types (`problems`) and the headers (`headers`).
//! Served at `/openapi.json`; `/docs/` shows it with Swagger UI, whose assets are compiled into the binary.

mod headers;
mod operations;
mod problems;
pub(crate) mod schemas;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr};
use utoipa::{IntoParams, Modify, OpenApi, ToResponse};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::problem::{FieldProblem, Problem};
use headers::RequestIdHeader;
use operations::{LIFECYCLE, OPERATIONS, ORDERS};
use problems::{
    ChangeConflict, CreateConflict, CreateRejected, DeleteConflict, Forbidden, HeadersTooLarge,
    InternalError, MalformedRequest, NotReady, OrderNotFound, PayloadTooLarge, PaymentConflict,
    PaymentDeclined, PaymentRejected, PreconditionFailed, RefundConflict, RefundRejected,
    RequestTimeout, ReturnConflict, ReturnNotFound, ReturnRejected, ReturnStatusConflict,
    ServiceUnavailable, ShipmentNotFound, StatusConflict, TooManyRequests, Unauthorized,
    UnsupportedMediaType, ValidationFailed,
};

/// Where the document is served, and where the interactive docs find it.
pub const DOCUMENT_PATH: &str = "/openapi.json";
/// Where the interactive docs are served (`/docs` redirects here).
pub const DOCS_PATH: &str = "/docs/";

const BEARER: &str = "bearerAuth";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Order service",
        version = env!("CARGO_PKG_VERSION"),
        description = include_str!("description.md"),
        license(name = "MIT", identifier = "MIT"),
    ),
    servers(
        (url = "/", description = "The API at the root."),
        (url = "/v1", description = "The same API under `/v1`: every operation is served at both."),
    ),
    paths(
        operations::create_order,
        operations::list_orders,
        operations::get_order,
        operations::order_events,
        operations::delete_order,
        operations::pay,
        operations::set_shipping_address,
        operations::record_tracking,
        operations::create_shipment,
        operations::get_shipment,
        operations::correct_shipment_tracking,
        operations::change_shipment_status,
        operations::update_metadata,
        operations::request_refund,
        operations::request_return,
        operations::get_return,
        operations::change_return_status,
        operations::change_status,
        operations::live,
        operations::ready,
        operations::openapi,
    ),
    components(
        schemas(Problem, FieldProblem),
        responses(
            MalformedRequest, Unauthorized, Forbidden, OrderNotFound, RequestTimeout, PayloadTooLarge,
            UnsupportedMediaType, TooManyRequests, HeadersTooLarge, NotReady, InternalError, ServiceUnavailable,
            PaymentDeclined, PreconditionFailed, CreateRejected, CreateConflict, ValidationFailed,
            ChangeConflict, PaymentConflict, PaymentRejected, StatusConflict, DeleteConflict,
            ShipmentNotFound, RefundRejected, RefundConflict, ReturnNotFound, ReturnRejected,
            ReturnConflict, ReturnStatusConflict,
        ),
    ),
    tags(
        (name = ORDERS, description = "Create, read, list and delete orders."),
        (name = LIFECYCLE, description = "An order's life after creation: payment, shipping address, \
            tracking, and the operators' status changes. Every change honours `If-Match`."),
        (name = OPERATIONS, description = "Probes and this document."),
    ),
    modifiers(&Additions),
)]
struct ApiDoc;

/// What the derive cannot say: the problem type schemas, the header and security components, and what
/// every operation shares (the `X-Request-Id` header, the answers any order operation can give).
struct Additions;

type NamedResponse = (&'static str, (&'static str, RefOr<Response>));

/// Answers any request can get, whatever its route: the server's own refusals of a slow or oversized head.
fn common_responses() -> [NamedResponse; 2] {
    [
        ("408", RequestTimeout::response()),
        ("431", HeadersTooLarge::response()),
    ]
}

/// Answers any order operation can give, whatever it does.
fn common_order_responses() -> [NamedResponse; 5] {
    [
        ("401", Unauthorized::response()),
        ("403", Forbidden::response()),
        ("429", TooManyRequests::response()),
        ("500", InternalError::response()),
        ("503", ServiceUnavailable::response()),
    ]
}

fn add_responses(operation: &mut Operation, responses: impl IntoIterator<Item = NamedResponse>) {
    for (status, (name, _)) in responses {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| Ref::from_response_name(name).into());
    }
}

impl Modify for Additions {
    fn modify(&self, document: &mut Document) {
        document.info.description = Some(format!(
            "{}\n\n{}",
            document.info.description.take().unwrap_or_default(),
            problems::catalogue()
        ));
        let components = document.components.get_or_insert_with(Default::default);
        for (name, schema) in problems::problem_type_schemas() {
            components.schemas.insert(name.to_owned(), schema.into());
        }
        for (name, header) in headers::response_headers() {
            components.headers.insert(name.to_owned(), header.into());
        }
        components.security_schemes.insert(
            BEARER.to_owned(),
            RefOr::T(SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A bearer token naming the caller's principal and role. While the service runs \
                         without authentication, requests without a token are served too.",
                    ))
                    .build(),
            )),
        );
        let header_names: Vec<String> = components.headers.keys().cloned().collect();
        for response in components.responses.values_mut() {
            if let RefOr::T(response) = response {
                with_headers(response, &header_names, headers::ON_EVERY_RESPONSE);
            }
        }

        for item in document.paths.paths.values_mut() {
            for operation in operations_of(item) {
                let tags = operation.tags.clone().unwrap_or_default();
                let is_order_operation = tags.iter().any(|t| t == ORDERS || t == LIFECYCLE);
                operation.parameters.get_or_insert_with(Vec::new).extend(
                    RequestIdHeader::into_params(|| None)
                        .into_iter()
                        .map(RefOr::T),
                );
                add_responses(operation, common_responses());
                if is_order_operation {
                    add_responses(operation, common_order_responses());
                    operation.security = Some(vec![
                        SecurityRequirement::new(BEARER, Vec::<String>::new()),
                        SecurityRequirement::default(),
                    ]);
                }
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        let mut extra = headers::ON_EVERY_RESPONSE.to_vec();
                        if is_order_operation {
                            extra.extend_from_slice(headers::ON_RATE_LIMITED);
                        }
                        with_headers(response, &header_names, &extra);
                    }
                }
            }
        }
    }
}

/// Points each header the response names at its component, and adds the `extra` ones.
fn with_headers(response: &mut Response, known: &[String], extra: &[&str]) {
    let component = |name: &str| RefOr::Ref(Ref::new(format!("#/components/headers/{name}")));
    for name in extra {
        response
            .headers
            .entry((*name).to_owned())
            .or_insert_with(|| component(name));
    }
    for (name, header) in response.headers.iter_mut() {
        if known.contains(name) {
            *header = component(name);
        }
    }
}

fn operations_of(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The document, built once.
pub(crate) fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// `GET /openapi.json`
pub(crate) async fn serve() -> HttpResponse {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    let json = JSON.get_or_init(|| serde_json::to_vec(document()).unwrap_or_default());
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(Bytes::from_static(json))
}

/// Swagger UI on the document, from assets compiled into the binary; nothing is fetched from elsewhere
/// (the online validator badge is off).
pub(crate) fn docs() -> SwaggerUi {
    SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}")).config(
        Config::new([DOCUMENT_PATH])
            .validator_url("none")
            .try_it_out_enabled(true),
    )
}
