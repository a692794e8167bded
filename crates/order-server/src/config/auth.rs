//! The authentication settings: how bearer tokens are checked, or that they are not.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use order_http::auth::{TokenVerifier, MAX_LEEWAY_SECS};
use order_http::Authentication;

use super::{ConfigError, Env};

/// The shortest HS256 secret accepted: 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// `AUTH_*`: a shared secret (HS256) or a JWKS file (RS256/ES256), optionally an issuer and an audience.
#[derive(Clone, Default)]
pub struct AuthSettings {
    /// `AUTH_JWT_SECRET`: at least 32 bytes; also what `order-server token` signs with.
    pub secret: Option<String>,
    /// `AUTH_JWKS_FILE`: a JWKS document of public keys.
    pub jwks_file: Option<PathBuf>,
    /// `AUTH_ISSUER`: the `iss` every token must carry.
    pub issuer: Option<String>,
    /// `AUTH_AUDIENCE`: the `aud` every token must name.
    pub audience: Option<String>,
    /// `AUTH_LEEWAY_SECS`: the clock skew allowed on `exp` and `nbf`; default 30, at most 300.
    pub leeway_secs: u64,
    /// `AUTH_DISABLED=true`: serve without authentication even on a public address.
    pub disabled: bool,
    /// The verifier the settings above make, when authentication is on.
    pub verifier: Option<Arc<TokenVerifier>>,
}

impl AuthSettings {
    pub(super) fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let secret = env.optional("AUTH_JWT_SECRET", |v| {
            if v.len() < MIN_SECRET_BYTES {
                Err(format!("must be at least {MIN_SECRET_BYTES} bytes"))
            } else {
                Ok(v.to_owned())
            }
        })?;
        let jwks = env.optional("AUTH_JWKS_FILE", |path| {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
            let verifier = TokenVerifier::published_keys(&text).map_err(|e| e.to_string())?;
            Ok((PathBuf::from(path), verifier))
        })?;
        let issuer = env.optional("AUTH_ISSUER", |v| Ok(v.trim().to_owned()))?;
        let audience = env.optional("AUTH_AUDIENCE", |v| Ok(v.trim().to_owned()))?;
        let leeway_secs = env.number("AUTH_LEEWAY_SECS", 30, 0..=MAX_LEEWAY_SECS)?;
        let disabled = env.flag("AUTH_DISABLED", false)?;

        let (jwks_file, published) = jwks.unzip();
        let verifier = match (&secret, published) {
            (Some(_), Some(_)) => {
                return Err(ConfigError {
                    variable: "AUTH_JWKS_FILE",
                    value: jwks_file.unwrap_or_default().display().to_string(),
                    reason: "set either AUTH_JWT_SECRET or AUTH_JWKS_FILE, not both".to_owned(),
                })
            }
            (Some(secret), None) => Some(TokenVerifier::shared_secret(secret.as_bytes())),
            (None, Some(verifier)) => Some(verifier),
            (None, None) => None,
        };
        let verifier = verifier.map(|verifier| {
            let mut verifier = verifier.with_leeway(leeway_secs);
            if let Some(issuer) = &issuer {
                verifier = verifier.with_issuer(issuer);
            }
            if let Some(audience) = &audience {
                verifier = verifier.with_audience(audience);
            }
            Arc::new(verifier)
        });
        Ok(Self {
            secret,
            jwks_file,
            issuer,
            audience,
            leeway_secs,
            disabled,
            verifier,
        })
    }

    /// What the order routes ask of a request.
    pub fn authentication(&self) -> Authentication {
        match (&self.verifier, self.disabled) {
            (Some(verifier), false) => Authentication::Bearer(verifier.clone()),
            _ => Authentication::Open,
        }
    }

    /// The secure default: with no authentication, serve only on a loopback address, unless
    /// `AUTH_DISABLED=true` asks for an open service explicitly.
    pub(super) fn check_listen_addr(&self, listen_addr: SocketAddr) -> Result<(), ConfigError> {
        if self.verifier.is_some() || self.disabled || listen_addr.ip().is_loopback() {
            return Ok(());
        }
        Err(ConfigError {
            variable: "LISTEN_ADDR",
            value: listen_addr.to_string(),
            reason: "not a loopback address, and no authentication is configured: set \
                     AUTH_JWT_SECRET or AUTH_JWKS_FILE, or AUTH_DISABLED=true to serve it open"
                .to_owned(),
        })
    }
}

impl fmt::Debug for AuthSettings {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("jwks_file", &self.jwks_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("disabled", &self.disabled)
            .finish()
    }
}
