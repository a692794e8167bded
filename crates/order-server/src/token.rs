//! `order-server token`: mints an HS256 token with the configured secret, for local use and the README's
//! examples. Not an identity provider: production tokens come from one, checked with `AUTH_JWKS_FILE`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{EncodingKey, Header};
use order_domain::{CustomerId, StoreId};
use serde::Serialize;

use crate::AuthSettings;

/// The longest a dev token may live.
pub const MAX_TTL: Duration = Duration::from_secs(30 * 86_400);

/// What to put in a token: a role, the store or customer it is confined to, a subject, a lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub role: TokenRole,
    pub subject: Option<String>,
    pub ttl: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRole {
    Admin,
    Operator,
    Store(StoreId),
    Customer(CustomerId),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenCommandError {
    #[error("{0}\nusage: order-server token --role admin|operator|store|customer [--store-id ID] [--customer-id ID] [--sub SUBJECT] [--ttl 1h]")]
    Usage(String),
    #[error("AUTH_JWT_SECRET is not set: tokens are minted with the shared secret the server checks them with")]
    NoSecret,
    #[error("cannot sign the token: {0}")]
    Signing(String),
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<&'a str>,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

impl TokenRequest {
    /// Reads `--role`, `--store-id`, `--customer-id`, `--sub` and `--ttl` (as `--name value` or `--name=value`).
    pub fn parse(args: &[String]) -> Result<Self, TokenCommandError> {
        let usage = |message: String| TokenCommandError::Usage(message);
        let (mut role, mut store, mut customer, mut subject, mut ttl) =
            (None, None, None, None, None);
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let slot = match name {
                "--role" => &mut role,
                "--store-id" => &mut store,
                "--customer-id" => &mut customer,
                "--sub" => &mut subject,
                "--ttl" => &mut ttl,
                other => return Err(usage(format!("unknown argument `{other}`"))),
            };
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .cloned()
                    .ok_or_else(|| usage(format!("{name} needs a value")))?,
            };
            *slot = Some(value);
        }
        let scope_error = |message: &str| Err(usage(message.to_owned()));
        let role = match (role.as_deref(), store, customer) {
            (None, _, _) => return scope_error("--role is required"),
            (Some("admin"), None, None) => TokenRole::Admin,
            (Some("operator"), None, None) => TokenRole::Operator,
            (Some("store"), Some(store), None) => TokenRole::Store(
                StoreId::parse(store).map_err(|e| usage(format!("--store-id {e}")))?,
            ),
            (Some("customer"), None, Some(customer)) => TokenRole::Customer(
                CustomerId::parse(customer).map_err(|e| usage(format!("--customer-id {e}")))?,
            ),
            (Some("store"), _, _) => return scope_error("role store needs --store-id (only)"),
            (Some("customer"), _, _) => {
                return scope_error("role customer needs --customer-id (only)")
            }
            (Some("admin" | "operator"), _, _) => {
                return scope_error("--store-id and --customer-id are for roles store and customer")
            }
            (Some(other), _, _) => {
                return Err(usage(format!(
                    "--role {other}: expected admin, operator, store or customer"
                )))
            }
        };
        let ttl = match ttl {
            None => Duration::from_secs(3_600),
            Some(raw) => parse_ttl(&raw).map_err(|e| usage(format!("--ttl {raw}: {e}")))?,
        };
        Ok(Self { role, subject, ttl })
    }
}

/// `90s`, `15m`, `1h`, `7d`: from one second to `MAX_TTL`.
pub fn parse_ttl(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| "expected a number and a unit: s, m, h or d".to_owned())?;
    let seconds = match unit {
        "s" | "" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3_600),
        "d" => number.checked_mul(86_400),
        _ => return Err("the unit must be s, m, h or d".to_owned()),
    };
    seconds
        .map(Duration::from_secs)
        .filter(|ttl| !ttl.is_zero() && *ttl <= MAX_TTL)
        .ok_or_else(|| "must be from 1s to 30d".to_owned())
}

/// A token for `request`, signed with the configured secret and carrying the configured issuer and audience.
pub fn mint(
    settings: &AuthSettings,
    request: &TokenRequest,
    now: DateTime<Utc>,
) -> Result<String, TokenCommandError> {
    let secret = settings
        .secret
        .as_ref()
        .ok_or(TokenCommandError::NoSecret)?;
    let (role, store_id, customer_id) = match &request.role {
        TokenRole::Admin => ("admin", None, None),
        TokenRole::Operator => ("operator", None, None),
        TokenRole::Store(store) => ("store", Some(store.as_str()), None),
        TokenRole::Customer(customer) => ("customer", None, Some(customer.as_str())),
    };
    let default_subject = format!(
        "dev-{role}{}",
        store_id
            .or(customer_id)
            .map(|id| format!("-{id}"))
            .unwrap_or_default()
    );
    let ttl = i64::try_from(request.ttl.as_secs()).unwrap_or(i64::MAX);
    let claims = Claims {
        sub: request.subject.as_deref().unwrap_or(&default_subject),
        role,
        store_id,
        customer_id,
        iat: now.timestamp(),
        exp: now.timestamp().saturating_add(ttl),
        iss: settings.issuer.as_deref(),
        aud: settings.audience.as_deref(),
    };
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| TokenCommandError::Signing(e.to_string()))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
