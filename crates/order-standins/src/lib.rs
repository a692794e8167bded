//! A stand-in server for the outside services (customer, inventory, payment, shipping, notification), speaking
//! their HTTP contracts with the in-process stand-ins' test values, so the order service can be run and tested
//! against real HTTP. Exports `serve` (bind-and-run on a listener) and `configure` (the routes).

mod contracts;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use contracts::configure;

/// Serves every contract on `listener` (port 0 picks a free one); the returned server runs when awaited.
pub fn serve(listener: TcpListener) -> std::io::Result<Server> {
    let refunds = web::Data::new(contracts::Refunds::default());
    let reservations = web::Data::new(contracts::Reservations::default());
    Ok(HttpServer::new(move || {
        App::new().configure(configure(refunds.clone(), reservations.clone()))
    })
    .workers(1)
    .listen(listener)?
    .run())
}
