//! The order service, assembled: typed configuration read once from the environment (`Config`, listed with
//! defaults in `settings::SETTINGS`), the command line (`cli`), logging and metrics set-up (`telemetry`), dev
//! tokens (`token`), and `Application`, which opens and migrates the database, wires the adapters to the use
//! cases, serves HTTP and shuts down gracefully. `main.rs` only parses the command line and the configuration,
//! sets up logging and runs the subcommand.

pub mod cli;
mod config;
mod gateways;
mod metrics_endpoint;
pub mod settings;
pub mod shutdown;
mod startup;
mod summary;
pub mod telemetry;
pub mod token;
mod workers;

pub use config::{AuthSettings, Config, ConfigError, LogFormat, Services};
pub use startup::{open_storage, storage_options, Application};
pub use summary::log_startup_summary;
