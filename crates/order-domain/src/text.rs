use thiserror::Error;

/// Why a piece of text cannot be an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// The one rule for caller-chosen identifiers (store, customer, product ids, idempotency keys).
pub(crate) fn check_identifier(raw: &str, max: usize) -> Result<(), TextError> {
    if raw.trim().is_empty() {
        return Err(TextError::Empty);
    }
    if raw.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if raw.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}
