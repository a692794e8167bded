use std::fmt;
use std::path::PathBuf;

/// Which database to use, read from a `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(SqliteLocation),
    /// A `postgres://` or `postgresql://` URL, passed to libpq as it is.
    Postgres(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    File(PathBuf),
    /// A throwaway database that lives as long as the process; served by a single connection.
    Memory,
}

impl Database {
    /// `sqlite://<path>` (`sqlite:///abs/o.db` is absolute, `sqlite://rel/o.db` relative), `sqlite::memory:`,
    /// or `postgres://user@host:port/database`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url == "sqlite::memory:" {
            return Ok(Database::Sqlite(SqliteLocation::Memory));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("the sqlite:// URL names no file".to_owned());
            }
            return Ok(Database::Sqlite(SqliteLocation::File(PathBuf::from(path))));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        Err("expected sqlite://<path>, sqlite::memory: or postgres://...".to_owned())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// Never prints a Postgres password.
impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(location) => f.debug_tuple("Sqlite").field(location).finish(),
            Database::Postgres(url) => {
                let shown = match url.split_once('@') {
                    Some((_, host)) => format!("postgres://…@{host}"),
                    None => url.clone(),
                };
                f.debug_tuple("Postgres").field(&shown).finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_backend_and_place() {
        assert_eq!(
            Database::from_url("sqlite:///tmp/o.db"),
            Ok(Database::Sqlite(SqliteLocation::File("/tmp/o.db".into())))
        );
        assert_eq!(
            Database::from_url("sqlite://data/o.db"),
            Ok(Database::Sqlite(SqliteLocation::File("data/o.db".into())))
        );
        assert_eq!(
            Database::from_url("sqlite::memory:"),
            Ok(Database::Sqlite(SqliteLocation::Memory))
        );
        assert_eq!(
            Database::from_url("postgres://u:p@db:5432/orders").map(|d| d.backend()),
            Ok("postgres")
        );
        assert!(Database::from_url("sqlite://").is_err());
        assert!(Database::from_url("mysql://localhost/orders").is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let database =
            Database::from_url("postgres://u:secret@db/orders").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{database:?}").contains("secret"));
    }
}
