use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

const DEFAULT_ADDR: &str = "127.0.0.1:3100";

fn main() -> ExitCode {
    let addr = std::env::var("STANDINS_LISTEN_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let Ok(addr) = addr.trim().parse::<SocketAddr>() else {
        eprintln!("order-standins: configuration error: STANDINS_LISTEN_ADDR={addr:?} is invalid: expected host:port");
        return ExitCode::from(2);
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let result = actix_web::rt::System::new().block_on(async {
        let listener = TcpListener::bind(addr)?;
        tracing::info!(%addr, "stand-in services listening");
        order_standins::serve(listener)?.await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("order-standins: {error:#}");
            ExitCode::FAILURE
        }
    }
}
