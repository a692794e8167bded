//! Stand-ins for the outside services (customer, inventory, payment, shipping, notification), kept apart from
//! the real clients: the in-process ports (`StandInPayments`, ...) that are the zero-setup default of a local
//! run, and a server speaking the same HTTP contracts (`serve`, `configure`), both answering by `test_values`.
//! The payment stand-ins keep a `PaymentLedger` and the inventory stand-ins a `RestockBook`, both honouring
//! idempotency keys as real providers do.

mod contracts;
mod in_process;
pub mod ledger;
pub mod restocks;
pub mod test_values;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use contracts::configure;
pub use in_process::{
    StandInCustomers, StandInInventory, StandInNotifier, StandInPayments, StandInShipping,
};
pub use ledger::PaymentLedger;
pub use restocks::RestockBook;

/// Serves every contract on `listener` (port 0 picks a free one); the returned server runs when awaited.
pub fn serve(listener: TcpListener) -> std::io::Result<Server> {
    serve_with_ledger(listener, Arc::default())
}

/// `serve` with the payment books given: a test keeps them to inspect, or to serve them again after an outage.
pub fn serve_with_ledger(
    listener: TcpListener,
    ledger: Arc<PaymentLedger>,
) -> std::io::Result<Server> {
    let payments = web::Data::from(ledger);
    let reservations = web::Data::new(contracts::Reservations::default());
    let restocks = web::Data::new(RestockBook::default());
    Ok(HttpServer::new(move || {
        App::new().configure(configure(
            payments.clone(),
            reservations.clone(),
            restocks.clone(),
        ))
    })
    .workers(1)
    .listen(listener)?
    .run())
}
