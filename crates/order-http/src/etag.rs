//! Entity tags are order versions: a strong tag `"<version>"` per representation.

use actix_web::http::header::{self, EntityTag, Header, IfMatch, IfNoneMatch};
use actix_web::HttpRequest;
use order_domain::{Version, VersionCheck};

use crate::error::ApiError;
use crate::problem::FieldProblem;

pub(crate) fn etag(version: Version) -> EntityTag {
    EntityTag::new_strong(version.get().to_string())
}

fn version_of(tag: &EntityTag) -> Option<Version> {
    tag.tag().parse().ok().and_then(Version::new)
}

/// `If-Match`: the versions a write may apply to. Strong comparison, so weak tags never match.
pub(crate) fn if_match(request: &HttpRequest) -> Result<VersionCheck, ApiError> {
    if !request.headers().contains_key(header::IF_MATCH) {
        return Ok(VersionCheck::Any);
    }
    match IfMatch::parse(request) {
        Ok(IfMatch::Any) => Ok(VersionCheck::Any),
        Ok(IfMatch::Items(tags)) => Ok(VersionCheck::OneOf(
            tags.iter()
                .filter(|t| !t.weak)
                .filter_map(version_of)
                .collect(),
        )),
        Err(_) => Err(bad_header("If-Match")),
    }
}

/// `If-None-Match` on a read: whether the client's copy at `current` is still fresh (weak comparison).
pub(crate) fn is_fresh(request: &HttpRequest, current: Version) -> bool {
    if !request.headers().contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    match IfNoneMatch::parse(request) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag(current))),
        Err(_) => false,
    }
}

fn bad_header(name: &'static str) -> ApiError {
    ApiError::bad_request(
        format!("the {name} header is not a list of entity tags"),
        vec![FieldProblem::at_header(
            name,
            "must be `*` or a list of entity tags such as \"3\"",
        )],
    )
}
