use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use order_domain::Role;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

use super::{KeySetError, TokenError, TokenVerifier};

const SECRET: &[u8] = b"a test secret of at least thirty-two bytes";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(extra: Value) -> Value {
    let mut claims = json!({"sub": "alice", "role": "admin", "exp": now() + 600});
    if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        for (name, value) in extra {
            claims.insert(name.clone(), value.clone());
        }
    }
    claims
}

fn hs256(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("encodes")
}

fn verify(claims_extra: Value) -> Result<order_domain::Principal, TokenError> {
    TokenVerifier::shared_secret(SECRET).verify(&hs256(&claims(claims_extra), SECRET))
}

/// An ES256 key pair: the signing key and its JWKS entry under `kid`.
fn es256_key(kid: &str) -> (EncodingKey, Value) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .expect("pair");
    // An uncompressed point: 0x04, x, y.
    let point = pair.public_key().as_ref();
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    });
    (EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
}

fn es256(claims: &Value, key: &EncodingKey, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("encodes")
}

#[test]
fn a_valid_token_proves_its_subject_and_role() {
    let principal = verify(json!({"role": "store", "store_id": "s1"})).expect("valid");
    assert_eq!(principal.subject(), "alice");
    assert!(matches!(principal.role(), Role::Store(s) if s.as_str() == "s1"));
    let principal = verify(json!({"role": "customer", "customer_id": "c1"})).expect("valid");
    assert!(matches!(principal.role(), Role::Customer(c) if c.as_str() == "c1"));
    assert_eq!(
        verify(json!({"role": "operator"})).map(|p| p.role().clone()),
        Ok(Role::Operator)
    );
}

#[test]
fn a_role_without_its_scope_claim_is_refused() {
    assert!(matches!(
        verify(json!({"role": "store"})),
        Err(TokenError::BadClaims(_))
    ));
    assert!(matches!(
        verify(json!({"role": "customer", "store_id": "s1"})),
        Err(TokenError::BadClaims(_))
    ));
    assert!(matches!(
        verify(json!({"role": "root"})),
        Err(TokenError::BadClaims(_))
    ));
    assert!(matches!(
        verify(json!({"sub": " "})),
        Err(TokenError::BadClaims(_))
    ));
}

#[test]
fn expiry_is_checked_with_a_small_leeway() {
    assert_eq!(
        verify(json!({"exp": now() - 120})).err(),
        Some(TokenError::Expired)
    );
    assert!(verify(json!({"exp": now() - 10})).is_ok());
    let no_exp = hs256(&json!({"sub": "alice", "role": "admin"}), SECRET);
    assert!(matches!(
        TokenVerifier::shared_secret(SECRET).verify(&no_exp),
        Err(TokenError::BadClaims(_))
    ));
}

#[test]
fn a_token_not_valid_yet_is_refused() {
    assert_eq!(
        verify(json!({"nbf": now() + 120})).err(),
        Some(TokenError::NotYetValid)
    );
    assert!(verify(json!({"nbf": now() + 10})).is_ok());
}

#[test]
fn the_leeway_is_bounded() {
    let verifier = TokenVerifier::shared_secret(SECRET).with_leeway(u64::MAX);
    let token = hs256(&claims(json!({"exp": now() - 3600})), SECRET);
    assert_eq!(verifier.verify(&token).err(), Some(TokenError::Expired));
}

#[test]
fn a_token_signed_with_another_secret_is_refused() {
    let token = hs256(
        &claims(json!({})),
        b"another secret, just as long as the first",
    );
    assert_eq!(
        TokenVerifier::shared_secret(SECRET).verify(&token).err(),
        Some(TokenError::BadSignature)
    );
}

#[test]
fn garbage_and_unsigned_tokens_are_refused() {
    let verifier = TokenVerifier::shared_secret(SECRET);
    assert_eq!(
        verifier.verify("not a token").err(),
        Some(TokenError::Malformed)
    );
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());
    assert!(verifier.verify(&format!("{header}.{payload}.")).is_err());
    // The algorithm is the key's: an HS512 token is refused even when signed with the right secret.
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(json!({})),
        &EncodingKey::from_secret(SECRET),
    )
    .expect("encodes");
    assert_eq!(
        verifier.verify(&token).err(),
        Some(TokenError::WrongAlgorithm)
    );
}

#[test]
fn issuer_and_audience_are_checked_when_configured() {
    let verifier = TokenVerifier::shared_secret(SECRET)
        .with_issuer("https://id.example")
        .with_audience("orders");
    let token = |extra| hs256(&claims(extra), SECRET);
    let good = json!({"iss": "https://id.example", "aud": "orders"});
    assert!(verifier.verify(&token(good)).is_ok());
    assert_eq!(
        verifier
            .verify(&token(
                json!({"iss": "https://evil.example", "aud": "orders"})
            ))
            .err(),
        Some(TokenError::WrongIssuer)
    );
    assert_eq!(
        verifier
            .verify(&token(
                json!({"iss": "https://id.example", "aud": "billing"})
            ))
            .err(),
        Some(TokenError::WrongAudience)
    );
    assert!(matches!(
        verifier.verify(&token(json!({"aud": "orders"}))),
        Err(TokenError::BadClaims(_))
    ));
    // Unconfigured, an audience in the token is no reason to refuse it.
    assert!(verify(json!({"aud": "anything"})).is_ok());
}

#[test]
fn published_keys_verify_tokens_chosen_by_kid() {
    let (key1, jwk1) = es256_key("k1");
    let (key2, jwk2) = es256_key("k2");
    let jwks = json!({ "keys": [jwk1, jwk2] }).to_string();
    let verifier = TokenVerifier::published_keys(&jwks).expect("key set");
    let claims = claims(json!({}));
    assert!(verifier.verify(&es256(&claims, &key1, Some("k1"))).is_ok());
    assert!(verifier.verify(&es256(&claims, &key2, Some("k2"))).is_ok());
    assert_eq!(
        verifier.verify(&es256(&claims, &key1, Some("k2"))).err(),
        Some(TokenError::BadSignature)
    );
    assert_eq!(
        verifier.verify(&es256(&claims, &key1, Some("k3"))).err(),
        Some(TokenError::UnknownKey)
    );
    // Two keys and no kid: no guessing.
    assert_eq!(
        verifier.verify(&es256(&claims, &key1, None)).err(),
        Some(TokenError::UnknownKey)
    );
}

#[test]
fn a_public_key_used_as_an_hmac_secret_is_refused() {
    let (_, jwk) = es256_key("k1");
    let verifier =
        TokenVerifier::published_keys(&json!({ "keys": [jwk.clone()] }).to_string()).expect("set");
    let public = jwk.to_string();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".to_owned());
    let forged = jsonwebtoken::encode(
        &header,
        &claims(json!({})),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .expect("encodes");
    assert_eq!(
        verifier.verify(&forged).err(),
        Some(TokenError::WrongAlgorithm)
    );
}

#[test]
fn a_key_set_with_a_secret_or_a_mismatched_alg_is_unusable() {
    let secret = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}).to_string();
    assert!(matches!(
        TokenVerifier::published_keys(&secret),
        Err(KeySetError::BadKey { .. })
    ));
    let (_, mut jwk) = es256_key("k1");
    jwk["alg"] = json!("RS256");
    let mismatched = json!({ "keys": [jwk] }).to_string();
    assert!(matches!(
        TokenVerifier::published_keys(&mismatched),
        Err(KeySetError::BadKey { .. })
    ));
    assert!(matches!(
        TokenVerifier::published_keys("{\"keys\": []}"),
        Err(KeySetError::Empty)
    ));
    assert!(matches!(
        TokenVerifier::published_keys("[]"),
        Err(KeySetError::NotJwks(_))
    ));
}

/// The cache: a token accepted once is taken from it, but its times are checked on every use.
mod cache {
    use super::*;

    fn store_token(exp: i64) -> String {
        hs256(
            &claims(json!({"role": "store", "store_id": "s1", "exp": exp})),
            SECRET,
        )
    }

    fn now_secs() -> u64 {
        u64::try_from(now()).expect("after the epoch")
    }

    #[test]
    fn an_accepted_token_is_remembered_and_proves_the_same_principal() {
        let verifier = TokenVerifier::shared_secret(SECRET);
        let token = store_token(now() + 600);
        let first = verifier.verify(&token).expect("valid");
        assert_eq!(verifier.cache.len(), 1);
        let again = verifier.verify(&token).expect("still valid");
        assert_eq!(again, first);
        assert_eq!(verifier.cache.len(), 1);
    }

    #[test]
    fn a_cached_token_is_refused_once_it_has_expired() {
        let verifier = TokenVerifier::shared_secret(SECRET).with_leeway(5);
        let token = store_token(now() + 60);
        verifier.verify(&token).expect("valid now");
        assert_eq!(verifier.cache.len(), 1);
        // Within the leeway after `exp`: still accepted from the cache.
        assert!(verifier.verify_at(&token, now_secs() + 64).is_ok());
        // Past it: refused, and forgotten.
        assert_eq!(
            verifier.verify_at(&token, now_secs() + 70),
            Err(TokenError::Expired)
        );
        assert_eq!(verifier.cache.len(), 0);
    }

    #[test]
    fn a_cached_token_is_refused_before_its_not_before() {
        let verifier = TokenVerifier::shared_secret(SECRET).with_leeway(0);
        let nbf = now() - 10;
        let token = hs256(&claims(json!({"nbf": nbf})), SECRET);
        verifier.verify(&token).expect("valid now");
        // A clock that went back before `nbf`: the cache applies the same rule as the decoder.
        assert_eq!(
            verifier.verify_at(&token, u64::try_from(nbf - 5).expect("positive")),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn a_tampered_copy_of_a_cached_token_is_refused_and_not_remembered() {
        let verifier = TokenVerifier::shared_secret(SECRET);
        let token = store_token(now() + 600);
        verifier.verify(&token).expect("valid");
        // Another last character of the signature.
        let mut tampered = token.clone();
        let last = tampered.pop().expect("not empty");
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(verifier.verify(&tampered), Err(TokenError::BadSignature));
        // Another subject in the payload, under the original signature.
        let parts: Vec<&str> = token.split('.').collect();
        let forged_claims = claims(json!({"sub": "mallory", "role": "admin"}));
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
            parts[2]
        );
        assert_eq!(verifier.verify(&forged), Err(TokenError::BadSignature));
        assert_eq!(verifier.cache.len(), 1);
        assert_eq!(
            verifier.verify(&token).map(|p| p.subject().to_owned()),
            Ok("alice".to_owned())
        );
    }

    #[test]
    fn a_refused_token_never_enters_the_cache() {
        let verifier = TokenVerifier::shared_secret(SECRET).with_leeway(0);
        for token in [
            store_token(now() - 60),
            hs256(&claims(json!({"role": "store"})), SECRET),
            hs256(
                &claims(json!({})),
                b"another secret of at least thirty-two bytes",
            ),
        ] {
            assert!(verifier.verify(&token).is_err());
            assert!(verifier.verify(&token).is_err(), "refused again");
        }
        assert_eq!(verifier.cache.len(), 0);
    }

    #[test]
    fn the_cache_never_holds_more_than_its_bound() {
        let mut verifier = TokenVerifier::shared_secret(SECRET);
        verifier.cache = super::super::cache::TokenCache::new(8);
        let exp = now() + 600;
        for n in 0..50 {
            let token = hs256(
                &claims(json!({"sub": format!("user-{n}"), "exp": exp})),
                SECRET,
            );
            assert_eq!(
                verifier.verify(&token).map(|p| p.subject().to_owned()),
                Ok(format!("user-{n}"))
            );
            assert!(
                verifier.cache.len() <= 8,
                "{} tokens held",
                verifier.cache.len()
            );
        }
        assert!(verifier.cache.len() >= 1);
    }

    #[test]
    fn changing_the_checks_forgets_what_was_accepted() {
        let verifier = TokenVerifier::shared_secret(SECRET);
        let token = store_token(now() + 600);
        verifier.verify(&token).expect("valid without an issuer");
        let strict = verifier.with_issuer("https://issuer.example");
        assert_eq!(
            strict.verify(&token),
            Err(TokenError::BadClaims("`iss` is missing".to_owned()))
        );
    }
}
