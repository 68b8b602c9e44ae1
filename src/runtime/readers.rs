//! Where reads find what the engine does not hold in memory (finished
//! deployments, targets, revisions, the event log), without waiting for a
//! step's commit or for each other.
//!
//! A state file is read through read-only connections, one per thread that
//! reads (WAL mode lets them read the last commit while the next is being
//! written). A private in-memory database has a single connection, so there
//! a read that misses the cache takes the writer's connection (see
//! [`Source::Writer`]). Finished deployments come from the cache first.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use thread_local::ThreadLocal;

use super::cache::DeploymentCache;
use super::step::Writer;
use super::{lock, read, write, EmptyArchive};
use crate::model::Exception;
use crate::state::{
    ApiError, ApiResult, Archive, DeploymentQuery, DeploymentRecord, EventRecord, ListedDeployment,
    RevisionRecord, TargetRecord,
};
use crate::store::StoreReader;

/// The read side of the archive.
pub(super) struct Readers {
    pub cache: DeploymentCache,
    /// The state file's path; `None` in memory.
    path: Option<PathBuf>,
    /// Read-only connections by thread; `None` once shut down.
    conns: RwLock<Option<ThreadLocal<StoreReader>>>,
}

impl Readers {
    pub fn new(path: Option<&Path>) -> Readers {
        Readers {
            cache: DeploymentCache::default(),
            path: path.map(Path::to_path_buf),
            conns: RwLock::new(Some(ThreadLocal::new())),
        }
    }

    /// Where this runtime's reads of the archive go.
    pub fn source<'a>(&'a self, writer: &'a Mutex<Writer>) -> Source<'a> {
        match &self.path {
            Some(path) => Source::File(self, path),
            None => Source::Writer(writer),
        }
    }

    /// Closes the read-only connections and empties the cache (shutdown).
    pub fn close(&self) {
        *write(&self.conns) = None;
        self.cache.clear();
    }
}

/// How a read reaches the store.
pub(super) enum Source<'a> {
    /// This thread's read-only connection to the file.
    File(&'a Readers, &'a Path),
    /// The writer's connection (in memory): taken after the engine's lock,
    /// as a step takes it, and held for one query. A read may wait here for
    /// a commit in progress, which in memory takes microseconds.
    Writer(&'a Mutex<Writer>),
}

impl Source<'_> {
    fn with<T>(&self, f: impl FnOnce(&dyn Archive) -> ApiResult<T>) -> ApiResult<T> {
        match self {
            Source::File(readers, path) => {
                let conns = read(&readers.conns);
                let Some(conns) = conns.as_ref() else {
                    return f(&EmptyArchive);
                };
                let conn = conns
                    .get_or_try(|| StoreReader::open(path))
                    .map_err(|e| ApiError::new(Exception::InternalFailure, format!("{e}")))?;
                f(conn)
            }
            Source::Writer(writer) => match &lock(writer).store {
                Some(store) => f(store),
                None => f(&EmptyArchive),
            },
        }
    }
}

impl Archive for Source<'_> {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        self.with(|a| a.deployment(id))
    }
    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>> {
        self.with(|a| a.targets(deployment_id))
    }
    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>> {
        self.with(|a| a.target(deployment_id, target_id))
    }
    fn deployments(&self, query: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        self.with(|a| a.deployments(query))
    }
    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>> {
        self.with(|a| a.revision(application_id, key))
    }
    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>> {
        self.with(|a| a.revisions(application_id))
    }
    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>> {
        self.with(|a| a.events(after, limit))
    }
}
