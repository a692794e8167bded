//! The one place where calls to outside services are made to survive a bad network: a timeout per attempt,
//! retries with exponential backoff and full jitter for calls that are safe to repeat, a circuit breaker and a
//! bound on concurrent calls per service, and the translation of every failure into a `GatewayError`.

mod breaker;
mod settings;

use std::time::{Duration, Instant, SystemTime};

use order_domain::ports::{BoxError, GatewayError};
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, RequestBuilder, StatusCode, Url};
use retry_policies::policies::ExponentialBackoff;
use retry_policies::{Jitter, RetryDecision, RetryPolicy};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use breaker::Breaker;
pub use breaker::CIRCUIT_STATE;
pub use settings::{BaseUrl, BreakerSettings, HttpSettings};

/// `gateway_calls_total{service, outcome}`: calls to outside services by how they ended (`answered`,
/// `unavailable`, `unexpected`), each call counted once whatever its retries.
pub const CALLS_TOTAL: &str = "gateway_calls_total";
/// `gateway_retries_total{service}`: the attempts made after a call's first.
pub const RETRIES_TOTAL: &str = "gateway_retries_total";

/// The header that makes a write safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// What a call does, which decides whether it may be retried. Each call says it explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// No side effect (a GET, or a query sent as POST): retried.
    Query,
    /// A write that carries this `Idempotency-Key`, so the service applies it once: retried.
    IdempotentWrite(String),
    /// A write that is not safe to repeat: never retried.
    Once,
}

impl Call {
    fn may_repeat(&self) -> bool {
        !matches!(self, Call::Once)
    }
}

/// A service's answer that is not a failure of the service (not 5xx, not 429): the caller reads its meaning.
#[derive(Debug, Clone)]
pub struct Answer {
    pub service: &'static str,
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; a malformed body is an unexpected answer.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GatewayError> {
        serde_json::from_slice(&self.body).map_err(|error| GatewayError::Unexpected {
            service: self.service,
            detail: format!("a {} answer with an unreadable body: {error}", self.status),
        })
    }

    /// This answer, as one the caller did not expect.
    pub fn unexpected(&self) -> GatewayError {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(200).collect();
        GatewayError::Unexpected {
            service: self.service,
            detail: format!("answered {}: {body}", self.status),
        }
    }
}

/// The build failed: the HTTP client could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client of the {service} service")]
pub struct ClientBuildError {
    service: &'static str,
    #[source]
    source: reqwest::Error,
}

/// One outside service, called resiliently. Cheap to share; the breaker and the bound are this value's own.
#[derive(Debug)]
pub struct HttpService {
    service: &'static str,
    client: Client,
    settings: HttpSettings,
    backoff: ExponentialBackoff,
    breaker: Breaker,
    slots: Semaphore,
}

/// Why one attempt did not bring an answer the caller can read.
enum Failure {
    /// The circuit is open for this long: nothing was sent.
    Open(Duration),
    /// Every slot stayed busy for the whole timeout: nothing was sent.
    Busy,
    TimedOut,
    Transport(reqwest::Error),
    /// The request could not be made at all (a bug of ours, not the service's): not retried.
    Broken(reqwest::Error),
    /// 5xx or 429, with the service's `Retry-After` if it gave one in seconds.
    Status(StatusCode, Option<Duration>),
}

impl HttpService {
    pub fn new(service: &'static str, settings: HttpSettings) -> Result<Self, ClientBuildError> {
        let client = Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .build()
            .map_err(|source| ClientBuildError { service, source })?;
        let backoff = ExponentialBackoff::builder()
            .retry_bounds(settings.backoff_min, settings.backoff_max)
            .jitter(Jitter::Full)
            .base(2)
            .build_with_max_retries(settings.max_retries);
        Ok(Self {
            service,
            client,
            breaker: Breaker::new(service, settings.breaker),
            slots: Semaphore::new(settings.max_concurrent.max(1)),
            backoff,
            settings,
        })
    }

    pub fn name(&self) -> &'static str {
        self.service
    }

    /// The service's URL for these path segments.
    pub fn url(&self, segments: &[&str]) -> Url {
        self.settings.base_url.join(segments)
    }

    /// Sends the request that `build` makes, attempt after attempt while `call` allows retries and the failure
    /// is transient (timeout, connection error, 5xx, 429). Any other answer is returned for the caller to read.
    /// Each call is logged (in the caller's span) and counted; never its body or headers.
    pub async fn send(
        &self,
        call: Call,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, GatewayError> {
        let started = Instant::now();
        let result = self.send_with_retries(call, build).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let outcome = match &result {
            Ok(answer) => {
                tracing::info!(
                    service = self.service,
                    status = answer.status.as_u16(),
                    latency_ms,
                    "gateway call"
                );
                "answered"
            }
            Err(error) => {
                tracing::warn!(service = self.service, latency_ms, error = %error, "gateway call failed");
                match error {
                    GatewayError::Unavailable { .. } => "unavailable",
                    GatewayError::Unexpected { .. } => "unexpected",
                }
            }
        };
        metrics::counter!(CALLS_TOTAL, "service" => self.service, "outcome" => outcome)
            .increment(1);
        result
    }

    async fn send_with_retries(
        &self,
        call: Call,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, GatewayError> {
        let started = SystemTime::now();
        let mut retries = 0;
        loop {
            let request = match &call {
                Call::IdempotentWrite(key) => build(&self.client).header(IDEMPOTENCY_KEY, key),
                Call::Query | Call::Once => build(&self.client),
            };
            let failure = match self.attempt(request).await {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            let wait = match (&failure, call.may_repeat()) {
                (Failure::Open(_) | Failure::Busy | Failure::Broken(_), _) | (_, false) => None,
                (failure, true) => self.backoff_after(started, retries, failure),
            };
            let Some(wait) = wait else {
                return Err(self.error_for(failure));
            };
            tracing::warn!(
                service = self.service,
                retry = retries + 1,
                ?wait,
                "retrying"
            );
            metrics::counter!(RETRIES_TOTAL, "service" => self.service).increment(1);
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// How long to wait before the next attempt, or `None` to give up.
    fn backoff_after(
        &self,
        started: SystemTime,
        retries: u32,
        failure: &Failure,
    ) -> Option<Duration> {
        let wait = match self.backoff.should_retry(started, retries) {
            RetryDecision::DoNotRetry => return None,
            RetryDecision::Retry { execute_after } => execute_after
                .duration_since(SystemTime::now())
                .unwrap_or_default(),
        };
        match failure {
            Failure::Status(_, Some(asked)) if *asked > self.settings.backoff_max => None,
            Failure::Status(_, Some(asked)) => Some(wait.max(*asked)),
            _ => Some(wait),
        }
    }

    async fn attempt(&self, request: RequestBuilder) -> Result<Answer, Failure> {
        let ticket = self.breaker.admit().map_err(Failure::Open)?;
        let timeout = self.settings.timeout;
        let _slot = match tokio::time::timeout(timeout, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            // The semaphore is never closed; a closed one would be as good as a full one.
            Ok(Err(_)) | Err(_) => return Err(Failure::Busy),
        };
        let exchange = async {
            let response = request.send().await?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>((status, retry_after, body))
        };
        let failure = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Failure::TimedOut,
            Ok(Err(error)) if error.is_timeout() => Failure::TimedOut,
            Ok(Err(error)) if error.is_builder() => return Err(Failure::Broken(error)),
            Ok(Err(error)) => Failure::Transport(error),
            Ok(Ok((status, retry_after, _)))
                if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS =>
            {
                Failure::Status(status, retry_after)
            }
            Ok(Ok((status, _, body))) => {
                ticket.succeeded();
                return Ok(Answer {
                    service: self.service,
                    status,
                    body,
                });
            }
        };
        ticket.failed();
        Err(failure)
    }

    fn error_for(&self, failure: Failure) -> GatewayError {
        let (retry_after, source): (Option<Duration>, BoxError) = match failure {
            Failure::Broken(error) => {
                return GatewayError::Unexpected {
                    service: self.service,
                    detail: format!("the request could not be made: {error}"),
                }
            }
            Failure::Open(remaining) => (Some(remaining), "the circuit breaker is open".into()),
            Failure::Busy => (
                None,
                format!("{} calls already in flight", self.settings.max_concurrent).into(),
            ),
            Failure::TimedOut => (
                None,
                format!("no answer within {:?}", self.settings.timeout).into(),
            ),
            Failure::Transport(error) => (None, Box::new(error)),
            Failure::Status(status, retry_after) => {
                (retry_after, format!("answered {status}").into())
            }
        };
        GatewayError::Unavailable {
            service: self.service,
            retry_after,
            source: Some(source),
        }
    }
}
