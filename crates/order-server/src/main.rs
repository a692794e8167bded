use std::process::ExitCode;

use order_server::cli::{Cli, Command};
use order_server::token::{self, TokenRequest};
use order_server::{log_startup_summary, open_storage, settings, shutdown, telemetry};
use order_server::{Application, Config};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // A .env file is optional; the real environment wins over it.
    let _ = dotenvy::dotenv();
    let command = Cli::parse_args();
    if let Command::Token { args } = &command {
        return token(args);
    }
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => match EnvFilter::try_new(&directives) {
            Ok(filter) => filter,
            Err(error) => {
                return config_error(&format!("RUST_LOG={directives:?} is invalid: {error}"))
            }
        },
        Err(_) => EnvFilter::new("info"),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return config_error(&error.to_string()),
    };
    if command == Command::Config {
        print!("{}", settings::effective(|name| std::env::var(name).ok()));
        return ExitCode::SUCCESS;
    }
    telemetry::init_logging(config.log_format, filter);

    let result = actix_web::rt::System::new().block_on(async {
        match command {
            Command::Migrate => {
                drop(open_storage(&config).await?);
                tracing::info!(
                    backend = config.database.backend(),
                    "the database is migrated"
                );
            }
            Command::Serve | Command::Config | Command::Token { .. } => serve(&config).await?,
        }
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("order-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let application = Application::build(config).await?;
    log_startup_summary(config, &application);
    let server = application.server_handle();
    let grace = config.shutdown_grace;
    actix_web::rt::spawn(async move {
        match shutdown::signalled().await {
            Ok(signal) => tracing::info!(signal, ?grace, "shutting down gracefully"),
            Err(error) => tracing::error!(%error, "cannot listen for signals; shutting down"),
        }
        let graceful = server.clone();
        actix_web::rt::spawn(async move { graceful.stop(true).await });
        // A second signal does not wait for the grace period.
        if let Ok(signal) = shutdown::signalled().await {
            tracing::warn!(
                signal,
                "second signal: stopping without waiting for in-flight requests"
            );
            server.stop(false).await;
        }
    });
    application.run_until_stopped().await?;
    Ok(())
}

/// `order-server token --role store --store-id s1 [--sub ...] [--ttl 1h]`: prints a dev token.
fn token(args: &[String]) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return config_error(&error.to_string()),
    };
    let minted = TokenRequest::parse(args)
        .and_then(|request| token::mint(&config.auth, &request, chrono::Utc::now()));
    match minted {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("order-server token: {error}");
            ExitCode::from(2)
        }
    }
}

/// Bad configuration: one line naming the variable, exit code 2.
fn config_error(message: &str) -> ExitCode {
    eprintln!("order-server: configuration error: {message}");
    ExitCode::from(2)
}
