use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::web::{self, Data, PayloadConfig, QueryConfig, ServiceConfig};
use actix_web::HttpResponse;
use order_app::OrderService;

use crate::error::ApiError;
use crate::handlers::{events, health, lifecycle, orders};
use crate::problem::Problem;

/// The largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Registers every route at the root and again under `/v1`, with the extractor settings they rely on.
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
            }))
            .service(web::scope("/v1").configure(routes))
            .configure(routes);
    }
}

fn routes(config: &mut ServiceConfig) {
    config
        .service(
            web::resource("/orders")
                .route(web::get().to(orders::list_orders))
                .route(web::post().to(orders::create_order))
                .default_service(web::to(|| method_not_allowed("GET, POST"))),
        )
        .service(
            web::resource("/orders/{id}")
                .route(web::get().to(orders::get_order))
                .route(web::delete().to(orders::delete_order))
                .default_service(web::to(|| method_not_allowed("GET, DELETE"))),
        )
        .service(
            web::resource("/orders/{id}/events")
                .route(web::get().to(events::order_events))
                .default_service(web::to(|| method_not_allowed("GET"))),
        )
        .service(
            web::resource("/orders/{id}/payment")
                .route(web::put().to(lifecycle::pay))
                .default_service(web::to(|| method_not_allowed("PUT"))),
        )
        .service(
            web::resource("/orders/{id}/shipping")
                .route(web::put().to(lifecycle::set_shipping_address))
                .default_service(web::to(|| method_not_allowed("PUT"))),
        )
        .service(
            web::resource("/orders/{id}/shipment/tracking")
                .route(web::put().to(lifecycle::record_tracking))
                .default_service(web::to(|| method_not_allowed("PUT"))),
        )
        .service(
            web::resource("/orders/{id}/status")
                .route(web::put().to(lifecycle::change_status))
                .default_service(web::to(|| method_not_allowed("PUT"))),
        )
        .service(
            web::resource("/health/live")
                .route(web::get().to(health::live))
                .default_service(web::to(|| method_not_allowed("GET"))),
        )
        .service(
            web::resource("/health/ready")
                .route(web::get().to(health::ready))
                .default_service(web::to(|| method_not_allowed("GET"))),
        );
}

async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = Problem::status(StatusCode::METHOD_NOT_ALLOWED)
        .detail(format!("this resource allows {allow}"))
        .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}
