use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Data, PayloadConfig, QueryConfig, ServiceConfig};
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, Route};
use order_app::OrderService;

use crate::error::ApiError;
use crate::handlers::{health, lifecycle, orders};
use crate::openapi;
use crate::problem::Problem;

/// The largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Every endpoint is served under each of these prefixes: at the root, and under `/v1`.
pub(crate) const PREFIXES: [&str; 2] = ["", "/v1"];

/// Every endpoint of the API, the one list the router is built from (and the OpenAPI document is checked
/// against). A path with no route for a request's method answers 405 with `Allow`.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::at("/orders")
            .on(Method::GET, orders::list_orders)
            .on(Method::POST, orders::create_order),
        Endpoint::at("/orders/{id}")
            .on(Method::GET, orders::get_order)
            .on(Method::DELETE, orders::delete_order),
        Endpoint::at("/orders/{id}/payment").on(Method::PUT, lifecycle::pay),
        Endpoint::at("/orders/{id}/shipping").on(Method::PUT, lifecycle::set_shipping_address),
        Endpoint::at("/orders/{id}/shipment/tracking").on(Method::PUT, lifecycle::record_tracking),
        Endpoint::at("/orders/{id}/status").on(Method::PUT, lifecycle::change_status),
        Endpoint::at("/health/live").on(Method::GET, health::live),
        Endpoint::at("/health/ready").on(Method::GET, health::ready),
        Endpoint::at(openapi::DOCUMENT_PATH).on(Method::GET, openapi::serve),
    ]
}

/// A path and what each of its methods runs.
pub(crate) struct Endpoint {
    pub path: &'static str,
    routes: Vec<(Method, Route)>,
}

impl Endpoint {
    fn at(path: &'static str) -> Self {
        Self {
            path,
            routes: Vec::new(),
        }
    }

    fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.routes
            .push((method.clone(), web::method(method).to(handler)));
        self
    }

    pub fn methods(&self) -> impl Iterator<Item = &Method> {
        self.routes.iter().map(|(method, _)| method)
    }

    fn into_resource(self, prefix: &str) -> Resource {
        let allow = self
            .methods()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(format!("{prefix}{}", self.path));
        for (_, route) in self.routes {
            resource = resource.route(route);
        }
        resource.default_service(web::to(move || method_not_allowed(allow.clone())))
    }
}

/// Registers every endpoint at the root and again under `/v1`, with the extractor settings they rely on,
/// and the interactive docs at `/docs/`.
pub fn configure(service: OrderService) -> impl FnOnce(&mut ServiceConfig) {
    move |config| {
        config
            .app_data(Data::new(service))
            .app_data(PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(QueryConfig::default().error_handler(|error, _| {
                ApiError::bad_request(
                    format!("the query string cannot be read: {error}"),
                    Vec::new(),
                )
                .into()
            }));
        for prefix in PREFIXES {
            for endpoint in endpoints() {
                config.service(endpoint.into_resource(prefix));
            }
        }
        config
            .service(web::redirect(
                openapi::DOCS_PATH.trim_end_matches('/'),
                openapi::DOCS_PATH,
            ))
            .service(openapi::docs());
    }
}

async fn method_not_allowed(allow: String) -> HttpResponse {
    let mut response = Problem::status(StatusCode::METHOD_NOT_ALLOWED)
        .detail(format!("this resource allows {allow}"))
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
