//! The order service, assembled: typed configuration read once from the environment (`Config`), and
//! `Application`, which opens and migrates the database, wires the adapters to the use cases and serves HTTP.
//! `main.rs` only loads the configuration, sets up logging and runs an `Application` (or, with `token`, mints a
//! dev token: `token`).

mod config;
mod gateways;
mod startup;
pub mod token;

pub use config::{AuthSettings, Config, ConfigError, Services};
pub use startup::Application;
