//! Everything that can go wrong with the state file, worded for the person
//! who has to fix it.

use std::path::PathBuf;

use super::lock::LockOwner;

// The causes are part of each message and not `source()`s: a chain printed
// whole (`{:#}`) would say them twice ("Is a directory: Is a directory").
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The path names a directory.
    #[error(
        "state file {} is a directory: name a file in it, e.g. --state {}",
        path.display(),
        path.join("state.db").display()
    )]
    Directory { path: PathBuf },

    /// The file system refused (permissions, missing volume, a directory in the way...).
    #[error("cannot use state file {}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },

    /// The file exists, is not empty and has no SQLite header.
    #[error(
        "{} is not a codedeck state file (not an SQLite database); it was left untouched",
        path.display()
    )]
    NotSqlite { path: PathBuf },

    /// An SQLite database made by something else.
    #[error(
        "{} is an SQLite database that does not belong to codedeck; it was left untouched",
        path.display()
    )]
    Foreign { path: PathBuf },

    /// SQLite reports the file damaged (SQLITE_CORRUPT / SQLITE_NOTADB).
    #[error(
        "state file {} is corrupt ({}); it was left untouched: \
         move it aside to start afresh",
        path.display(),
        sqlite_words(cause)
    )]
    Corrupt {
        path: PathBuf,
        cause: rusqlite::Error,
    },

    /// The file's schema version is beyond what this build can read.
    #[error(
        "state file {} was written by a newer codedeck (schema {found}, this build knows {known})",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    /// Another store (in this or another process) owns the file.
    #[error("state file {} is in use by {}", path.display(), describe_owner(.owner.as_ref()))]
    Locked {
        path: PathBuf,
        /// What the owner wrote into the lock file, if it could be read.
        owner: Option<LockOwner>,
    },

    /// Any other SQLite failure.
    #[error("state file {}: {}", path.display(), sqlite_words(cause))]
    Sqlite {
        path: PathBuf,
        cause: rusqlite::Error,
    },

    /// A stored record no longer parses as the type it was saved as.
    #[error("state file {}: cannot read {table} record {key:?}: {cause}", path.display())]
    Decode {
        path: PathBuf,
        table: &'static str,
        key: String,
        cause: serde_json::Error,
    },

    /// A record could not be turned into JSON.
    #[error("cannot encode {what} record for the state file: {cause}")]
    Encode {
        what: &'static str,
        cause: serde_json::Error,
    },

    /// An unsigned counter that SQLite's signed 64-bit integers cannot hold.
    #[error("{what} {value} is too large for the state file (limit {})", i64::MAX)]
    OutOfRange { what: &'static str, value: u64 },
}

/// An SQLite error in its own words, once: its message, else its code's.
fn sqlite_words(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) if !message.is_empty() => message.clone(),
        other => other.to_string(),
    }
}

fn describe_owner(owner: Option<&LockOwner>) -> String {
    match owner {
        Some(o) => format!(
            "codedeck pid {} (started {}: {})",
            o.pid, o.started, o.command
        ),
        None => "another codedeck process".to_string(),
    }
}

impl StoreError {
    /// Wraps an SQLite error, singling out a damaged file.
    pub(crate) fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => StoreError::Corrupt {
                path,
                cause: source,
            },
            _ => StoreError::Sqlite {
                path,
                cause: source,
            },
        }
    }
}
