//! The state file: one SQLite database holding everything the engine persists.
//!
//! Each record is stored as JSON text next to copies of the few keys the
//! queries need; the store never interprets CodeDeploy rules. The engine hands
//! over each step's [`Change`]s and [`Store::commit`] applies them in one
//! transaction. At start [`Store::load`] returns what the engine keeps in
//! memory (a [`Snapshot`]); everything else (finished deployments, revisions,
//! the event log) is read on demand through [`Archive`].
//!
//! Durability: the file runs in WAL mode with `synchronous=NORMAL`. Every
//! commit is appended to the WAL before `commit` returns, so killing the
//! process at any moment (kill -9, panic, OOM) loses nothing committed: the
//! next open replays the WAL. `NORMAL` does not fsync the WAL on every commit,
//! so a power loss or OS crash may drop the last few commits (never corrupts
//! the file); `FULL` would close that gap at the price of an fsync per step,
//! which an emulator does not need.
//!
//! Ownership: one `Store` per file at a time, enforced by a lock on
//! `<path>.lock` (see [`lock`]).

mod error;
pub mod lock;
mod query;
mod reader;
pub mod schema;

#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Params};
use serde::Serialize;

use crate::state::archive::{Archive, DeploymentQuery, ListedDeployment};
use crate::state::error::ApiResult;
use crate::state::*;

pub use error::StoreError;
pub use lock::LockOwner;
use lock::OwnerLock;
use query::Queries;
pub use reader::StoreReader;

/// Prepared statements kept per connection (the fixed statements plus the
/// ListDeployments filter shapes in use).
const STATEMENT_CACHE: usize = 64;

/// The open state file (or a private in-memory database).
pub struct Store {
    // Field order is drop order: close the database before releasing the lock.
    conn: Connection,
    /// The path, or `:memory:`, for messages.
    label: PathBuf,
    path: Option<PathBuf>,
    _lock: Option<OwnerLock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.label).finish()
    }
}

impl Store {
    /// Opens (creating if missing) the state file at `path`, takes the
    /// single-owner lock, migrates.
    ///
    /// Refuses, without modifying it, a file that is not SQLite, an SQLite
    /// database that is not codedeck's, a corrupt file, and a file written by a
    /// newer schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if path.is_dir() {
            return Err(StoreError::Directory {
                path: path.to_path_buf(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                cause: source,
            })?;
        }
        let lock = OwnerLock::acquire(path)?;
        match Self::open_owned(path) {
            Ok(conn) => Ok(Store {
                conn,
                label: path.to_path_buf(),
                path: Some(path.to_path_buf()),
                _lock: Some(lock),
            }),
            Err(e) => {
                lock.abandon();
                Err(e)
            }
        }
    }

    /// Opens the database once the lock is held and the file checked.
    fn open_owned(path: &Path) -> Result<Connection, StoreError> {
        schema::inspect(path)?;
        let sql = |e| StoreError::sqlite(path, e);
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // Only ask SQLite to create the file when there is none: it never
        // replaces an existing file, and this keeps it from making one under
        // a name that appeared in between.
        if !path.exists() {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(path, flags).map_err(sql)?;
        // WAL + synchronous=NORMAL: a process kill loses nothing committed; a
        // power loss may lose the last commits but not the file (see module docs).
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                "state file {}: WAL mode unavailable, using journal mode {mode}",
                path.display()
            );
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::migrate(&mut conn, path)?;
        Ok(conn)
    }

    /// A private in-memory store (tests, --demo).
    pub fn in_memory() -> Result<Store, StoreError> {
        let label = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|e| StoreError::sqlite(&label, e))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::migrate(&mut conn, &label)?;
        Ok(Store {
            conn,
            label,
            path: None,
            _lock: None,
        })
    }

    /// The state file's path; `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.label, e)
    }

    fn queries(&self) -> Queries<'_> {
        Queries {
            conn: &self.conn,
            label: &self.label,
        }
    }

    /// Everything the engine keeps in memory: meta, applications, groups,
    /// configs, instances, hosts, alarms, and the deployments not finished
    /// (`run.is_some()`) with their targets. Finished deployments, their
    /// targets, revisions and events are not read.
    pub fn load(&self) -> Result<Snapshot, StoreError> {
        // One read transaction: a consistent view, one lock acquisition.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.sql_err(e))?;
        let q = self.queries();
        let meta = q
            .rows("meta", "SELECT id, json FROM meta WHERE id = 1", [])?
            .pop();
        let fleet = q
            .rows("fleet", "SELECT id, json FROM fleet WHERE id = 1", [])?
            .pop();
        let snapshot = Snapshot {
            meta,
            fleet,
            applications: q.rows(
                "applications",
                "SELECT application_id, json FROM applications ORDER BY application_id",
                [],
            )?,
            groups: q.rows(
                "groups",
                r#"SELECT group_id, json FROM "groups" ORDER BY group_id"#,
                [],
            )?,
            configs: q.rows(
                "configs",
                "SELECT name, json FROM configs ORDER BY name",
                [],
            )?,
            instances: q.rows(
                "instances",
                "SELECT name, json FROM instances ORDER BY name",
                [],
            )?,
            hosts: q.rows("hosts", "SELECT id, json FROM hosts ORDER BY id", [])?,
            alarms: q.rows("alarms", "SELECT name, json FROM alarms ORDER BY name", [])?,
            functions: q.rows(
                "functions",
                "SELECT name, json FROM functions ORDER BY name",
                [],
            )?,
            services: q.rows(
                "services",
                "SELECT key, json FROM services ORDER BY key",
                [],
            )?,
            active: q
                .rows::<DeploymentRecord, _>("deployments", ACTIVE_DEPLOYMENTS, [])?
                .into_iter()
                .map(|d| {
                    let targets = q.targets_of(d.id())?;
                    Ok((d, targets))
                })
                .collect::<Result<_, StoreError>>()?,
        };
        drop(tx);
        Ok(snapshot)
    }

    /// Applies one engine step's changes, in order, in one transaction.
    pub fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        self.commit_iter(changes)
    }

    /// [`Store::commit`] for changes produced lazily, e.g. a bulk import that
    /// should not hold every record in memory at once. One transaction.
    pub fn commit_iter<I>(&mut self, changes: I) -> Result<(), StoreError>
    where
        I: IntoIterator,
        I::Item: Borrow<Change>,
    {
        let label = &self.label;
        let sql = |e| StoreError::sqlite(label, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        for change in changes {
            apply(&tx, change.borrow()).map_err(|e| match e {
                Failure::Sql(e) => sql(e),
                Failure::Store(e) => e,
                Failure::Decode { key, source } => StoreError::Decode {
                    path: label.clone(),
                    table: "deployments",
                    key,
                    cause: source,
                },
            })?;
        }
        tx.commit().map_err(sql)
    }
}

/// The unfinished deployments, through the partial index `deployments_active`.
const ACTIVE_DEPLOYMENTS: &str = "SELECT id, json FROM deployments WHERE active = 1 ORDER BY seq";

/// Why applying a change failed: SQL (wrapped with the path by the caller) or
/// something already described.
enum Failure {
    Sql(rusqlite::Error),
    Store(StoreError),
    /// A stored deployment a change rewrites no longer parses.
    Decode {
        key: String,
        source: serde_json::Error,
    },
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

fn encode<T: Serialize>(what: &'static str, record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|source| StoreError::Encode {
        what,
        cause: source,
    })
}

fn int(what: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })
}

// The statements [`apply`] runs for records stored whole under one key.
const PUT_META: &str = "INSERT INTO meta (id, json) VALUES (1, ?1)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json";
const PUT_FLEET: &str = "INSERT INTO fleet (id, json) VALUES (1, ?1)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json";
const PUT_APPLICATION: &str =
    "INSERT INTO applications (application_id, name, json) VALUES (?1, ?2, ?3)
     ON CONFLICT (application_id) DO UPDATE
     SET name = excluded.name, json = excluded.json";
const PUT_GROUP: &str = r#"INSERT INTO "groups" (group_id, application_id, json) VALUES (?1, ?2, ?3)
       ON CONFLICT (group_id) DO UPDATE
       SET application_id = excluded.application_id, json = excluded.json"#;
const DELETE_GROUP: &str = r#"DELETE FROM "groups" WHERE group_id = ?1"#;
const PUT_CONFIG: &str = "INSERT INTO configs (name, json) VALUES (?1, ?2)
     ON CONFLICT (name) DO UPDATE SET json = excluded.json";
const DELETE_CONFIG: &str = "DELETE FROM configs WHERE name = ?1";
const PUT_INSTANCE: &str = "INSERT INTO instances (name, json) VALUES (?1, ?2)
     ON CONFLICT (name) DO UPDATE SET json = excluded.json";
const DELETE_INSTANCE: &str = "DELETE FROM instances WHERE name = ?1";
const PUT_REVISION: &str = "INSERT INTO revisions (application_id, key, json) VALUES (?1, ?2, ?3)
     ON CONFLICT (application_id, key) DO UPDATE SET json = excluded.json";
const PUT_HOST: &str = "INSERT INTO hosts (id, json) VALUES (?1, ?2)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json";
const PUT_ALARM: &str = "INSERT INTO alarms (name, json) VALUES (?1, ?2)
     ON CONFLICT (name) DO UPDATE SET json = excluded.json";
const PUT_FUNCTION: &str = "INSERT INTO functions (name, json) VALUES (?1, ?2)
     ON CONFLICT (name) DO UPDATE SET json = excluded.json";
const PUT_SERVICE: &str = "INSERT INTO services (key, json) VALUES (?1, ?2)
     ON CONFLICT (key) DO UPDATE SET json = excluded.json";
const PUT_EVENT: &str = "INSERT INTO events (seq, json) VALUES (?1, ?2)";

/// Runs one cached statement.
fn run<P: Params>(conn: &Connection, sql: &str, args: P) -> Result<(), Failure> {
    conn.prepare_cached(sql)?.execute(args)?;
    Ok(())
}

/// Applies one change inside the step's transaction.
fn apply(conn: &Connection, change: &Change) -> Result<(), Failure> {
    match change {
        Change::Meta(m) => run(conn, PUT_META, [encode("meta", m)?]),
        Change::Fleet(f) => run(conn, PUT_FLEET, [encode("fleet", f)?]),
        Change::Application(a) => run(
            conn,
            PUT_APPLICATION,
            params![a.id(), a.name(), encode("application", a)?],
        ),
        Change::ApplicationDeleted { application_id } => delete_application(conn, application_id),
        Change::Group(g) => run(
            conn,
            PUT_GROUP,
            params![g.id(), g.application_id, encode("deployment group", g)?],
        ),
        Change::GroupDeleted { group_id } => run(conn, DELETE_GROUP, [group_id]),
        Change::Config(c) => run(
            conn,
            PUT_CONFIG,
            params![c.name(), encode("deployment config", c)?],
        ),
        Change::ConfigDeleted { name } => run(conn, DELETE_CONFIG, [name]),
        Change::Instance(i) => run(
            conn,
            PUT_INSTANCE,
            params![i.name(), encode("instance", i)?],
        ),
        Change::InstanceDeleted { name } => run(conn, DELETE_INSTANCE, [name]),
        Change::Revision(r) => run(
            conn,
            PUT_REVISION,
            params![r.application_id, r.key, encode("revision", r)?],
        ),
        Change::Deployment(d) => put_deployment(conn, d),
        Change::RollbackMessage {
            deployment_id,
            message,
        } => set_rollback_message(conn, deployment_id, message),
        Change::Target(t) => put_target(conn, t),
        Change::Host(h) => run(conn, PUT_HOST, params![h.id, encode("host", h)?]),
        Change::Alarm(a) => run(conn, PUT_ALARM, params![a.name, encode("alarm", a)?]),
        Change::Function(f) => run(conn, PUT_FUNCTION, params![f.name, encode("function", f)?]),
        Change::Service(s) => run(conn, PUT_SERVICE, params![s.key(), encode("service", s)?]),
        Change::Event(e) => run(
            conn,
            PUT_EVENT,
            params![int("event seq", e.seq)?, encode("event", e)?],
        ),
    }
}

/// Removes an application with everything stored under it, children first.
fn delete_application(conn: &Connection, application_id: &str) -> Result<(), Failure> {
    for sql in [
        "DELETE FROM targets WHERE deployment_id IN
             (SELECT id FROM deployments WHERE application_id = ?1)",
        "DELETE FROM deployments WHERE application_id = ?1",
        "DELETE FROM revisions WHERE application_id = ?1",
        r#"DELETE FROM "groups" WHERE application_id = ?1"#,
        "DELETE FROM applications WHERE application_id = ?1",
    ] {
        run(conn, sql, [application_id])?;
    }
    Ok(())
}

/// Writes a deployment row, touching the indexed columns only when they change.
fn put_deployment(conn: &Connection, d: &DeploymentRecord) -> Result<(), Failure> {
    let json = encode("deployment", d)?;
    let status = d.status();
    let args = params![
        d.id(),
        int("deployment seq", d.seq)?,
        d.application_id,
        d.group_id,
        status.as_str(),
        d.create_time(),
        d.info.external_id,
        d.run.is_some(),
        json,
    ];
    // The common step (same keys, still running or still finished)
    // rewrites the row alone and leaves every index as it is.
    let updated = conn
        .prepare_cached(
            "UPDATE deployments SET status = ?5, json = ?9
             WHERE id = ?1 AND seq = ?2 AND application_id = ?3 AND group_id = ?4
               AND create_time = ?6 AND external_id IS ?7 AND active = ?8",
        )?
        .execute(args)?;
    if updated == 0 {
        conn.prepare_cached(
            "INSERT INTO deployments
                 (id, seq, application_id, group_id, status, create_time, external_id,
                  active, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET
                 seq = excluded.seq,
                 application_id = excluded.application_id,
                 group_id = excluded.group_id,
                 status = excluded.status,
                 create_time = excluded.create_time,
                 external_id = excluded.external_id,
                 active = excluded.active,
                 json = excluded.json",
        )?
        .execute(args)?;
    }
    Ok(())
}

/// Rewrites a stored deployment's rollback message; a deployment not stored
/// (its application deleted since) is left alone, as `MemArchive` does.
fn set_rollback_message(conn: &Connection, id: &str, message: &str) -> Result<(), Failure> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM deployments WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let Some(json) = json else {
        return Ok(());
    };
    let mut d: DeploymentRecord =
        serde_json::from_str(&json).map_err(|source| Failure::Decode {
            key: id.to_string(),
            source,
        })?;
    d.set_rollback_message(message);
    put_deployment(conn, &d)
}

/// Writes a target row, touching its index only when the target moved.
fn put_target(conn: &Connection, t: &TargetRecord) -> Result<(), Failure> {
    let json = encode("target", t)?;
    let args = params![t.deployment_id, t.index, t.target_id, json];
    // Same target at the same position: the row alone changes.
    let updated = conn
        .prepare_cached(
            "UPDATE targets SET json = ?4
             WHERE deployment_id = ?1 AND idx = ?2 AND target_id = ?3",
        )?
        .execute(args)?;
    if updated == 0 {
        conn.prepare_cached(
            "INSERT INTO targets (deployment_id, idx, target_id, json)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (deployment_id, idx) DO UPDATE
             SET target_id = excluded.target_id, json = excluded.json",
        )?
        .execute(args)?;
    }
    Ok(())
}

impl Archive for Store {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        self.queries().deployment(id)
    }
    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>> {
        self.queries().targets(deployment_id)
    }
    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>> {
        self.queries().target(deployment_id, target_id)
    }
    fn deployments(&self, query: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        self.queries().deployments(query)
    }
    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>> {
        self.queries().revision(application_id, key)
    }
    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>> {
        self.queries().revisions(application_id)
    }
    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>> {
        self.queries().events(after, limit)
    }
}

/// Support for benchmarks and tests: the query plan SQLite picks for `sql`.
#[doc(hidden)]
pub fn explain(store: &Store, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .map_err(|e| store.sql_err(e))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .map_err(|e| store.sql_err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.sql_err(e))
}

/// Support for tests: the SQL `load` uses for unfinished deployments.
#[doc(hidden)]
pub const LOAD_ACTIVE_SQL: &str = ACTIVE_DEPLOYMENTS;
