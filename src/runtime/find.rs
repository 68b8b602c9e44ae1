//! `:` on the embedded runtime: what a name or an ID typed into the
//! dashboard's command line stands for, looked up in the engine and its
//! archive (read-only, off the engine's timer path).

use super::Runtime;
use crate::engine::Engine;
use crate::state::view::Place;
use crate::state::{Archive, DeploymentQuery, DeploymentRecord};

/// Finished deployments an instance ID is looked for in, newest first.
pub const FIND_DEPTH: usize = 1_000;

impl Runtime {
    /// The place `what` names: an application, a group (`app/group`, or a
    /// group name only one application has), a deployment ID, or an instance
    /// (its newest deployment, on its row). The error says what was tried.
    pub fn find(&self, what: &str) -> Result<Place, String> {
        let what = what.trim();
        self.read(|engine, _, ar| Ok(find_in(engine, ar, what)))
            .map_err(|e| e.message)?
    }
}

fn find_in(engine: &Engine, ar: &dyn Archive, what: &str) -> Result<Place, String> {
    if let Some(app) = named(engine.applications().map(|a| a.name()), what) {
        return Ok(Place {
            app: app.to_string(),
            ..Default::default()
        });
    }
    if let Some(place) = group(engine, what)? {
        return Ok(place);
    }
    if let Ok(rec) = engine.deployment(ar, what) {
        return Ok(deployment_place(&rec, None));
    }
    if let Some(place) = instance(engine, ar, what) {
        return Ok(place);
    }
    Err(format!(
        "nothing is called {what}: type an application, a group (app/group), a deployment ID \
         (d-…) or an instance ID, or failed or running"
    ))
}

/// The name in `names` equal to `what`, else the only one equal ignoring case.
fn named<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Option<&'a str> {
    let names: Vec<&str> = names.collect();
    if let Some(n) = names.iter().find(|n| **n == what) {
        return Some(n);
    }
    let folded: Vec<&&str> = names
        .iter()
        .filter(|n| n.eq_ignore_ascii_case(what))
        .collect();
    (folded.len() == 1).then(|| *folded[0])
}

/// `app/group`, or a group name: one application has it, or it is ambiguous.
fn group(engine: &Engine, what: &str) -> Result<Option<Place>, String> {
    let (app_part, group_part) = match what.split_once('/') {
        Some((a, g)) => (Some(a), g),
        None => (None, what),
    };
    let mut found: Vec<Place> = Vec::new();
    for app in engine.applications() {
        if app_part.is_some_and(|a| !a.eq_ignore_ascii_case(app.name())) {
            continue;
        }
        let groups = engine.groups_of(app.id());
        if let Some(g) = groups
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(group_part))
        {
            found.push(Place {
                app: app.name().to_string(),
                group_id: Some(g.id().to_string()),
                ..Default::default()
            });
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => {
            let apps: Vec<String> = found.iter().map(|p| p.app.clone()).collect();
            Err(format!(
                "{group_part} is a group of {}: type {}/{group_part}",
                apps.join(" and "),
                apps[0]
            ))
        }
    }
}

fn deployment_place(rec: &DeploymentRecord, target: Option<String>) -> Place {
    Place {
        app: rec.info.application_name.clone().unwrap_or_default(),
        group_id: Some(rec.group_id.clone()),
        deployment: Some(rec.id().to_string()),
        target,
    }
}

/// The newest deployment that touched instance `what` (by instance ID or
/// on-premises name): the running ones first, then the newest
/// [`FIND_DEPTH`] finished ones.
fn instance(engine: &Engine, ar: &dyn Archive, what: &str) -> Option<Place> {
    let touches = |t: &crate::state::TargetRecord| t.target_id == what || t.run.host == what;
    let mut running: Vec<&DeploymentRecord> = engine.active_records().collect();
    running.sort_by_key(|r| std::cmp::Reverse(r.seq));
    for rec in running {
        let (_, targets) = engine.active(rec.id())?;
        if let Some(t) = targets.iter().find(|t| touches(t)) {
            return Some(deployment_place(rec, Some(t.target_id.clone())));
        }
    }
    let listed = ar
        .deployments(&DeploymentQuery {
            limit: FIND_DEPTH,
            ..Default::default()
        })
        .ok()?;
    for l in listed {
        // A target's ID is the instance ID (EC2) or name (on-premises).
        if let Some(t) = ar.target(&l.id, what).ok().flatten() {
            let rec = ar.deployment(&l.id).ok()??;
            return Some(deployment_place(&rec, Some(t.target_id)));
        }
    }
    None
}
