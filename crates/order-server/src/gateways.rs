//! The outside services: each over HTTP when its URL is configured, otherwise its in-process stand-in.

use std::sync::Arc;

use order_domain::ports::{
    CustomerDirectory, Inventory, Notifier, PaymentGateway, ShippingService,
};
use order_gateways::{
    CachedCustomers, ClientBuildError, HttpCustomers, HttpInventory, HttpNotifier, HttpPayments,
    HttpSettings, HttpShipping,
};
use order_standins::{
    StandInCustomers, StandInInventory, StandInNotifier, StandInPayments, StandInShipping,
};

use crate::Config;

pub(crate) struct Gateways {
    pub customers: Arc<dyn CustomerDirectory>,
    pub inventory: Arc<dyn Inventory>,
    pub payments: Arc<dyn PaymentGateway>,
    pub shipping: Arc<dyn ShippingService>,
    pub notifier: Arc<dyn Notifier>,
}

/// The HTTP client when `settings` are configured, the stand-in otherwise.
fn either<T: ?Sized>(
    settings: &Option<HttpSettings>,
    http: impl FnOnce(HttpSettings) -> Result<Arc<T>, ClientBuildError>,
    stand_in: Arc<T>,
) -> Result<Arc<T>, ClientBuildError> {
    // The start-up summary (`log_startup_summary`) says which is which.
    match settings {
        Some(settings) => http(settings.clone()),
        None => Ok(stand_in),
    }
}

impl Gateways {
    pub(crate) fn wire(config: &Config) -> Result<Self, ClientBuildError> {
        let services = &config.services;
        let mut customers = either::<dyn CustomerDirectory>(
            &services.customer,
            |s| Ok(Arc::new(HttpCustomers::new(s)?)),
            Arc::new(StandInCustomers),
        )?;
        if services.customer.is_some() && !config.customer_cache_ttl.is_zero() {
            customers = Arc::new(CachedCustomers::new(
                customers,
                config.customer_cache_ttl,
                100_000,
            ));
        }
        let notifier = either::<dyn Notifier>(
            &services.notification,
            |s| Ok(Arc::new(HttpNotifier::new(s)?)),
            Arc::new(StandInNotifier),
        )?;
        Ok(Self {
            customers,
            inventory: either::<dyn Inventory>(
                &services.inventory,
                |s| Ok(Arc::new(HttpInventory::new(s)?)),
                Arc::new(StandInInventory::default()),
            )?,
            payments: either::<dyn PaymentGateway>(
                &services.payment,
                |s| Ok(Arc::new(HttpPayments::new(s)?)),
                Arc::new(StandInPayments::default()),
            )?,
            shipping: either::<dyn ShippingService>(
                &services.shipping,
                |s| Ok(Arc::new(HttpShipping::new(s)?)),
                Arc::new(StandInShipping),
            )?,
            // Customers are told by the outbox worker, after the change is committed.
            notifier,
        })
    }
}
