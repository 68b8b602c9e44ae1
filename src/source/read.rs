//! Reading one screen's [`Data`] out of an engine and its archive.

use std::collections::HashMap;

use super::*;
use crate::engine::{Archive, DeploymentQuery, DeploymentRecord, Engine, TargetRecord};

/// Rows of finished deployments, which never change: read from the store once.
pub type RowCache = HashMap<String, DeploymentRow>;

/// Reads what `req` selects at virtual time `now`.
pub fn load(
    engine: &Engine,
    ar: &dyn Archive,
    now: Millis,
    req: &Request,
    cache: &mut RowCache,
) -> anyhow::Result<Data> {
    let apps = engine
        .apps
        .values()
        .map(|a| AppRow {
            name: a.name().to_string(),
            platform: a
                .info
                .compute_platform
                .clone()
                .unwrap_or(ComputePlatform::Server),
            groups: engine
                .groups
                .values()
                .filter(|g| g.application_id == a.id())
                .count(),
        })
        .collect();
    let groups = match &req.app {
        Some(app) => groups_of(engine, app),
        None => Vec::new(),
    };
    let deployments = match &req.group_id {
        Some(g) => list(engine, ar, g, cache)?,
        None => Vec::new(),
    };
    let detail = match &req.deployment {
        Some(id) => detail(engine, ar, id)?,
        None => None,
    };
    Ok(Data {
        now,
        speed: 1.0,
        paused: false,
        apps,
        groups,
        deployments,
        detail,
        events: events(engine, ar, req.events_after)?,
        alarms: engine.alarms().map(|a| (a.name.clone(), a.state)).collect(),
    })
}

fn groups_of(engine: &Engine, app: &str) -> Vec<GroupRow> {
    let Some(app) = engine.apps.get(app) else {
        return Vec::new();
    };
    let mut rows: Vec<GroupRow> = engine
        .groups
        .values()
        .filter(|g| g.application_id == app.id())
        .map(|g| GroupRow {
            id: g.id().to_string(),
            name: g.name().to_string(),
            config: g.info.deployment_config_name.clone().unwrap_or_default(),
            active: g.active.clone(),
            queued: g.queue.len(),
            alarms: g
                .info
                .alarm_configuration
                .as_ref()
                .and_then(|a| a.alarms.as_ref())
                .map(|l| l.iter().filter_map(|a| a.name.clone()).collect())
                .unwrap_or_default(),
            target_revision: g.info.target_revision.clone(),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

fn list(
    engine: &Engine,
    ar: &dyn Archive,
    group_id: &str,
    cache: &mut RowCache,
) -> anyhow::Result<Vec<DeploymentRow>> {
    let ids = ar
        .deployments(&DeploymentQuery {
            group_id: Some(group_id.to_string()),
            limit: LIST_LIMIT,
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let mut rows = Vec::with_capacity(ids.len());
    for r in ids {
        if let Some(a) = engine.active.get(&r.id) {
            rows.push(row(&a.rec));
            continue;
        }
        if let Some(hit) = cache.get(&r.id) {
            rows.push(hit.clone());
            continue;
        }
        let Some(rec) = ar.deployment(&r.id).ok().flatten() else {
            continue;
        };
        let row = row(&rec);
        if rec.is_finished() {
            cache.insert(r.id, row.clone());
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The list row of a deployment.
pub fn row(rec: &DeploymentRecord) -> DeploymentRow {
    let info = &rec.info;
    DeploymentRow {
        id: rec.id().to_string(),
        status: rec.status(),
        config: info.deployment_config_name.clone().unwrap_or_default(),
        overview: info.deployment_overview.clone().unwrap_or_default(),
        revision: revision_label(info.revision.as_ref()),
        creator: info
            .creator
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        created: rec.create_time(),
        started: info.start_time.map(|t| t.0),
        completed: info.complete_time.map(|t| t.0),
    }
}

fn detail(engine: &Engine, ar: &dyn Archive, id: &str) -> anyhow::Result<Option<Detail>> {
    let (rec, targets): (DeploymentRecord, Vec<TargetRecord>) = match engine.active.get(id) {
        Some(a) => (a.rec.clone(), a.targets.clone()),
        None => {
            let Some(rec) = ar
                .deployment(id)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?
            else {
                return Ok(None);
            };
            let targets = ar
                .targets(id)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            (rec, targets)
        }
    };
    let run = rec.run.as_ref();
    Ok(Some(Detail {
        min_healthy: run.map(|r| r.min_healthy),
        max_down: run.map(|r| r.max_down),
        pending: run.map(|r| r.pending.len()).unwrap_or(0),
        stopping: run.is_some_and(|r| r.stop.is_some()),
        targets: targets
            .iter()
            .map(|t| TargetView {
                id: t.target_id.clone(),
                host: t.run.host.clone(),
                status: t.status(),
                events: t.events().to_vec(),
            })
            .collect(),
        info: rec.info,
    }))
}

fn events(engine: &Engine, ar: &dyn Archive, after: u64) -> anyhow::Result<Vec<EventRow>> {
    // The archive reads forward; start no earlier than the last EVENT_LIMIT entries.
    let last = engine.meta.next_event_seq.saturating_sub(1);
    let from = after.max(last.saturating_sub(EVENT_LIMIT as u64));
    let rows = ar
        .events(from, EVENT_LIMIT)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    Ok(rows
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            time: e.time.0,
            kind: e.kind,
            text: e.text,
        })
        .collect())
}
