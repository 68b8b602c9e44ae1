//! Read access to what the engine does not keep in memory (finished deployments,
//! revisions, the event log). The store implements it over SQLite; `MemArchive`
//! implements it in memory for tests.

use std::collections::BTreeMap;

use super::change::Change;
use super::error::ApiResult;
use super::records::*;
use crate::model::time::Millis;
use crate::model::DeploymentStatus;

/// Filters for ListDeployments. Results are newest first (by `seq`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentQuery {
    pub group_id: Option<String>,
    pub external_id: Option<String>,
    /// Empty means every status.
    pub statuses: Vec<DeploymentStatus>,
    /// Inclusive bounds on createTime.
    pub created_from: Option<Millis>,
    pub created_to: Option<Millis>,
    /// Only deployments with `seq` below this (the pagination cursor).
    pub before_seq: Option<u64>,
    /// Only deployments with `seq` above this (what is new since a read).
    pub after_seq: Option<u64>,
    pub limit: usize,
}

/// A listed deployment: its ID and creation sequence (the cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDeployment {
    pub id: String,
    pub seq: u64,
}

pub trait Archive {
    /// Any deployment, active or finished, as last committed.
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>>;
    /// A deployment's targets in index order.
    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>>;
    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>>;
    fn deployments(&self, query: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>>;
    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>>;
    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>>;
    /// Event log entries with `seq` above `after`, oldest first, at most `limit`.
    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>>;
}

/// An in-memory archive that applies changes like the store does.
#[derive(Debug, Default, Clone)]
pub struct MemArchive {
    pub deployments: BTreeMap<String, DeploymentRecord>,
    pub targets: BTreeMap<(String, u32), TargetRecord>,
    pub revisions: BTreeMap<(String, String), RevisionRecord>,
    pub events: Vec<EventRecord>,
}

impl MemArchive {
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match change {
                Change::Deployment(d) => {
                    self.deployments.insert(d.id().to_string(), d.clone());
                }
                Change::RollbackMessage {
                    deployment_id,
                    message,
                } => {
                    if let Some(d) = self.deployments.get_mut(deployment_id) {
                        d.set_rollback_message(message);
                    }
                }
                Change::Target(t) => {
                    self.targets
                        .insert((t.deployment_id.clone(), t.index), t.clone());
                }
                Change::Revision(r) => {
                    self.revisions
                        .insert((r.application_id.clone(), r.key.clone()), r.clone());
                }
                Change::Event(e) => self.events.push(e.clone()),
                Change::ApplicationDeleted { application_id } => {
                    let gone: Vec<String> = self
                        .deployments
                        .values()
                        .filter(|d| &d.application_id == application_id)
                        .map(|d| d.id().to_string())
                        .collect();
                    for id in gone {
                        self.deployments.remove(&id);
                        self.targets.retain(|(d, _), _| *d != id);
                    }
                    self.revisions.retain(|(a, _), _| a != application_id);
                }
                _ => {}
            }
        }
    }
}

impl Archive for MemArchive {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        Ok(self.deployments.get(id).cloned())
    }

    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>> {
        Ok(self
            .targets
            .range((deployment_id.to_string(), 0)..=(deployment_id.to_string(), u32::MAX))
            .map(|(_, t)| t.clone())
            .collect())
    }

    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>> {
        Ok(self
            .targets(deployment_id)?
            .into_iter()
            .find(|t| t.target_id == target_id))
    }

    fn deployments(&self, q: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        let mut rows: Vec<&DeploymentRecord> = self
            .deployments
            .values()
            .filter(|d| q.group_id.as_ref().is_none_or(|g| &d.group_id == g))
            .filter(|d| {
                q.external_id
                    .as_ref()
                    .is_none_or(|e| d.info.external_id.as_ref() == Some(e))
            })
            .filter(|d| q.statuses.is_empty() || q.statuses.contains(&d.status()))
            .filter(|d| q.created_from.is_none_or(|t| d.create_time() >= t))
            .filter(|d| q.created_to.is_none_or(|t| d.create_time() <= t))
            .filter(|d| q.before_seq.is_none_or(|s| d.seq < s))
            .filter(|d| q.after_seq.is_none_or(|s| d.seq > s))
            .collect();
        rows.sort_by_key(|d| std::cmp::Reverse(d.seq));
        Ok(rows
            .into_iter()
            .take(q.limit)
            .map(|d| ListedDeployment {
                id: d.id().to_string(),
                seq: d.seq,
            })
            .collect())
    }

    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>> {
        Ok(self
            .revisions
            .get(&(application_id.to_string(), key.to_string()))
            .cloned())
    }

    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>> {
        Ok(self
            .revisions
            .values()
            .filter(|r| r.application_id == application_id)
            .cloned()
            .collect())
    }

    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>> {
        Ok(self
            .events
            .iter()
            .filter(|e| e.seq > after)
            .take(limit)
            .cloned()
            .collect())
    }
}
