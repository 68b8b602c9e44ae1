//! Reading one screen's [`Data`] out of an engine and its archive.

use std::collections::HashMap;

use super::*;
use crate::engine::records::ShiftWait;
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
    let traffic = traffic(engine, &rec, &targets);
    let mut targets = targets;
    // Blue/green: replacement (Green) hosts first, as the dashboard lists them.
    targets.sort_by_key(|t| {
        t.target
            .instance_target
            .as_ref()
            .and_then(|i| i.instance_label.clone())
            != Some(TargetLabel::Green)
    });
    let blue_green = run.and_then(|r| {
        let bg = r.blue_green.as_ref()?;
        Some(BlueGreenView {
            phase: bg.phase,
            wait: match bg.phase {
                BlueGreenPhase::Ready => Some(DeploymentWaitType::ReadyWait),
                BlueGreenPhase::TerminationWait => Some(DeploymentWaitType::TerminationWait),
                _ => None,
            }
            .map(|kind| WaitView {
                kind,
                until: r.deadline,
            }),
            rollback: bg.rollback_of.is_some(),
        })
    });
    let hooks = if traffic.is_some() {
        engine.hook_executions(ar, id)
    } else {
        Vec::new()
    };
    Ok(Some(Detail {
        traffic,
        blue_green,
        hooks,
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
                label: t
                    .target
                    .instance_target
                    .as_ref()
                    .and_then(|i| i.instance_label.clone()),
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

/// The traffic view of a Lambda or ECS deployment, running or finished.
fn traffic(
    engine: &Engine,
    rec: &DeploymentRecord,
    targets: &[TargetRecord],
) -> Option<TrafficView> {
    let target = targets.first()?;
    let (original, replacement, weight) = sides(&target.target)?;
    let shift = rec.run.as_ref().and_then(|r| r.shift.as_ref());
    let steps = match shift {
        Some(s) => s.schedule.clone(),
        // Finished: the schedule as it ran, from AllowTraffic's start.
        None => allow_traffic_start(target)
            .map(|t0| {
                let config = rec
                    .info
                    .deployment_config_name
                    .as_deref()
                    .unwrap_or_default();
                let routing = engine
                    .config_info(config)
                    .and_then(|c| c.traffic_routing_config);
                crate::engine::shift::traffic_schedule(routing.as_ref(), t0)
            })
            .unwrap_or_default(),
    };
    let applied = match shift {
        Some(s) => s.step,
        None => steps.iter().filter(|(_, w)| *w <= weight).count(),
    };
    let wait = shift.and_then(|s| {
        let kind = match s.wait? {
            ShiftWait::Ready => DeploymentWaitType::ReadyWait,
            ShiftWait::Termination => DeploymentWaitType::TerminationWait,
        };
        Some(WaitView {
            kind,
            until: s.wait_until,
        })
    });
    Some(TrafficView {
        original,
        replacement,
        weight: shift.map(|s| s.weight).unwrap_or(weight),
        steps,
        applied,
        wait,
        restored: shift.is_some_and(|s| s.restored),
    })
}

/// Labels of both sides and the weight on the replacement, from the target.
fn sides(t: &DeploymentTarget) -> Option<(String, String, f64)> {
    if let Some(info) = t
        .lambda_target
        .as_ref()
        .and_then(|l| l.lambda_function_info.as_ref())
    {
        return Some((
            format!("version {}", info.current_version.as_deref().unwrap_or("?")),
            format!("version {}", info.target_version.as_deref().unwrap_or("?")),
            info.target_version_weight.unwrap_or(0.0),
        ));
    }
    let sets = t.ecs_target.as_ref()?.task_sets_info.as_ref()?;
    let label = |l: TargetLabel| sets.iter().find(|s| s.task_set_label == Some(l.clone()));
    let green = label(TargetLabel::Green);
    Some((
        "task set Blue".into(),
        "task set Green".into(),
        green.and_then(|s| s.traffic_weight).unwrap_or(0.0),
    ))
}

fn allow_traffic_start(t: &TargetRecord) -> Option<Millis> {
    t.events()
        .iter()
        .find(|e| e.lifecycle_event_name.as_deref() == Some("AllowTraffic"))
        .and_then(|e| e.start_time)
        .map(|t| t.0)
}
