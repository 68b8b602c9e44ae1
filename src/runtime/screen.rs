//! The runtime's read view for the dashboard: one screen's [`Data`] out of
//! the engine and its archive, through [`ScreenCache`], the one cache of
//! finished deployments on this path. A refresh reads the group's unfinished
//! deployments from the engine and, from the archive, only what finished or
//! appeared since the last refresh: it costs what changed, not the group's
//! history.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::Runtime;
use crate::engine::Engine;
use crate::model::labels::{lambda_alias, traffic_sides};
use crate::model::rules;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::view::*;
use crate::state::{ApiResult, Archive, DeploymentQuery, DeploymentRecord, TargetRecord};

/// Most deployments listed per group (newest first).
pub const LIST_LIMIT: usize = 20_000;
/// Most event log lines read at once.
pub const EVENT_LIMIT: usize = 500;

impl Runtime {
    /// Reads what `req` selects now, bringing `cache` up to date.
    pub fn screen(&self, req: &Request, cache: &mut ScreenCache) -> ApiResult<Data> {
        let clock = self.clock_state();
        let mut data = self.read(|engine, now, ar| {
            let mut data = load(engine, ar, now, req, cache)?;
            // Worked out only while paused: it copies the engine.
            if clock.paused {
                data.next_step = preview(engine, ar);
            }
            Ok(data)
        })?;
        data.speed = clock.speed;
        data.paused = clock.paused;
        Ok(data)
    }
}

/// Finished deployments never change: the open group's finished rows and
/// the open deployment's detail once it has finished are read once. One per
/// reader (a dashboard), kept between its reads.
#[derive(Debug, Default)]
pub struct ScreenCache {
    list: Option<FinishedList>,
    detail: Option<Detail>,
}

/// The finished deployments of one scope (a group, or every application's
/// with a status), as last read.
#[derive(Debug)]
struct FinishedList {
    scope: Scope,
    /// Finished rows, newest first, with their creation sequence numbers.
    rows: Arc<Vec<DeploymentRow>>,
    seqs: Vec<u64>,
    /// The newest sequence number seen: later ones are new.
    max_seq: u64,
    /// Unfinished at the last refresh: when one no longer is, it finished.
    active: BTreeSet<String>,
}

/// Whose deployments a list holds: a group's, or every application's with
/// a status (`:failed`, `:running`).
#[derive(Debug, Clone, PartialEq)]
enum Scope {
    Group(String),
    Across(Across),
}

impl Scope {
    /// The archive's listing of the finished part.
    fn query(&self) -> DeploymentQuery {
        match self {
            Scope::Group(g) => DeploymentQuery {
                group_id: Some(g.clone()),
                limit: LIST_LIMIT,
                ..Default::default()
            },
            Scope::Across(a) => DeploymentQuery {
                statuses: match a {
                    Across::Failed => vec![DeploymentStatus::Failed],
                    Across::Running => DeploymentStatus::ACTIVE.to_vec(),
                },
                limit: LIST_LIMIT,
                ..Default::default()
            },
        }
    }

    /// The unfinished deployments it watches (to see them finish).
    fn watched<'a>(&'a self, engine: &'a Engine) -> Vec<&'a DeploymentRecord> {
        let mut active: Vec<&DeploymentRecord> = match self {
            Scope::Group(g) => engine.active_in_group(g).collect(),
            Scope::Across(_) => engine.active_records().collect(),
        };
        active.sort_by_key(|r| std::cmp::Reverse(r.seq));
        active
    }

    /// Whether a deployment belongs in the list.
    fn keeps(&self, rec: &DeploymentRecord) -> bool {
        match self {
            Scope::Group(_) => true,
            Scope::Across(a) => rec.info.status.as_ref().is_some_and(|s| a.keeps(s)),
        }
    }
}

type ReadResult<T> = ApiResult<T>;

/// Reads what `req` selects at virtual time `now`.
fn load(
    engine: &Engine,
    ar: &dyn Archive,
    now: Millis,
    req: &Request,
    finished: &mut ScreenCache,
) -> ReadResult<Data> {
    let apps = engine
        .applications()
        .map(|a| {
            let lasts: Vec<LastRow> = engine
                .groups_of(a.id())
                .filter_map(|g| last_of(engine, g))
                .collect();
            AppRow {
                name: a.name().to_string(),
                platform: rules::compute_platform(a.info.compute_platform.as_ref()),
                groups: engine.groups_of(a.id()).count(),
                last: LastRow::worst(&lasts),
            }
        })
        .collect();
    let groups = match &req.app {
        Some(app) => groups_of(engine, app),
        None => Vec::new(),
    };
    let configs = match &req.app {
        Some(_) => engine
            .config_choices()
            .into_iter()
            .map(|(name, platform)| ConfigChoice { name, platform })
            .collect(),
        None => Vec::new(),
    };
    let deployments = match (&req.across, &req.group_id) {
        (Some(across), _) => list(engine, ar, Scope::Across(*across), finished)?,
        (None, Some(g)) => list(engine, ar, Scope::Group(g.clone()), finished)?,
        (None, None) => DeploymentList::default(),
    };
    let detail = match &req.deployment {
        Some(id) => detail(engine, ar, id, &mut finished.detail)?,
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
        events_through: Some(engine.last_event_seq()),
        alarms: engine.alarms().map(|a| (a.name.clone(), a.state)).collect(),
        status: None,
        problem: None,
        configs,
        caption: None,
        focus: None,
        next_step: None,
        places: places(engine),
    })
}

/// Every `application/group`, for `:`'s completion.
fn places(engine: &Engine) -> Vec<String> {
    let mut out: Vec<String> = engine
        .applications()
        .flat_map(|a| {
            engine
                .groups_of(a.id())
                .map(move |g| format!("{}/{}", a.name(), g.name()))
        })
        .collect();
    out.sort();
    out
}

/// A group's newest deployment, as the API reads it (`Engine::group_info`).
fn last_of(engine: &Engine, g: &crate::state::GroupRecord) -> Option<LastRow> {
    LastRow::of(engine.group_info(g).last_attempted_deployment.as_ref()?)
}

fn groups_of(engine: &Engine, app: &str) -> Vec<GroupRow> {
    let Some(app) = engine.application(app) else {
        return Vec::new();
    };
    let platform = rules::compute_platform(app.info.compute_platform.as_ref());
    let mut rows: Vec<GroupRow> = engine
        .groups_of(app.id())
        .map(|g| {
            let (id, name) = (g.id().to_string(), g.name().to_string());
            let info = engine.group_info(g);
            let mut row = GroupRow::of(id, name, &info, g.active.clone(), g.queue.len());
            row.platform = platform.clone();
            row.last_good = engine
                .last_good(g.id())
                .map(|(deployment, revision)| LastGood {
                    deployment,
                    revision,
                });
            row
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// A list's deployments: unfinished ones from the engine, finished ones
/// from the cache, brought up to date with what changed since the last read.
fn list(
    engine: &Engine,
    ar: &dyn Archive,
    scope: Scope,
    finished: &mut ScreenCache,
) -> ReadResult<DeploymentList> {
    if let Scope::Group(g) = &scope {
        if engine.group(g).is_none() {
            finished.list = None;
            return Ok(DeploymentList::default());
        }
    }
    let watched = scope.watched(engine);
    let shown = watched
        .iter()
        .filter(|r| scope.keeps(r))
        .map(|r| row(r))
        .collect();
    // Unfinished deployments are all in the engine: nothing finished to keep.
    if scope == Scope::Across(Across::Running) {
        finished.list = None;
        return Ok(DeploymentList {
            active: shown,
            finished: Arc::default(),
        });
    }
    let list = match finished.list.take() {
        Some(l) if l.scope == scope => catch_up(l, &watched, ar)?,
        _ => first_read(scope.clone(), &watched, ar)?,
    };
    let out = DeploymentList {
        active: shown,
        finished: list.rows.clone(),
    };
    finished.list = Some(list);
    Ok(out)
}

/// The whole history of the list, once.
fn first_read(
    scope: Scope,
    active: &[&DeploymentRecord],
    ar: &dyn Archive,
) -> ReadResult<FinishedList> {
    let listed = ar.deployments(&scope.query())?;
    let mut list = FinishedList {
        scope,
        rows: Arc::new(Vec::with_capacity(listed.len())),
        seqs: Vec::with_capacity(listed.len()),
        max_seq: 0,
        active: active.iter().map(|r| r.id().to_string()).collect(),
    };
    let mut rows = Vec::with_capacity(listed.len());
    for l in listed {
        list.max_seq = list.max_seq.max(l.seq);
        if list.active.contains(&l.id) {
            continue;
        }
        if let Some(rec) = ar.deployment(&l.id)?.filter(|r| r.is_finished()) {
            if list.scope.keeps(&rec) {
                rows.push(row(&rec));
                list.seqs.push(rec.seq);
            }
        }
    }
    list.rows = Arc::new(rows);
    note_active(&mut list, active);
    Ok(list)
}

/// What finished since the last read, and what was created since (it may
/// have finished already): reads of those deployments only.
fn catch_up(
    mut list: FinishedList,
    active: &[&DeploymentRecord],
    ar: &dyn Archive,
) -> ReadResult<FinishedList> {
    let now_active: BTreeSet<&str> = active.iter().map(|r| r.id()).collect();
    let mut changed: BTreeSet<String> = list
        .active
        .iter()
        .filter(|id| !now_active.contains(id.as_str()))
        .cloned()
        .collect();
    let created = ar.deployments(&DeploymentQuery {
        after_seq: Some(list.max_seq),
        ..list.scope.query()
    })?;
    for l in created {
        list.max_seq = list.max_seq.max(l.seq);
        if !now_active.contains(l.id.as_str()) {
            changed.insert(l.id);
        }
    }
    for id in changed {
        if let Some(rec) = ar.deployment(&id)?.filter(|r| r.is_finished()) {
            if list.scope.keeps(&rec) {
                insert_finished(&mut list, &rec);
            }
        }
    }
    note_active(&mut list, active);
    Ok(list)
}

fn note_active(list: &mut FinishedList, active: &[&DeploymentRecord]) {
    list.active = active.iter().map(|r| r.id().to_string()).collect();
    if let Some(newest) = active.iter().map(|r| r.seq).max() {
        list.max_seq = list.max_seq.max(newest);
    }
}

/// Adds a finished deployment in its place (newest first). Copies the rows
/// when a published read still shares them: once per finished deployment.
fn insert_finished(list: &mut FinishedList, rec: &DeploymentRecord) {
    let at = list.seqs.partition_point(|s| *s > rec.seq);
    if list.seqs.get(at) == Some(&rec.seq) {
        return;
    }
    list.seqs.insert(at, rec.seq);
    Arc::make_mut(&mut list.rows).insert(at, row(rec));
}

/// The list row of a deployment.
fn row(rec: &DeploymentRecord) -> DeploymentRow {
    DeploymentRow::of(rec.id().to_string(), &rec.info)
}

/// The open deployment; a finished one is read once.
fn detail(
    engine: &Engine,
    ar: &dyn Archive,
    id: &str,
    cached: &mut Option<Detail>,
) -> ReadResult<Option<Detail>> {
    if let Some((rec, targets)) = engine.active(id) {
        *cached = None;
        return Ok(Some(build_detail(engine, ar, rec, targets)));
    }
    if let Some(d) = cached
        .as_ref()
        .filter(|d| d.info.deployment_id.as_deref() == Some(id))
    {
        // The alias is the world's, not the deployment's: read it afresh.
        let mut d = d.clone();
        if let Some(tv) = d.traffic.as_mut() {
            tv.alias_split = alias_split(engine, tv.alias.as_ref());
        }
        return Ok(Some(d));
    }
    let Some(rec) = ar.deployment(id)? else {
        return Ok(None);
    };
    let targets = ar.targets(id)?;
    let d = build_detail(engine, ar, &rec, &targets);
    // A finished deployment changes only while its rollback runs (the
    // rollback's progress is written into its rollbackInfo).
    let rolling_back = rec
        .info
        .rollback_info
        .as_ref()
        .and_then(|r| r.rollback_deployment_id.as_deref())
        .is_some_and(|rb| engine.active(rb).is_some());
    *cached = (rec.is_finished() && !rolling_back).then(|| d.clone());
    Ok(Some(d))
}

/// Most steps a preview or a step folds together looking for one that
/// changes something on screen.
pub(super) const FOLD: usize = 50;

/// The views of the deployments running now, as the timeline draws them.
pub(super) fn running(engine: &Engine, ar: &dyn Archive) -> Vec<Detail> {
    engine
        .active_records()
        .filter_map(|rec| engine.active(rec.id()))
        .map(|(rec, targets)| build_detail(engine, ar, rec, targets))
        .collect()
}

/// The view's changes from `before` to `after` in words, with the
/// application/group each is about.
pub(super) fn narrated(before: &[Detail], after: &[Detail]) -> Vec<(String, Option<String>)> {
    crate::state::narrate::changes(before, after)
        .into_iter()
        .map(|(id, text)| {
            let place = after
                .iter()
                .find(|d| d.info.deployment_id.as_deref() == Some(id.as_str()))
                .and_then(|d| {
                    let i = &d.info;
                    Some(format!(
                        "{}/{}",
                        i.application_name.as_deref()?,
                        i.deployment_group_name.as_deref()?
                    ))
                });
            (text, place)
        })
        .collect()
}

/// What `.` will do, as the screen will show it: the event log's lines and
/// what changes on the timeline, worked out on a copy of the engine (so it
/// is what the step does). A step that changes nothing visible is folded
/// into the next, as `.` folds it.
fn preview(engine: &Engine, ar: &dyn Archive) -> Option<NextStep> {
    let mut ahead = engine.clone();
    let mut before = running(&ahead, ar);
    for _ in 0..FOLD {
        let mut next = ahead.preview_step(ar)?;
        ahead.advance(next.due);
        let _ = ahead.take_changes();
        let after = running(&ahead, ar);
        for (text, place) in narrated(&before, &after) {
            next.said.push(text);
            next.places.push(place);
        }
        if !next.said.is_empty() {
            return Some(next);
        }
        before = after;
    }
    ahead.preview_step(ar)
}

fn build_detail(
    engine: &Engine,
    ar: &dyn Archive,
    rec: &DeploymentRecord,
    targets: &[TargetRecord],
) -> Detail {
    let run = rec.run.as_ref();
    // Health limits count the targets, known once the deployment started.
    let limits = run.filter(|_| rec.status().has_started());
    let wait = Engine::wait_of(rec).map(|w| WaitView {
        kind: w.kind,
        until: w.until,
    });
    let traffic = traffic(engine, rec, targets, wait.clone());
    let blue_green = run
        .and_then(|r| r.blue_green.as_ref())
        .map(|bg| BlueGreenView {
            phase: bg.phase,
            wait: wait.clone(),
            rollback: bg.rollback_of.is_some(),
        });
    let hooks = if traffic.is_some() {
        engine.hook_executions(ar, rec.id())
    } else {
        Vec::new()
    };
    let mut targets: Vec<TargetView> = targets.iter().map(|t| target_view(engine, t)).collect();
    TargetView::green_first(&mut targets);
    let config = rec
        .info
        .deployment_config_name
        .as_deref()
        .and_then(|name| engine.deployment_config(name));
    let zone = Engine::zone_of(rec).map(|(zone, monitor_until)| ZoneView {
        zone: zone.unwrap_or(NO_ZONE).to_string(),
        monitor_until,
    });
    Detail {
        config,
        traffic,
        blue_green,
        hooks,
        zone,
        min_healthy: limits.map(|r| r.min_healthy),
        max_down: limits.map(|r| r.max_down),
        pending: run.map_or(0, |r| r.pending.len()),
        stopping: run.is_some_and(|r| r.stop.is_some()),
        targets,
        info: rec.info.clone(),
    }
}

fn target_view(engine: &Engine, t: &TargetRecord) -> TargetView {
    TargetView {
        zone: t.run.zone.clone(),
        scripts_log: t.run.scripts_log.clone(),
        terminated: engine.terminated_at(&t.run.host),
        ..TargetView::of(t.target_id.clone(), t.run.host.clone(), &t.target)
    }
}

fn events(engine: &Engine, ar: &dyn Archive, after: u64) -> ReadResult<Vec<EventRow>> {
    // The archive reads forward; start no earlier than the last EVENT_LIMIT entries.
    let last = engine.last_event_seq();
    let from = after.max(last.saturating_sub(EVENT_LIMIT as u64));
    Ok(ar
        .events(from, EVENT_LIMIT)?
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            time: e.time.0,
            deployment: e.deployment_id,
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
    wait: Option<WaitView>,
) -> Option<TrafficView> {
    let target = targets.first()?;
    let (original, replacement, weight) = traffic_sides(&target.target)?;
    let shift = rec.run.as_ref().and_then(|r| r.shift.as_ref());
    let steps = engine.traffic_schedule_of(rec, targets);
    let weight = shift.map_or(weight, |s| s.weight);
    let applied = match shift {
        Some(s) => s.step,
        None => rules::steps_applied(&steps, weight),
    };
    let alias = lambda_alias(&target.target);
    let alias_split = alias_split(engine, alias.as_ref());
    Some(TrafficView {
        original,
        replacement,
        weight,
        steps,
        applied,
        wait,
        restored: shift.is_some_and(|s| s.restored),
        alias,
        alias_split,
    })
}

/// Whether a simulated Lambda alias is left on two versions now.
fn alias_split(engine: &Engine, alias: Option<&(String, String)>) -> bool {
    alias.is_some_and(|(function, name)| engine.alias_left_split(function, name))
}
