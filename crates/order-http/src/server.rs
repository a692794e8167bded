//! The HTTP server: an actix-web app served by actix-http's HTTP/1 service, as `HttpServer` does, but over
//! connections wrapped so that the dispatcher's own error answers are problems too (`h1_problems`), and with a
//! cap on concurrent connections for the whole process.

use std::fmt;
use std::io;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::error::DispatchError;
use actix_http::{HttpService, Request, Response};
use actix_server::Server;
use actix_service::{
    fn_service, map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt,
};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;

use crate::h1_problems::ProblemIo;

#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Client connections served at once across all workers; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a request head may take to arrive (`408` problem after it).
    pub head_timeout: Duration,
    /// How long in-flight requests may take to finish once the server is told to stop. The server listens to
    /// no signal itself: its owner stops it through its handle.
    pub shutdown_grace: Duration,
}

/// Serves the apps that `app` builds (one per worker) on `listener`, until the returned server is stopped.
pub fn serve<F, I, S, B>(listener: TcpListener, app: F, limits: ServerLimits) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let local = listener.local_addr()?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    // actix counts connections per worker.
    let per_worker = (limits.max_connections / workers).max(1);
    Ok(Server::build()
        .workers(workers)
        .max_concurrent_connections(per_worker)
        .disable_signals()
        .shutdown_timeout(limits.shutdown_grace.as_secs())
        .listen("order-http", listener, move || {
            let app = app()
                .into_factory()
                .map_err(|error| error.into().error_response());
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, DispatchError>((ProblemIo::new(io), peer))
            })
            .and_then(
                HttpService::build()
                    .client_request_timeout(limits.head_timeout)
                    // As HttpServer: a second to close a connection whose client does not read.
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(local)
                    .h1(map_config(app, move |_| AppConfig::default())),
            )
        })?
        .run())
}
