use std::io::IsTerminal;
use std::process::ExitCode;

use order_server::{Application, Config};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // A .env file is optional; the real environment wins over it.
    let _ = dotenvy::dotenv();
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
    // Colour codes only for a terminal: in a file or a log collector they are noise.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .init();

    let result = actix_web::rt::System::new().block_on(async {
        let application = Application::build(&config).await?;
        tracing::info!(address = %config.listen_addr, port = application.port(), "order service listening");
        application.run_until_stopped().await?;
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

/// Bad configuration: one line naming the variable, exit code 2.
fn config_error(message: &str) -> ExitCode {
    eprintln!("order-server: configuration error: {message}");
    ExitCode::from(2)
}
