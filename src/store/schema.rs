//! The tables, their migrations, and how a state file is recognised.
//!
//! Identity: a codedeck state file is an SQLite database whose
//! `PRAGMA application_id` is [`APPLICATION_ID`]. Version: `PRAGMA user_version`
//! is the number of [`MIGRATIONS`] applied (migration `i` brings the file to
//! version `i + 1`). Migrations are append-only: never edit a released one.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::StoreError;

/// `PRAGMA application_id` of every codedeck state file: "CDK1".
pub const APPLICATION_ID: i32 = 0x4344_4B31;

/// The first 16 bytes of every SQLite database file.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Schema migrations, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema. Every record is JSON in `json`; the other columns
    // are copies of the keys the queries need.
    r#"
    CREATE TABLE meta (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL
    );
    CREATE TABLE applications (
        application_id TEXT PRIMARY KEY NOT NULL,
        name           TEXT NOT NULL,
        json           TEXT NOT NULL
    );
    CREATE TABLE "groups" (
        group_id       TEXT PRIMARY KEY NOT NULL,
        application_id TEXT NOT NULL,
        json           TEXT NOT NULL
    );
    CREATE INDEX groups_by_application ON "groups" (application_id);
    CREATE TABLE configs (
        name TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE instances (
        name TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE revisions (
        application_id TEXT NOT NULL,
        key            TEXT NOT NULL,
        json           TEXT NOT NULL,
        PRIMARY KEY (application_id, key)
    );
    -- `seq UNIQUE` doubles as the index by seq (listing without a group filter).
    CREATE TABLE deployments (
        id             TEXT PRIMARY KEY NOT NULL,
        seq            INTEGER NOT NULL UNIQUE,
        application_id TEXT NOT NULL,
        group_id       TEXT NOT NULL,
        status         TEXT NOT NULL,
        create_time    INTEGER NOT NULL,
        external_id    TEXT,
        active         INTEGER NOT NULL,
        json           TEXT NOT NULL
    );
    CREATE INDEX deployments_by_group ON deployments (group_id, seq);
    CREATE INDEX deployments_by_external_id ON deployments (external_id, seq);
    CREATE INDEX deployments_by_application ON deployments (application_id);
    -- Only unfinished deployments: what `load` reads at start.
    CREATE INDEX deployments_active ON deployments (seq) WHERE active = 1;
    CREATE TABLE targets (
        deployment_id TEXT NOT NULL,
        idx           INTEGER NOT NULL,
        target_id     TEXT NOT NULL,
        json          TEXT NOT NULL,
        PRIMARY KEY (deployment_id, idx)
    );
    -- idx last, so the first match by index order comes straight from the index.
    CREATE INDEX targets_by_target_id ON targets (deployment_id, target_id, idx);
    CREATE TABLE hosts (
        id   TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE alarms (
        name TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE events (
        seq  INTEGER PRIMARY KEY,
        json TEXT NOT NULL
    );
    "#,
    // 2: the fleet moves out of `meta`'s step-by-step writes into its own row:
    // it is large and changes only when a new fleet file is given.
    r#"
    CREATE TABLE fleet (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL
    );
    "#,
    // 3: simulated Lambda functions and ECS services, whose aliases and task
    // sets deployments change.
    r#"
    CREATE TABLE functions (
        name TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    CREATE TABLE services (
        key  TEXT PRIMARY KEY NOT NULL,
        json TEXT NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// What the file at a path turned out to be before SQLite opens it for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// No file, or an empty one: a new state file.
    Fresh,
    /// A codedeck state file (possibly an older schema).
    Ours,
}

/// Decides whether the file at `path` may be opened as a state file, without
/// ever writing to it. Call with the owner lock held.
pub(crate) fn inspect(path: &Path) -> Result<Existing, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        cause: source,
    };
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Fresh),
        Err(e) => return Err(io(e)),
    };
    if len == 0 {
        return Ok(Existing::Fresh);
    }
    let mut header = Vec::with_capacity(100);
    File::open(path)
        .map_err(io)?
        .take(100)
        .read_to_end(&mut header)
        .map_err(io)?;
    if !header.starts_with(SQLITE_HEADER) {
        return Err(StoreError::NotSqlite {
            path: path.to_path_buf(),
        });
    }
    // Bytes 68..72 hold application_id (big-endian). A foreign non-zero value
    // settles it without SQLite; zero may still be ours with the header update
    // sitting in the WAL, so ask SQLite.
    if let Some(id) = header.get(68..72) {
        let id = i32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        if id != 0 && id != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
            });
        }
    }
    probe(path)
}

/// Reads identity and version through a read-only connection (which never
/// rolls back a journal or checkpoints a WAL into someone else's file).
fn probe(path: &Path) -> Result<Existing, StoreError> {
    let sql = |e| StoreError::sqlite(path, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(sql)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    drop(conn);
    if app_id != APPLICATION_ID {
        if app_id == 0 && version == 0 && objects == 0 {
            return Ok(Existing::Fresh);
        }
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
        });
    }
    check_version(path, version)?;
    Ok(Existing::Ours)
}

fn check_version(path: &Path, found: i64) -> Result<(), StoreError> {
    if found > current_version() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: current_version(),
        });
    }
    Ok(())
}

/// Brings the schema up to date in one transaction and stamps the identity.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(path, e);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    check_version(path, version)?;
    if version == current_version() {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    // Re-read under the write lock.
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    check_version(path, version)?;
    let from = usize::try_from(version).unwrap_or(0);
    for step in MIGRATIONS.iter().skip(from) {
        tx.execute_batch(step).map_err(sql)?;
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
        current_version()
    ))
    .map_err(sql)?;
    tx.commit().map_err(sql)
}
