use std::sync::Arc;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use order_domain::ports::RepositoryError;

/// What went wrong inside a storage call, before it becomes the port's `RepositoryError`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StorageError {
    #[error(transparent)]
    Query(#[from] DieselError),
    #[error("no connection could be had from the pool")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The wait for the database (a permit, a connection, the writer's queue) outlasted the acquire timeout;
    /// the work was never started.
    #[error("waited longer than the acquire timeout for the database")]
    TimedOut,
    #[error("a stored row cannot be read back: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Domain(RepositoryError),
}

impl From<RepositoryError> for StorageError {
    fn from(error: RepositoryError) -> Self {
        StorageError::Domain(error)
    }
}

impl From<StorageError> for RepositoryError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Domain(error) => error,
            error if error.is_unavailable() => RepositoryError::Unavailable(Box::new(error)),
            error => RepositoryError::Unexpected(Box::new(error)),
        }
    }
}

impl StorageError {
    /// The database cannot be had or is overloaded: worth retrying later.
    fn is_unavailable(&self) -> bool {
        match self {
            StorageError::Pool(_) | StorageError::TimedOut => true,
            StorageError::Query(DieselError::DatabaseError(kind, info)) => {
                is_transient(kind, info.message())
            }
            _ => false,
        }
    }

    /// Whether the connection is lost: it must not go back to the pool.
    pub(crate) fn is_lost_connection(&self) -> bool {
        matches!(
            self,
            StorageError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    }

    /// Why a transaction that carried several callers' writes failed, as each of them is told.
    pub(crate) fn batch_failure(error: &Arc<StorageError>) -> RepositoryError {
        let shared = Box::new(Arc::clone(error));
        match error.is_unavailable() {
            true => RepositoryError::Unavailable(shared),
            false => RepositoryError::Unexpected(shared),
        }
    }
}

/// SQLite reports a lock it waited for in vain (SQLITE_BUSY) or a full or unreachable disk only by message.
fn is_transient(kind: &DatabaseErrorKind, message: &str) -> bool {
    matches!(
        kind,
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
    ) || [
        "database is locked",
        "database is busy",
        "disk I/O error",
        "database or disk is full",
        "unable to open",
    ]
    .iter()
    .any(|transient| message.contains(transient))
}

pub(crate) fn corrupt(what: &str, value: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what} `{value}`"))
}
