//! Read-only connections to a state file. In WAL mode SQLite lets them read
//! the last committed state while the owner's connection writes the next
//! commit, so reads through them never wait for a commit.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::query::Queries;
use super::{StoreError, STATEMENT_CACHE};
use crate::state::archive::{Archive, DeploymentQuery, ListedDeployment};
use crate::state::error::ApiResult;
use crate::state::*;

/// One read-only connection to a state file its [`super::Store`] has open.
pub struct StoreReader {
    conn: Connection,
    label: PathBuf,
}

impl std::fmt::Debug for StoreReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReader")
            .field("path", &self.label)
            .finish()
    }
}

impl StoreReader {
    /// Opens `path` read-only. Meant for a file a `Store` holds open: that
    /// store made it, migrated it and keeps its WAL.
    pub fn open(path: &Path) -> Result<StoreReader, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::sqlite(path, e))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(StoreReader {
            conn,
            label: path.to_path_buf(),
        })
    }

    fn queries(&self) -> Queries<'_> {
        Queries {
            conn: &self.conn,
            label: &self.label,
        }
    }
}

impl Archive for StoreReader {
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
