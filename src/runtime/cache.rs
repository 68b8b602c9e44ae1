//! A read-through cache of finished deployments in front of the store.
//!
//! Polling a finished deployment (GetDeployment, the SDK waiter, the
//! dashboard) is the hottest read; the engine keeps only unfinished
//! deployments in memory, so every such read was an SQLite query plus a JSON
//! decode. The runtime owns the store exclusively and every write goes
//! through its commit, which invalidates the entries a step touched, so the
//! cache is exact: it never serves a record the store would not.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::state::{
    ApiResult, Archive, Change, DeploymentQuery, DeploymentRecord, EventRecord, ListedDeployment,
    RevisionRecord, TargetRecord,
};

/// Entries kept at most; the cache starts afresh when full.
const CAPACITY: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct DeploymentCache {
    finished: RefCell<HashMap<String, DeploymentRecord>>,
}

impl DeploymentCache {
    /// Forgets what `changes` touch. Call for every batch handed to the
    /// store, whether or not the commit succeeds.
    pub(super) fn invalidate(&self, changes: &[Change]) {
        let mut map = self.finished.borrow_mut();
        if map.is_empty() {
            return;
        }
        for change in changes {
            match change {
                Change::Deployment(d) => {
                    map.remove(d.id());
                }
                Change::RollbackMessage { deployment_id, .. } => {
                    map.remove(deployment_id);
                }
                Change::ApplicationDeleted { .. } => map.clear(),
                _ => {}
            }
        }
    }

    pub(super) fn clear(&self) {
        self.finished.borrow_mut().clear();
    }
}

/// The store seen through the cache.
pub(super) struct Cached<'a> {
    pub store: &'a dyn Archive,
    pub cache: &'a DeploymentCache,
}

impl Archive for Cached<'_> {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        if let Some(d) = self.cache.finished.borrow().get(id) {
            return Ok(Some(d.clone()));
        }
        let found = self.store.deployment(id)?;
        if let Some(d) = &found {
            // Only finished deployments: they change rarely (and only through
            // commits, which invalidate); unfinished ones live in the engine.
            if d.run.is_none() {
                let mut map = self.cache.finished.borrow_mut();
                if map.len() >= CAPACITY {
                    map.clear();
                }
                map.insert(id.to_string(), d.clone());
            }
        }
        Ok(found)
    }

    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>> {
        self.store.targets(deployment_id)
    }

    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>> {
        self.store.target(deployment_id, target_id)
    }

    fn deployments(&self, query: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        self.store.deployments(query)
    }

    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>> {
        self.store.revision(application_id, key)
    }

    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>> {
        self.store.revisions(application_id)
    }

    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>> {
        self.store.events(after, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemArchive;

    fn record(id: &str) -> DeploymentRecord {
        DeploymentRecord::new(
            id.to_string(),
            crate::model::DeploymentInfo::default(),
            1,
            "app".into(),
            "group".into(),
            None,
        )
    }

    #[test]
    fn serves_what_the_store_has_and_forgets_on_change() {
        let mut store = MemArchive::default();
        let d = record("d-AAAAAAAAA");
        store.apply(&[Change::Deployment(d.clone())]);
        let cache = DeploymentCache::default();
        let view = Cached {
            store: &store,
            cache: &cache,
        };
        assert_eq!(
            view.deployment("d-AAAAAAAAA").expect("read"),
            Some(d.clone())
        );
        assert_eq!(cache.finished.borrow().len(), 1);
        assert_eq!(view.deployment("d-MISSING00").expect("read"), None);

        let mut changed = d.clone();
        changed.seq = 2;
        cache.invalidate(&[Change::Deployment(changed.clone())]);
        assert!(cache.finished.borrow().is_empty());
        store.apply(&[Change::Deployment(changed.clone())]);
        let view = Cached {
            store: &store,
            cache: &cache,
        };
        assert_eq!(view.deployment("d-AAAAAAAAA").expect("read"), Some(changed));

        cache.invalidate(&[Change::ApplicationDeleted {
            application_id: "app".into(),
        }]);
        assert!(cache.finished.borrow().is_empty());
    }

    /// A rollback's end rewrites a finished deployment's message in the store
    /// alone; the cached copy must go.
    #[test]
    fn forgets_a_deployment_whose_rollback_message_changes() {
        let cache = DeploymentCache::default();
        let d = record("d-AAAAAAAAA");
        cache
            .finished
            .borrow_mut()
            .insert(d.id().to_string(), d.clone());
        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: "d-OTHER0000".into(),
            message: "Rollback succeeded".into(),
        }]);
        assert_eq!(cache.finished.borrow().len(), 1);
        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: d.id().to_string(),
            message: "Rollback succeeded".into(),
        }]);
        assert!(cache.finished.borrow().is_empty());
    }
}
