//! The middleware that draws each order-route request from its client's budget: `429` over budget, and the
//! IETF draft's `RateLimit-Policy` and `RateLimit` headers on every limited response.

use std::future::{ready, Future, Ready};
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpMessage};
use order_domain::Principal;

use super::{Budget, Decision, Quota, RateLimiter, RateLimits};
use crate::problem::Problem;

/// `rate_limit_rejections_total{budget}`: requests refused with 429.
pub const REJECTIONS_TOTAL: &str = "rate_limit_rejections_total";
/// `rate_limit_redis_failed_open_total`: requests let through uncounted because Redis did not answer.
pub const FAILED_OPEN_TOTAL: &str = "rate_limit_redis_failed_open_total";

const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Limits the order routes (`/orders…`, `/v1/orders…`; health, metrics and docs are free). Reads only what
/// authentication left in the request: run it inside the authentication middleware (`wrap` it first).
#[derive(Clone)]
pub struct RateLimiting {
    limiter: Arc<dyn RateLimiter>,
    limits: RateLimits,
    /// Each budget's `RateLimit-Policy` header, written once: it changes only with the configuration.
    policies: [Option<HeaderValue>; 2],
    trust_forwarded_for: bool,
}

impl RateLimiting {
    pub fn new(limiter: Arc<dyn RateLimiter>) -> Self {
        let limits = limiter.limits();
        let policy = |budget| limits.quota(budget).and_then(|quota| policy(budget, quota));
        Self {
            policies: [policy(Budget::Reads), policy(Budget::Writes)],
            limits,
            limiter,
            trust_forwarded_for: false,
        }
    }

    /// The response's `RateLimit-Policy` and `RateLimit` headers.
    fn set_headers(&self, headers: &mut HeaderMap, budget: Budget, decision: Decision) {
        let policy = &self.policies[match budget {
            Budget::Reads => 0,
            Budget::Writes => 1,
        }];
        if let Some(policy) = policy {
            headers.insert(RATE_LIMIT_POLICY, policy.clone());
        }
        let name = budget.name();
        let (remaining, reset) = match decision {
            Decision::Allowed { remaining, reset } => (remaining, reset),
            Decision::Refused { reset, .. } => (0, reset),
            Decision::Unmetered => return,
        };
        if let Some(state) = header_value(format!("\"{name}\";r={remaining};t={}", seconds(reset)))
        {
            headers.insert(RATE_LIMIT, state);
        }
    }

    /// Takes an unauthenticated client's address from the last `X-Forwarded-For` entry (the one the proxy in
    /// front added) instead of the connection's peer. Only behind a proxy that sets it: clients can forge it.
    pub fn trust_forwarded_for(mut self, trust: bool) -> Self {
        self.trust_forwarded_for = trust;
        self
    }
}

/// The budget a request draws on, if its route is limited.
fn budget(method: &Method, path: &str) -> Option<Budget> {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    let orders = path
        .strip_prefix("/orders")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !orders {
        return None;
    }
    Some(if method == Method::GET || method == Method::HEAD {
        Budget::Reads
    } else {
        Budget::Writes
    })
}

/// Whose budget: the authenticated principal's, else the client address's.
fn client(request: &ServiceRequest, trust_forwarded_for: bool) -> String {
    if let Some(principal) = request.extensions().get::<Principal>() {
        return format!("sub:{}", principal.subject());
    }
    let forwarded = trust_forwarded_for
        .then(|| last_forwarded_for(request.headers()))
        .flatten();
    match forwarded.or_else(|| request.peer_addr().map(|peer| peer.ip())) {
        Some(address) => format!("ip:{address}"),
        None => "ip:unknown".to_owned(),
    }
}

fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .last()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Whole seconds, rounded up, as the headers count them.
fn seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

fn header_value(text: String) -> Option<HeaderValue> {
    HeaderValue::try_from(text).ok()
}

fn policy(budget: Budget, quota: Quota) -> Option<HeaderValue> {
    header_value(format!(
        "\"{}\";q={};w={}",
        budget.name(),
        quota.count(),
        quota.window().seconds()
    ))
}

fn too_many_requests(
    budget: Budget,
    quota: Quota,
    retry_after: Duration,
) -> actix_web::HttpResponse {
    let wait = seconds(retry_after).max(1);
    let mut response = Problem::new(
        "/problems/rate-limited",
        "Too many requests",
        StatusCode::TOO_MANY_REQUESTS,
    )
    .detail(format!(
        "the {} budget of {quota} is spent; retry in {wait} s",
        budget.name()
    ))
    .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(wait));
    response
}

impl<S, B> Transform<S, ServiceRequest> for RateLimiting
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RateLimitingService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RateLimitingService {
            service: Rc::new(service),
            settings: Rc::new(self.clone()),
        }))
    }
}

pub struct RateLimitingService<S> {
    service: Rc<S>,
    settings: Rc<RateLimiting>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for RateLimitingService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let settings = Rc::clone(&self.settings);
        Box::pin(async move {
            let limited = budget(request.method(), request.path())
                .and_then(|budget| settings.limits.quota(budget).map(|quota| (budget, quota)));
            let Some((budget, quota)) = limited else {
                return service.call(request).await.map(|r| r.map_into_left_body());
            };
            let client = client(&request, settings.trust_forwarded_for);
            let decision = settings.limiter.acquire(budget, &client).await;
            if let Decision::Refused { retry_after, .. } = decision {
                metrics::counter!(REJECTIONS_TOTAL, "budget" => budget.name()).increment(1);
                let mut response = too_many_requests(budget, quota, retry_after);
                settings.set_headers(response.headers_mut(), budget, decision);
                return Ok(request.into_response(response).map_into_right_body());
            }
            let mut response = service.call(request).await?;
            settings.set_headers(response.headers_mut(), budget, decision);
            Ok(response.map_into_left_body())
        })
    }
}

#[cfg(test)]
#[path = "middleware_tests.rs"]
mod tests;
