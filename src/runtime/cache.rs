//! A read-through cache of finished deployments in front of the store.
//!
//! Polling a finished deployment (GetDeployment, the SDK waiter, the
//! dashboard) is the hottest read; the engine keeps only unfinished
//! deployments in memory, so every such read was an SQLite query plus a JSON
//! decode. Every write goes through a step's commit, which invalidates the
//! entries the step touched once the commit has landed, so the cache never
//! serves a record the store no longer holds.
//!
//! Reads fill it concurrently with commits. A read that missed fetched the
//! record from the store at some moment; a commit landing after that moment
//! makes the record stale. So a read notes the generation when it misses, and
//! its record is kept only if no invalidation happened since.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;

use crate::state::{
    ApiResult, Archive, Change, DeploymentQuery, DeploymentRecord, EventRecord, ListedDeployment,
    RevisionRecord, TargetRecord,
};

/// Entries kept at most; the cache starts afresh when full.
const CAPACITY: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct DeploymentCache {
    entries: RwLock<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    finished: HashMap<String, Arc<Finished>>,
    /// Counts invalidations.
    generation: u64,
}

/// A finished deployment as kept, with the one reply derived from it.
#[derive(Debug)]
struct Finished {
    record: DeploymentRecord,
    /// What the API answers GetDeployment with for `record`, encoded by the
    /// first reader that asked (opaque here). It goes with the entry, so it
    /// never outlives the record it was made from.
    reply: OnceLock<Bytes>,
}

impl DeploymentCache {
    /// The cached record, or the generation to hand to [`Self::keep`] along
    /// with what the store answers.
    fn get(&self, id: &str) -> Result<DeploymentRecord, u64> {
        let entries = self.read();
        match entries.finished.get(id) {
            Some(d) => Ok(d.record.clone()),
            None => Err(entries.generation),
        }
    }

    /// The reply `encode` makes of the cached finished deployment `id`, made
    /// once per cached record; `None` when `id` is not cached.
    pub(super) fn reply(
        &self,
        id: &str,
        encode: impl FnOnce(&DeploymentRecord) -> ApiResult<Vec<u8>>,
    ) -> Option<ApiResult<Bytes>> {
        let entry = Arc::clone(self.read().finished.get(id)?);
        if let Some(reply) = entry.reply.get() {
            return Some(Ok(reply.clone()));
        }
        // Encoded outside the lock; a racing reader may encode it too, and
        // both encodings are of the same record.
        Some(encode(&entry.record).map(|bytes| entry.reply.get_or_init(|| bytes.into()).clone()))
    }

    /// Keeps a finished deployment read from the store, unless the cache was
    /// invalidated since the read missed (at `generation`): the record may
    /// predate that commit.
    fn keep(&self, generation: u64, d: &DeploymentRecord) {
        // Only finished deployments: they change rarely (and only through
        // commits, which invalidate); unfinished ones live in the engine.
        if d.run.is_some() {
            return;
        }
        let mut entries = self.write();
        if entries.generation != generation {
            return;
        }
        if entries.finished.len() >= CAPACITY {
            entries.finished.clear();
        }
        let entry = Finished {
            record: d.clone(),
            reply: OnceLock::new(),
        };
        entries.finished.insert(d.id().to_string(), Arc::new(entry));
    }

    /// Forgets what `changes` touch. Call once a batch has landed in the
    /// store (or failed to: the store then still holds what was cached).
    pub(super) fn invalidate(&self, changes: &[Change]) {
        let touches = |c: &Change| {
            matches!(
                c,
                Change::Deployment(_)
                    | Change::RollbackMessage { .. }
                    | Change::ApplicationDeleted { .. }
            )
        };
        if !changes.iter().any(touches) {
            return;
        }
        let mut entries = self.write();
        entries.generation = entries.generation.wrapping_add(1);
        for change in changes {
            match change {
                Change::Deployment(d) => {
                    entries.finished.remove(d.id());
                }
                Change::RollbackMessage { deployment_id, .. } => {
                    entries.finished.remove(deployment_id);
                }
                Change::ApplicationDeleted { .. } => entries.finished.clear(),
                _ => {}
            }
        }
    }

    pub(super) fn clear(&self) {
        let mut entries = self.write();
        entries.generation = entries.generation.wrapping_add(1);
        entries.finished.clear();
    }

    // The lock guards plain data a panic cannot leave half-changed.
    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// The store seen through the cache.
pub(super) struct Cached<'a> {
    pub store: &'a dyn Archive,
    pub cache: &'a DeploymentCache,
}

impl Archive for Cached<'_> {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        let generation = match self.cache.get(id) {
            Ok(d) => return Ok(Some(d)),
            Err(generation) => generation,
        };
        let found = self.store.deployment(id)?;
        if let Some(d) = &found {
            self.cache.keep(generation, d);
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
    use crate::state::{ApiError, MemArchive};

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

    fn cached(cache: &DeploymentCache) -> usize {
        cache.read().finished.len()
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
        assert_eq!(cached(&cache), 1);
        assert_eq!(view.deployment("d-MISSING00").expect("read"), None);

        let mut changed = d.clone();
        changed.seq = 2;
        cache.invalidate(&[Change::Deployment(changed.clone())]);
        assert_eq!(cached(&cache), 0);
        store.apply(&[Change::Deployment(changed.clone())]);
        let view = Cached {
            store: &store,
            cache: &cache,
        };
        assert_eq!(view.deployment("d-AAAAAAAAA").expect("read"), Some(changed));

        cache.invalidate(&[Change::ApplicationDeleted {
            application_id: "app".into(),
        }]);
        assert_eq!(cached(&cache), 0);
    }

    /// A rollback's end rewrites a finished deployment's message in the store
    /// alone; the cached copy must go.
    #[test]
    fn forgets_a_deployment_whose_rollback_message_changes() {
        let cache = DeploymentCache::default();
        let d = record("d-AAAAAAAAA");
        cache.keep(0, &d);
        assert_eq!(cached(&cache), 1);
        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: "d-OTHER0000".into(),
            message: "Rollback succeeded".into(),
        }]);
        assert_eq!(cached(&cache), 1);
        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: d.id().to_string(),
            message: "Rollback succeeded".into(),
        }]);
        assert_eq!(cached(&cache), 0);
    }

    /// The reply is encoded once per cached record, and a record that a
    /// commit changes takes its reply with it.
    #[test]
    fn a_reply_is_made_once_and_goes_with_its_record() {
        let cache = DeploymentCache::default();
        let d = record("d-AAAAAAAAA");
        let calls = std::cell::Cell::new(0);
        let encode = |r: &DeploymentRecord| {
            calls.set(calls.get() + 1);
            Ok(format!("{}#{}", r.id(), r.seq).into_bytes())
        };
        assert!(cache.reply(d.id(), encode).is_none(), "nothing cached yet");
        cache.keep(0, &d);
        for _ in 0..3 {
            let reply = cache
                .reply(d.id(), encode)
                .expect("cached")
                .expect("encoded");
            assert_eq!(&reply[..], b"d-AAAAAAAAA#1");
        }
        assert_eq!(calls.get(), 1, "encoded once");

        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: d.id().to_string(),
            message: "Rollback succeeded".into(),
        }]);
        assert!(
            cache.reply(d.id(), encode).is_none(),
            "the reply went with the record"
        );
        let mut changed = d.clone();
        changed.seq = 2;
        cache.keep(1, &changed);
        let reply = cache
            .reply(d.id(), encode)
            .expect("cached")
            .expect("encoded");
        assert_eq!(&reply[..], b"d-AAAAAAAAA#2", "made from the new record");
        assert_eq!(calls.get(), 2);
    }

    /// A failed encoding is answered, not kept.
    #[test]
    fn a_failed_encoding_is_not_kept() {
        let cache = DeploymentCache::default();
        let d = record("d-AAAAAAAAA");
        cache.keep(0, &d);
        let failed = cache.reply(d.id(), |_| {
            Err(ApiError::new(
                crate::model::Exception::InternalFailure,
                "no",
            ))
        });
        assert!(matches!(failed, Some(Err(_))));
        let reply = cache.reply(d.id(), |_| Ok(b"ok".to_vec())).expect("cached");
        assert_eq!(reply.expect("encoded"), Bytes::from_static(b"ok"));
    }

    /// A read that missed, then fetched the old record while a commit landed
    /// and invalidated, must not put the old record back.
    #[test]
    fn a_read_that_raced_a_commit_keeps_nothing() {
        let cache = DeploymentCache::default();
        let old = record("d-AAAAAAAAA");
        let generation = cache.get(old.id()).expect_err("empty cache misses");
        // The commit that rewrote it lands and invalidates (nothing cached yet).
        cache.invalidate(&[Change::RollbackMessage {
            deployment_id: old.id().to_string(),
            message: "Rollback succeeded".into(),
        }]);
        cache.keep(generation, &old);
        assert_eq!(cached(&cache), 0, "the stale record was kept");
        // A read after the commit keeps what it read.
        let generation = cache.get(old.id()).expect_err("still a miss");
        cache.keep(generation, &old);
        assert_eq!(cached(&cache), 1);
    }
}
