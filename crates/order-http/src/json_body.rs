//! Reading a JSON body: content type, then syntax and types with the path of whatever is wrong, and nothing
//! after the one document.

use actix_web::{HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::problem::FieldProblem;

fn is_json(request: &HttpRequest) -> bool {
    match request.mime_type() {
        Ok(Some(mime)) => {
            mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON)
        }
        _ => false,
    }
}

pub(crate) fn parse<T: DeserializeOwned>(
    request: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if !is_json(request) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = json_pointer(error.path());
        let inner = error.into_inner();
        let detail = if inner.is_syntax() || inner.is_eof() {
            format!("the body is not valid JSON: {inner}")
        } else {
            format!("the body does not have the expected shape: {inner}")
        };
        let errors = match pointer {
            Some(pointer) if !(inner.is_syntax() || inner.is_eof()) => {
                vec![FieldProblem::at_pointer(
                    pointer,
                    strip_position(&inner.to_string()),
                )]
            }
            _ => Vec::new(),
        };
        ApiError::bad_request(detail, errors)
    })?;
    // One document and nothing after it but whitespace: `{...}xyz` or `{...}{...}` is not a body to act on.
    deserializer.end().map_err(|error| {
        ApiError::bad_request(
            format!("the body must be exactly one JSON document, but more follows it: {error}"),
            vec![FieldProblem::at_pointer(
                "",
                "data follows the JSON document",
            )],
        )
    })?;
    Ok(value)
}

/// `items[1].quantity` as the JSON pointer `/items/1/quantity`; `None` for the whole document.
fn json_pointer(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => return None,
        }
    }
    (!pointer.is_empty()).then_some(pointer)
}

/// serde_json's messages end in " at line 1 column 42", which says nothing next to a pointer.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
