//! The reads of the state file, over any connection to it: the owner's
//! ([`super::Store`]) or a read-only one ([`super::StoreReader`]).

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, Params};
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::model::Exception;
use crate::state::archive::{Archive, DeploymentQuery, ListedDeployment};
use crate::state::error::{ApiError, ApiResult};
use crate::state::*;

/// A connection and the name its errors carry.
#[derive(Clone, Copy)]
pub(super) struct Queries<'a> {
    pub conn: &'a Connection,
    /// The path, or `:memory:`.
    pub label: &'a Path,
}

impl Queries<'_> {
    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(self.label, e)
    }

    /// Decodes every row of a `SELECT key, json ...`.
    pub(super) fn rows<T: DeserializeOwned, P: Params>(
        &self,
        table: &'static str,
        sql: &str,
        params: P,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query(params).map_err(|e| self.sql_err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let json = row.get_ref(1).map_err(|e| self.sql_err(e))?;
            let json = json
                .as_str()
                .map_err(|e| self.sql_err(rusqlite::Error::from(e)))?;
            match serde_json::from_str(json) {
                Ok(v) => out.push(v),
                Err(source) => {
                    let key = row.get_ref(0).map(key_text).unwrap_or_default();
                    return Err(StoreError::Decode {
                        path: self.label.to_path_buf(),
                        table,
                        key,
                        cause: source,
                    });
                }
            }
        }
        Ok(out)
    }

    pub(super) fn targets_of(&self, deployment_id: &str) -> Result<Vec<TargetRecord>, StoreError> {
        self.rows(
            "targets",
            "SELECT idx, json FROM targets WHERE deployment_id = ?1 ORDER BY idx",
            [deployment_id],
        )
    }

    fn deployment_rows(&self, q: &DeploymentQuery) -> Result<Vec<ListedDeployment>, StoreError> {
        let mut sql = String::from("SELECT id, seq FROM deployments WHERE 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(group) = &q.group_id {
            sql.push_str(" AND group_id = ?");
            args.push(Value::Text(group.clone()));
        }
        if let Some(external) = &q.external_id {
            sql.push_str(" AND external_id = ?");
            args.push(Value::Text(external.clone()));
        }
        if !q.statuses.is_empty() {
            let statuses: BTreeSet<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
            let marks = vec!["?"; statuses.len()].join(", ");
            sql.push_str(&format!(" AND status IN ({marks})"));
            args.extend(statuses.into_iter().map(|s| Value::Text(s.to_string())));
        }
        if let Some(from) = q.created_from {
            sql.push_str(" AND create_time >= ?");
            args.push(Value::Integer(from));
        }
        if let Some(to) = q.created_to {
            sql.push_str(" AND create_time <= ?");
            args.push(Value::Integer(to));
        }
        // A cursor beyond i64::MAX excludes nothing: every stored seq is below it.
        if let Some(before) = q.before_seq.and_then(|s| i64::try_from(s).ok()) {
            sql.push_str(" AND seq < ?");
            args.push(Value::Integer(before));
        }
        if let Some(after) = q.after_seq {
            // A cursor beyond i64::MAX: nothing is newer.
            sql.push_str(" AND seq > ?");
            args.push(Value::Integer(i64::try_from(after).unwrap_or(i64::MAX)));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));

        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok(ListedDeployment {
                    id: r.get(0)?,
                    seq: u64::try_from(r.get::<_, i64>(1)?).unwrap_or_default(),
                })
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    fn event_rows(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>, StoreError> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.rows(
            "events",
            "SELECT seq, json FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![after, limit],
        )
    }
}

/// A key column as text, for error messages.
fn key_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Null => "NULL".to_string(),
    }
}

/// Archive reads fail as the service's InternalFailure.
fn internal(e: StoreError) -> ApiError {
    ApiError::new(Exception::InternalFailure, e.to_string())
}

impl Archive for Queries<'_> {
    fn deployment(&self, id: &str) -> ApiResult<Option<DeploymentRecord>> {
        Ok(self
            .rows(
                "deployments",
                "SELECT id, json FROM deployments WHERE id = ?1",
                [id],
            )
            .map_err(internal)?
            .pop())
    }

    fn targets(&self, deployment_id: &str) -> ApiResult<Vec<TargetRecord>> {
        self.targets_of(deployment_id).map_err(internal)
    }

    fn target(&self, deployment_id: &str, target_id: &str) -> ApiResult<Option<TargetRecord>> {
        Ok(self
            .rows(
                "targets",
                "SELECT idx, json FROM targets WHERE deployment_id = ?1 AND target_id = ?2
                 ORDER BY idx LIMIT 1",
                [deployment_id, target_id],
            )
            .map_err(internal)?
            .pop())
    }

    fn deployments(&self, query: &DeploymentQuery) -> ApiResult<Vec<ListedDeployment>> {
        self.deployment_rows(query).map_err(internal)
    }

    fn revision(&self, application_id: &str, key: &str) -> ApiResult<Option<RevisionRecord>> {
        Ok(self
            .rows(
                "revisions",
                "SELECT key, json FROM revisions WHERE application_id = ?1 AND key = ?2",
                [application_id, key],
            )
            .map_err(internal)?
            .pop())
    }

    fn revisions(&self, application_id: &str) -> ApiResult<Vec<RevisionRecord>> {
        self.rows(
            "revisions",
            "SELECT key, json FROM revisions WHERE application_id = ?1 ORDER BY key",
            [application_id],
        )
        .map_err(internal)
    }

    fn events(&self, after: u64, limit: usize) -> ApiResult<Vec<EventRecord>> {
        self.event_rows(after, limit).map_err(internal)
    }
}
