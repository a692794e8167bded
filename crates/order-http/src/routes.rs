use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data, PayloadConfig, QueryConfig, ServiceConfig};
use actix_web::{HttpResponse, Route};
use order_app::{Action, OrderService};

use crate::auth::{authenticate, Authentication};
use crate::dto::RenderedOrders;
use crate::error::ApiError;
use crate::handlers::{events, health, lifecycle, metadata, orders, refunds, returns, shipments};
use crate::openapi;
use crate::problem::Problem;
use crate::rate_limit::RateLimiting;

/// The largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Every route is served under each of these prefixes: at the root, and under `/v1`.
#[cfg(test)]
pub(crate) const PREFIXES: [&str; 2] = ["", "/v1"];

/// Where every order route lives; each of them needs authentication when it is on.
pub(crate) const ORDERS: &str = "/orders";

/// One order route: its method, its path under `/orders`, the policy actions its use cases ask for, and its
/// handler. The router registers exactly these, so a route cannot exist without its rule.
pub(crate) struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    // Read by the test that walks the routes; a later reader (the rate limits' read/write split) may join it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub actions: &'static [Action],
    pub handler: fn(Route) -> Route,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn route(self) -> Route {
        match self {
            Method::Get => web::get(),
            Method::Post => web::post(),
            Method::Put => web::put(),
            Method::Delete => web::delete(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Every order route and the actions it is judged by (README: who may do what).
pub(crate) const ORDER_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: Method::Get,
        path: "",
        actions: &[Action::List],
        handler: |route| route.to(orders::list_orders),
    },
    Endpoint {
        method: Method::Post,
        path: "",
        actions: &[Action::Create],
        handler: |route| route.to(orders::create_order),
    },
    Endpoint {
        method: Method::Get,
        path: "/{id}",
        actions: &[Action::Read],
        handler: |route| route.to(orders::get_order),
    },
    Endpoint {
        method: Method::Get,
        path: "/{id}/events",
        actions: &[Action::ReadHistory],
        handler: |route| route.to(events::order_events),
    },
    Endpoint {
        method: Method::Delete,
        path: "/{id}",
        actions: &[Action::Delete],
        handler: |route| route.to(orders::delete_order),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/payment",
        actions: &[Action::Pay],
        handler: |route| route.to(lifecycle::pay),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/shipping",
        actions: &[Action::SetShippingAddress],
        handler: |route| route.to(lifecycle::set_shipping_address),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/shipment/tracking",
        actions: &[Action::RecordTracking],
        handler: |route| route.to(lifecycle::record_tracking),
    },
    Endpoint {
        method: Method::Post,
        path: "/{id}/shipments",
        actions: &[Action::RecordShipment],
        handler: |route| route.to(shipments::create_shipment),
    },
    Endpoint {
        method: Method::Get,
        path: "/{id}/shipments/{shipmentId}",
        actions: &[Action::ReadShipments],
        handler: |route| route.to(shipments::get_shipment),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/shipments/{shipmentId}/tracking",
        actions: &[Action::RecordShipment],
        handler: |route| route.to(shipments::correct_tracking),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/shipments/{shipmentId}/status",
        actions: &[Action::RecordShipment],
        handler: |route| route.to(shipments::change_status),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/metadata",
        actions: &[Action::WriteMetadata],
        handler: |route| route.to(metadata::update_metadata),
    },
    Endpoint {
        method: Method::Post,
        path: "/{id}/refunds",
        actions: &[Action::Refund],
        handler: |route| route.to(refunds::request_refund),
    },
    Endpoint {
        method: Method::Post,
        path: "/{id}/returns",
        actions: &[Action::RequestReturn],
        handler: |route| route.to(returns::request_return),
    },
    Endpoint {
        method: Method::Get,
        path: "/{id}/returns/{returnId}",
        actions: &[Action::ReadReturns],
        handler: |route| route.to(returns::get_return),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/returns/{returnId}/status",
        actions: &[Action::ReceiveReturn],
        handler: |route| route.to(returns::change_status),
    },
    Endpoint {
        method: Method::Put,
        path: "/{id}/status",
        actions: &[Action::Cancel, Action::Deliver],
        handler: |route| route.to(lifecycle::change_status),
    },
];

/// Registers every route at the root and again under `/v1`, with the extractor settings they rely on. The
/// order routes sit behind authentication as `authentication` says, then the rate limits (which count the
/// principal authentication found); health stays open and unlimited.
pub fn configure(
    service: OrderService,
    authentication: Authentication,
    rate_limiting: RateLimiting,
    rendered: RenderedOrders,
) -> impl FnOnce(&mut ServiceConfig) {
    move |config| {
        config
            .app_data(Data::new(service))
            .app_data(Data::new(rendered))
            .app_data(Data::new(authentication))
            .app_data(PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(QueryConfig::default().error_handler(|error, _| {
                ApiError::bad_request(
                    format!("the query string cannot be read: {error}"),
                    Vec::new(),
                )
                .into()
            }))
            .service(web::scope("/v1").configure(routes(rate_limiting.clone())))
            .configure(routes(rate_limiting))
            .service(web::redirect(
                openapi::DOCS_PATH.trim_end_matches('/'),
                openapi::DOCS_PATH,
            ))
            .service(openapi::docs());
    }
}

/// `(METHOD, path)` of every operation the router serves (under each of `PREFIXES`): the order routes of
/// `ORDER_ENDPOINTS`, health and the OpenAPI document. The document is checked against exactly this.
#[cfg(test)]
pub(crate) fn served_operations() -> Vec<(&'static str, String)> {
    let orders = ORDER_ENDPOINTS.iter().map(|endpoint| {
        (
            endpoint.method.as_str(),
            format!("{ORDERS}{}", endpoint.path),
        )
    });
    let others = [
        ("GET", "/health/live".to_owned()),
        ("GET", "/health/ready".to_owned()),
        ("GET", openapi::DOCUMENT_PATH.to_owned()),
    ];
    orders.chain(others).collect()
}

/// Every request under `/orders` goes to the scope below, so an order route can only be added through
/// `ORDER_ENDPOINTS`. The last `wrap` runs first: `authenticate` leaves the `Principal` in the request, then
/// the rate limits count it against that principal's budget.
fn routes(rate_limiting: RateLimiting) -> impl FnOnce(&mut ServiceConfig) {
    move |config| routes_with(config, rate_limiting)
}

fn routes_with(config: &mut ServiceConfig, rate_limiting: RateLimiting) {
    config
        .service(
            web::scope(ORDERS)
                .wrap(rate_limiting)
                .wrap(from_fn(authenticate))
                .configure(order_routes),
        )
        .service(
            web::resource("/health/live")
                .route(web::get().to(health::live))
                .default_service(web::to(|| method_not_allowed("GET".to_owned()))),
        )
        .service(
            web::resource("/health/ready")
                .route(web::get().to(health::ready))
                .default_service(web::to(|| method_not_allowed("GET".to_owned()))),
        )
        .service(
            web::resource(openapi::DOCUMENT_PATH)
                .route(web::get().to(openapi::serve))
                .default_service(web::to(|| method_not_allowed("GET".to_owned()))),
        );
}

/// One resource per path of `ORDER_ENDPOINTS`, with its methods, in the table's order.
fn order_routes(config: &mut ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for endpoint in ORDER_ENDPOINTS {
        if !paths.contains(&endpoint.path) {
            paths.push(endpoint.path);
        }
    }
    for path in paths {
        let endpoints: Vec<&Endpoint> = ORDER_ENDPOINTS.iter().filter(|e| e.path == path).collect();
        let allow = endpoints
            .iter()
            .map(|e| e.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        for endpoint in endpoints {
            resource = resource.route((endpoint.handler)(endpoint.method.route()));
        }
        config
            .service(resource.default_service(web::to(move || method_not_allowed(allow.clone()))));
    }
}

async fn method_not_allowed(allow: String) -> HttpResponse {
    let mut response = Problem::status(StatusCode::METHOD_NOT_ALLOWED)
        .detail(format!("this resource allows {allow}"))
        .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;
