use std::time::Duration;

use chrono::Utc;
use order_domain::Role;

use super::{mint, parse_ttl, TokenCommandError, TokenRequest, TokenRole};
use crate::Config;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

fn configured(vars: &[(&str, &str)]) -> Config {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .expect("valid configuration")
}

const SECRET: (&str, &str) = ("AUTH_JWT_SECRET", "0123456789abcdef0123456789abcdef");

#[test]
fn a_store_token_names_its_store_and_lives_an_hour_by_default() {
    let request = TokenRequest::parse(&args("--role store --store-id s1")).expect("parses");
    assert_eq!(
        request.role,
        TokenRole::Store(order_domain::StoreId::parse("s1").expect("id"))
    );
    assert_eq!(request.ttl, Duration::from_secs(3600));
    assert_eq!(request.subject, None);
}

#[test]
fn arguments_may_be_written_with_an_equals_sign() {
    let request = TokenRequest::parse(&args(
        "--role=customer --customer-id=c9 --sub=ada --ttl=15m",
    ))
    .expect("parses");
    assert_eq!(
        request.role,
        TokenRole::Customer(order_domain::CustomerId::parse("c9").expect("id"))
    );
    assert_eq!(request.subject.as_deref(), Some("ada"));
    assert_eq!(request.ttl, Duration::from_secs(900));
}

#[test]
fn a_role_and_its_scope_must_fit() {
    for line in [
        "",
        "--role store",
        "--role customer --store-id s1",
        "--role admin --store-id s1",
        "--role king",
        "--role admin --ttl 0s",
        "--role admin --ttl 31d",
        "--role admin --ttl soon",
        "--role admin --colour blue",
        "--role",
    ] {
        let result = TokenRequest::parse(&args(line));
        assert!(
            matches!(result, Err(TokenCommandError::Usage(_))),
            "{line}: {result:?}"
        );
    }
}

#[test]
fn lifetimes_take_a_unit() {
    assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_ttl("2h"), Ok(Duration::from_secs(7200)));
    assert_eq!(parse_ttl("1d"), Ok(Duration::from_secs(86_400)));
    assert!(parse_ttl("1w").is_err());
    assert!(parse_ttl("99999999999999999999d").is_err());
}

#[test]
fn a_minted_token_is_accepted_by_the_configured_verifier() {
    let config = configured(&[SECRET, ("AUTH_ISSUER", "dev"), ("AUTH_AUDIENCE", "orders")]);
    let request = TokenRequest::parse(&args("--role store --store-id s1")).expect("parses");
    let token = mint(&config.auth, &request, Utc::now()).expect("mints");
    let verifier = config.auth.verifier.expect("auth is on");
    let principal = verifier.verify(&token).expect("accepted");
    assert_eq!(principal.subject(), "dev-store-s1");
    assert!(matches!(principal.role(), Role::Store(s) if s.as_str() == "s1"));
}

#[test]
fn a_token_past_its_lifetime_is_refused() {
    let config = configured(&[SECRET]);
    let request = TokenRequest::parse(&args("--role admin --ttl 60s")).expect("parses");
    let token = mint(
        &config.auth,
        &request,
        Utc::now() - chrono::TimeDelta::hours(1),
    )
    .expect("mints");
    let verifier = config.auth.verifier.expect("auth is on");
    assert!(verifier.verify(&token).is_err());
}

#[test]
fn without_a_secret_no_token_is_minted() {
    let config = configured(&[]);
    let request = TokenRequest::parse(&args("--role admin")).expect("parses");
    assert_eq!(
        mint(&config.auth, &request, Utc::now()),
        Err(TokenCommandError::NoSecret)
    );
}
