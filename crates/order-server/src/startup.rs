use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use order_app::{OrderService, Ports, Settings};
use order_domain::ports::{CustomerDirectory, Inventory, PaymentGateway};
use order_gateways::{
    HttpCustomers, HttpInventory, HttpPayments, StandInCustomers, StandInInventory,
    StandInPayments, SystemClock,
};
use order_storage::{DieselStorage, StorageOptions};

use crate::config::Services;
use crate::Config;

/// A running service: bound to its port, database open and migrated.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens and migrates the database, wires the adapters and binds the listener (port 0 picks a free one).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let options = StorageOptions {
            pool_size: config.database_pool_size,
            acquire_timeout: config.database_acquire_timeout,
            statement_timeout: config.database_statement_timeout,
            ..StorageOptions::new(config.database.clone())
        };
        let storage = tokio::task::spawn_blocking(move || DieselStorage::open(&options))
            .await
            .context("the database opener panicked")?
            .context("cannot open the database")?;
        let gateways = Gateways::wire(&config.services)?;
        let service = OrderService::new(
            Ports {
                orders: Arc::new(storage),
                customers: gateways.customers,
                inventory: gateways.inventory,
                payments: gateways.payments,
                clock: Arc::new(SystemClock),
            },
            Settings {
                idempotency_ttl: config.idempotency_ttl,
                ..Settings::default()
            },
        );
        spawn_idempotency_purge(service.clone(), config.idempotency_purge_interval);

        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
        let port = listener.local_addr().context("no local address")?.port();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(order_http::problem_responses())
                .configure(order_http::configure(service.clone()))
        })
        .listen(listener)
        .context("cannot serve on the listener")?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The outside services the use cases call: over HTTP where a URL is configured, the stand-ins otherwise.
struct Gateways {
    customers: Arc<dyn CustomerDirectory>,
    inventory: Arc<dyn Inventory>,
    payments: Arc<dyn PaymentGateway>,
}

impl Gateways {
    fn wire(services: &Services) -> anyhow::Result<Self> {
        let customers: Arc<dyn CustomerDirectory> = match &services.customer {
            Some(settings) => {
                tracing::info!(url = %settings.base_url, "customer service over HTTP");
                Arc::new(HttpCustomers::new(settings.clone())?)
            }
            None => Arc::new(StandInCustomers),
        };
        let inventory: Arc<dyn Inventory> = match &services.inventory {
            Some(settings) => {
                tracing::info!(url = %settings.base_url, "inventory service over HTTP");
                Arc::new(HttpInventory::new(settings.clone())?)
            }
            None => Arc::new(StandInInventory),
        };
        let payments: Arc<dyn PaymentGateway> = match &services.payment {
            Some(settings) => {
                tracing::info!(url = %settings.base_url, "payment service over HTTP");
                Arc::new(HttpPayments::new(settings.clone())?)
            }
            None => Arc::new(StandInPayments),
        };
        Ok(Self {
            customers,
            inventory,
            payments,
        })
    }
}

fn spawn_idempotency_purge(service: OrderService, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match service.purge_expired_idempotency_keys().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged expired idempotency keys"),
                Err(error) => {
                    tracing::warn!(error = ?error, "could not purge expired idempotency keys")
                }
            }
        }
    });
}
