//! Reads for whoever holds the engine through the runtime (the dashboard's
//! local source, the demo, tests): its state through methods, never its
//! fields, and the rules a reader would otherwise re-derive.

use super::Engine;
use crate::model::rules;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::view::NextStep;
use crate::state::*;

/// A deployment waiting for ContinueDeployment or before removing its originals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub kind: DeploymentWaitType,
    /// When the wait ends by itself (`None`: only ContinueDeployment ends it).
    pub until: Option<Millis>,
}

impl Engine {
    pub fn applications(&self) -> impl Iterator<Item = &ApplicationRecord> {
        self.apps.values()
    }

    pub fn application(&self, name: &str) -> Option<&ApplicationRecord> {
        self.apps.get(name)
    }

    /// The groups of the application with ID `app_id`.
    pub fn groups_of<'a>(&'a self, app_id: &'a str) -> impl Iterator<Item = &'a GroupRecord> {
        self.groups
            .values()
            .filter(move |g| g.application_id == app_id)
    }

    pub fn group(&self, id: &str) -> Option<&GroupRecord> {
        self.groups.get(id)
    }

    /// A group's info as it reads now: its `lastAttemptedDeployment` with the
    /// status that deployment has now (the record is written at creation and
    /// at the end; in between the deployment's own status is the truth).
    pub fn group_info(&self, g: &GroupRecord) -> DeploymentGroupInfo {
        let mut info = g.info.clone();
        if let Some(last) = info.last_attempted_deployment.as_mut() {
            let running = last.deployment_id.as_deref().and_then(|id| self.active(id));
            if let Some(status) = running.and_then(|(rec, _)| rec.info.status.clone()) {
                last.status = Some(status);
            }
        }
        info
    }

    /// An unfinished deployment with its targets in index order.
    pub fn active(&self, id: &str) -> Option<(&DeploymentRecord, &[TargetRecord])> {
        self.active.get(id).map(|a| (&a.rec, a.targets.as_slice()))
    }

    /// The unfinished deployments of a group, in no particular order. Costs
    /// what is running, not the group's history.
    pub fn active_in_group<'a>(
        &'a self,
        group_id: &'a str,
    ) -> impl Iterator<Item = &'a DeploymentRecord> {
        self.active
            .values()
            .map(|a| &a.rec)
            .filter(move |r| r.group_id == group_id)
    }

    /// When simulated host `host` was terminated (a blue/green original
    /// after its termination wait), if it was.
    pub fn terminated_at(&self, host: &str) -> Option<Millis> {
        self.hosts.get(host).and_then(|h| h.terminated)
    }

    /// Every unfinished deployment, in no particular order.
    pub fn active_records(&self) -> impl Iterator<Item = &DeploymentRecord> {
        self.active.values().map(|a| &a.rec)
    }

    /// Any deployment, unfinished or in the archive, by ID.
    pub fn deployment(&self, ar: &dyn Archive, id: &str) -> ApiResult<DeploymentRecord> {
        self.deployment_record(ar, Some(id))
    }

    /// A deployment configuration by name, predefined or custom.
    pub fn deployment_config(&self, name: &str) -> Option<DeploymentConfigInfo> {
        self.config_info(name)
    }

    /// Every deployment configuration: the predefined ones, then custom ones.
    pub fn config_choices(&self) -> Vec<(String, ComputePlatform)> {
        let predefined = super::configs::predefined_names()
            .filter_map(super::configs::predefined)
            .filter_map(|c| Some((c.deployment_config_name?, c.compute_platform?)));
        let custom = self.configs.values().filter_map(|c| {
            Some((
                c.info.deployment_config_name.clone()?,
                rules::compute_platform(c.info.compute_platform.as_ref()),
            ))
        });
        predefined.chain(custom).collect()
    }

    /// What "roll back" redeploys in group `group_id`: its last successful
    /// deployment and that deployment's revision.
    pub fn last_good(&self, group_id: &str) -> Option<(String, RevisionLocation)> {
        let source = self
            .groups
            .get(group_id)?
            .info
            .rollback_source()?
            .to_string();
        let revision = self.last_successful_revision(group_id)?;
        Some((source, revision))
    }

    /// The sequence number of the newest event log entry.
    pub fn last_event_seq(&self) -> u64 {
        self.meta.next_event_seq.saturating_sub(1)
    }

    /// The wait a deployment is in, if any: an EC2 blue/green phase or a
    /// Lambda/ECS shift waiting for ContinueDeployment or its termination wait.
    pub fn wait_of(rec: &DeploymentRecord) -> Option<Wait> {
        let run = rec.run.as_ref()?;
        if let Some(bg) = &run.blue_green {
            return Some(Wait {
                kind: rules::phase_wait(bg.phase)?,
                until: run.deadline,
            });
        }
        let shift = run.shift.as_ref()?;
        let kind = match shift.wait? {
            ShiftWait::Ready => DeploymentWaitType::ReadyWait,
            ShiftWait::Termination => DeploymentWaitType::TerminationWait,
        };
        Some(Wait {
            kind,
            until: shift.wait_until,
        })
    }

    /// The zone a zonal deployment deploys to (or monitors) now, `None` inside
    /// for the instances without a zone, and when its monitor wait ends.
    pub fn zone_of(rec: &DeploymentRecord) -> Option<(Option<&str>, Option<Millis>)> {
        let z = rec.run.as_ref()?.zonal.as_ref()?;
        let zone = z.zones.get(z.current)?;
        Some((zone.zone.as_deref(), z.monitor_until))
    }

    /// The traffic schedule of a Lambda or ECS deployment: the running one's
    /// own, or a finished one's as it ran from AllowTraffic's start.
    pub fn traffic_schedule_of(
        &self,
        rec: &DeploymentRecord,
        targets: &[TargetRecord],
    ) -> Vec<(Millis, f64)> {
        if let Some(shift) = rec.run.as_ref().and_then(|r| r.shift.as_ref()) {
            return shift.schedule.clone();
        }
        let Some(target) = targets.first() else {
            return Vec::new();
        };
        let routing = rec
            .info
            .deployment_config_name
            .as_deref()
            .and_then(|name| self.config_info(name))
            .and_then(|c| c.traffic_routing_config);
        rules::reported_traffic_schedule(routing.as_ref(), target.events())
    }
}

impl Engine {
    /// What the next step of the clock will do: the copy of this engine
    /// advanced to the next due time says it, so a preview never differs from
    /// the step (same rules, same random draws). `None` with nothing scheduled.
    pub fn preview_step(&self, ar: &dyn Archive) -> Option<NextStep> {
        let due = self.next_due()?;
        let mut ahead = self.clone();
        ahead.out.clear();
        ahead.advance(due);
        let events: Vec<EventRecord> = ahead
            .take_changes()
            .into_iter()
            .filter_map(|c| match c {
                Change::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        // Which deployment each line is about, as people name it: the line
        // may be about another application than the one on screen.
        let places = events
            .iter()
            .map(|e| {
                let id = e.deployment_id.as_deref()?;
                let rec = self.active(id).or_else(|| ahead.active(id)).map(|a| a.0);
                let rec = match rec {
                    Some(r) => r.clone(),
                    None => self.deployment(ar, id).ok()?,
                };
                Some(format!(
                    "{}/{}",
                    rec.info.application_name.as_deref()?,
                    rec.info.deployment_group_name.as_deref()?
                ))
            })
            .collect();
        let said = events.into_iter().map(|e| e.text).collect();
        Some(NextStep { due, said, places })
    }
}
