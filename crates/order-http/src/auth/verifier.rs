//! Bearer tokens to principals: the keys a token may be signed with, the checks it must pass, and the claims
//! that name its role. Knows JWT, not HTTP.

use std::collections::HashSet;
use std::fmt;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use order_domain::{CustomerId, Principal, Role, StoreId};
use serde::Deserialize;
use serde_json::Value;

use super::cache::{self, TokenCache, TokenTimes};

/// The most clock skew `exp` and `nbf` are ever given.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Checks bearer tokens: the signature against a key the service trusts (the algorithm is the key's, never
/// the token's), `exp` and `nbf` within a small leeway, `iss` and `aud` when configured, then the claims.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: KeySet,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_secs: u64,
    /// The tokens accepted so far; emptied by every change of the checks.
    cache: TokenCache,
}

#[derive(Clone)]
enum KeySet {
    /// `AUTH_JWT_SECRET`: HS256 only.
    Shared(DecodingKey),
    /// `AUTH_JWKS_FILE`: public keys, each with the one algorithm it signs with.
    Published(Vec<PublishedKey>),
}

#[derive(Clone)]
struct PublishedKey {
    id: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Why a key set cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeySetError {
    #[error("not a JWKS document: {0}")]
    NotJwks(String),
    #[error("the key set holds no key")]
    Empty,
    #[error("key {key}: {reason}")]
    BadKey { key: String, reason: String },
}

/// Why a token is refused; each is a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token is signed with an algorithm this service does not accept for its key")]
    WrongAlgorithm,
    #[error("the token is signed by a key this service does not know")]
    UnknownKey,
    #[error("the token is for another audience")]
    WrongAudience,
    #[error("the token comes from another issuer")]
    WrongIssuer,
    #[error("the token's claims are unusable: {0}")]
    BadClaims(String),
}

/// The claims this service reads; the registered ones (`exp`, `nbf`, `iss`, `aud`) are checked by the decoder.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    role: String,
    store_id: Option<String>,
    customer_id: Option<String>,
    /// Read again only to know until when an accepted token may be taken from the cache.
    #[serde(default)]
    exp: Option<Value>,
    #[serde(default)]
    nbf: Option<Value>,
}

impl TokenVerifier {
    /// Tokens signed with HS256 and this shared secret.
    pub fn shared_secret(secret: &[u8]) -> Self {
        Self::with_keys(KeySet::Shared(DecodingKey::from_secret(secret)))
    }

    /// Tokens signed by one of the public keys of a JWKS document (RS256 or ES256), chosen by `kid`.
    pub fn published_keys(jwks: &str) -> Result<Self, KeySetError> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| KeySetError::NotJwks(e.to_string()))?;
        if set.keys.is_empty() {
            return Err(KeySetError::Empty);
        }
        let keys = set
            .keys
            .iter()
            .enumerate()
            .map(|(index, jwk)| published_key(index, jwk))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::with_keys(KeySet::Published(keys)))
    }

    fn with_keys(keys: KeySet) -> Self {
        Self {
            keys,
            issuer: None,
            audience: None,
            leeway_secs: 30,
            cache: TokenCache::new(cache::CAPACITY),
        }
    }

    /// Only tokens whose `iss` is `issuer` (the claim is then required).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self.cache = TokenCache::new(cache::CAPACITY);
        self
    }

    /// Only tokens whose `aud` names `audience` (the claim is then required).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self.cache = TokenCache::new(cache::CAPACITY);
        self
    }

    /// The clock skew allowed on `exp` and `nbf`, at most `MAX_LEEWAY_SECS`.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway_secs = seconds.min(MAX_LEEWAY_SECS);
        self.cache = TokenCache::new(cache::CAPACITY);
        self
    }

    /// The principal a valid token proves. A token accepted before is taken from the cache, its `exp` and
    /// `nbf` checked again now; any other is checked in full and, if accepted, remembered.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        match cache::now() {
            Some(now) => self.verify_at(token, now),
            None => self.verify_in_full(token).map(|(principal, _)| principal),
        }
    }

    /// `verify` with the cache's clock at `now` (seconds since the epoch).
    fn verify_at(&self, token: &str, now: u64) -> Result<Principal, TokenError> {
        if let Some(known) = self.cache.get(token, now, self.leeway_secs) {
            return known;
        }
        let (principal, times) = self.verify_in_full(token)?;
        if let Some(times) = times {
            self.cache
                .insert(token, &principal, times, now, self.leeway_secs);
        }
        Ok(principal)
    }

    /// Signature, registered claims and role, from the token alone; with the times it holds between.
    fn verify_in_full(&self, token: &str) -> Result<(Principal, Option<TokenTimes>), TokenError> {
        let (algorithm, key) = self.key_for(token)?;
        let validation = self.validation(algorithm);
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|error| match error
                .kind()
            {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm,
                ErrorKind::InvalidAudience => TokenError::WrongAudience,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::MissingRequiredClaim(claim) => {
                    TokenError::BadClaims(format!("`{claim}` is missing"))
                }
                ErrorKind::Json(error) => TokenError::BadClaims(error.to_string()),
                _ => TokenError::Malformed,
            })?;
        let times = TokenTimes::of(data.claims.exp.as_ref(), data.claims.nbf.as_ref());
        Ok((principal(data.claims)?, times))
    }

    fn key_for(&self, token: &str) -> Result<(Algorithm, &DecodingKey), TokenError> {
        match &self.keys {
            KeySet::Shared(key) => Ok((Algorithm::HS256, key)),
            KeySet::Published(keys) => {
                let header =
                    jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
                let chosen = match header.kid {
                    Some(kid) => keys.iter().find(|k| k.id.as_deref() == Some(kid.as_str())),
                    None if keys.len() == 1 => keys.first(),
                    None => None,
                };
                chosen
                    .map(|k| (k.algorithm, &k.key))
                    .ok_or(TokenError::UnknownKey)
            }
        }
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required: HashSet<String> = ["exp", "sub"].map(str::to_owned).into();
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.insert("iss".to_owned());
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.insert("aud".to_owned());
            }
            None => validation.validate_aud = false,
        }
        validation.required_spec_claims = required;
        validation
    }
}

fn published_key(index: usize, jwk: &Jwk) -> Result<PublishedKey, KeySetError> {
    let name = jwk
        .common
        .key_id
        .clone()
        .unwrap_or_else(|| format!("#{index}"));
    let bad = |reason: &str| KeySetError::BadKey {
        key: name.clone(),
        reason: reason.to_owned(),
    };
    let natural = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(params) if params.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => {
            return Err(bad(
                "only RSA (RS256) and P-256 (ES256) public keys are accepted",
            ))
        }
    };
    let declared = match jwk.common.key_algorithm {
        None => natural,
        Some(KeyAlgorithm::RS256) => Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => Algorithm::ES256,
        Some(_) => return Err(bad("`alg` must be RS256 or ES256")),
    };
    if declared != natural {
        return Err(bad("`alg` does not fit the key type"));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| bad(&e.to_string()))?;
    Ok(PublishedKey {
        id: jwk.common.key_id.clone(),
        algorithm: declared,
        key,
    })
}

fn principal(claims: Claims) -> Result<Principal, TokenError> {
    let bad = |reason: String| TokenError::BadClaims(reason);
    if claims.sub.trim().is_empty() {
        return Err(bad("`sub` is empty".to_owned()));
    }
    let role = match claims.role.as_str() {
        "admin" => Role::Admin,
        "operator" => Role::Operator,
        "store" => {
            let id = claims
                .store_id
                .ok_or_else(|| bad("role `store` needs a `store_id` claim".to_owned()))?;
            Role::Store(StoreId::parse(id).map_err(|e| bad(format!("`store_id` {e}")))?)
        }
        "customer" => {
            let id = claims
                .customer_id
                .ok_or_else(|| bad("role `customer` needs a `customer_id` claim".to_owned()))?;
            Role::Customer(CustomerId::parse(id).map_err(|e| bad(format!("`customer_id` {e}")))?)
        }
        other => {
            return Err(bad(format!(
                "role `{other}` is not one of admin, operator, store, customer"
            )))
        }
    };
    Ok(Principal::new(claims.sub, role))
}

impl fmt::Debug for TokenVerifier {
    /// Says how tokens are checked, never the keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = match &self.keys {
            KeySet::Shared(_) => "HS256 shared secret".to_owned(),
            KeySet::Published(keys) => format!("{} published key(s)", keys.len()),
        };
        f.debug_struct("TokenVerifier")
            .field("keys", &keys)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

#[cfg(test)]
#[path = "verifier_tests.rs"]
mod tests;
