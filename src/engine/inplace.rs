//! Server in-place deployments: the targets and their order, the batching
//! plan under minimum healthy hosts (reference §8), and `pump`, which starts
//! instances as the health constraints allow and ends the deployment.

use super::batch::{self, Batch, Verdict};
use super::configs;
use super::deployment::{overview, revision_key, tally};
use super::lifecycle;
use super::outcomes;
use super::selection::{self, Candidate};
use super::zonal::{self, ZoneStep};
use super::{Engine, DEPLOYMENT_TIMER};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

/// The deployment's configuration name (the default one when it names none).
fn config_name(info: &DeploymentInfo) -> &str {
    info.deployment_config_name
        .as_deref()
        .unwrap_or(configs::DEFAULT_SERVER_CONFIG)
}

/// The lifecycle events of an in-place target: with or without a load balancer.
fn in_place_events(
    info: &DeploymentInfo,
) -> &'static [crate::model::lifecycle_event::LifecycleEventName] {
    if lifecycle::uses_load_balancer(
        info.deployment_style.as_ref(),
        info.load_balancer_info.as_ref(),
    ) {
        &lifecycle::SERVER_IN_PLACE_LB
    } else {
        &lifecycle::SERVER_IN_PLACE
    }
}

impl Engine {
    /// Resolves the targets, checks the health constraints, and starts the first batch.
    pub(super) fn start_in_place(&mut self, id: &str, group: &GroupRecord, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let info = active.rec.info.clone();
        let seq = active.rec.seq;
        let candidates = self.in_place_candidates(group);
        if candidates.is_empty() {
            return self.finish(id, at, DeploymentStatus::Failed, Some((ErrorCode::NoInstances, "The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your Amazon EC2 instances or Auto Scaling groups correctly identify the instances you want to deploy to, and then try again.".into())));
        }
        if candidates.len() > 1000 {
            return self.finish(id, at, DeploymentStatus::Failed, Some((ErrorCode::OverMaxInstances, format!("The deployment failed because it targets {} instances; a deployment can target at most 1000.", candidates.len()))));
        }
        let skip = self.up_to_date(&info, group, &candidates);
        let n = skip.iter().filter(|s| !**s).count() as i64;
        let (min_healthy, max_down) = self.in_place_limits(&info, n);
        let events = in_place_events(&info);
        let targets: Vec<TargetRecord> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| self.new_target(id, i as u32, c, events, skip[i], at))
            .collect();
        let pending: Vec<u32> = (0..targets.len() as u32)
            .filter(|i| !skip[*i as usize])
            .collect();
        let zonal = self
            .config_info(config_name(&info))
            .and_then(|c| c.zonal_config);
        self.install_in_place_plan(id, targets, pending, zonal, at);
        if let Some(run) = self.active.get_mut(id).and_then(|a| a.rec.run.as_mut()) {
            (run.min_healthy, run.max_down) = (min_healthy, max_down);
        }
        self.schedule(
            at + lifecycle::IN_PLACE_DEADLINE_MILLIS,
            seq,
            DEPLOYMENT_TIMER,
        );
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!(
            "{id}: {n} instance(s), minimum healthy {min_healthy}, at most {max_down} down at once"
        ),
        );
        if n > 0 && max_down <= 0 {
            // reference §8.2 rule 1: the user guide's wording (outcomes.rs).
            return self.finish(
                id,
                at,
                DeploymentStatus::Failed,
                Some(outcomes::health_constraints_invalid()),
            );
        }
        if self.check_alarms(id, at) {
            return;
        }
        self.pump(id, at);
    }

    /// The group's instances, in the order an in-place deployment takes them.
    fn in_place_candidates(&self, group: &GroupRecord) -> Vec<Candidate> {
        let mut candidates = self.group_candidates(group);
        let current = group.info.target_revision.as_ref().map(revision_key);
        selection::order(&mut candidates, &self.hosts, group.id(), current.as_deref());
        candidates
    }

    /// Per candidate: skip it, because only outdated instances are updated and
    /// it is healthy with this revision already.
    fn up_to_date(
        &self,
        info: &DeploymentInfo,
        group: &GroupRecord,
        candidates: &[Candidate],
    ) -> Vec<bool> {
        let rev_key = info.revision.as_ref().map(revision_key).unwrap_or_default();
        let outdated_only = info.update_outdated_instances_only == Some(true);
        let up_to_date = |c: &Candidate| -> bool {
            outdated_only
                && self
                    .hosts
                    .get(&c.id)
                    .and_then(|h| h.groups.get(group.id()))
                    .is_some_and(|s| s.healthy && s.revision.as_deref() == Some(rev_key.as_str()))
        };
        candidates.iter().map(up_to_date).collect()
    }

    /// Minimum healthy hosts and how many may be down at once, for `n` targets.
    fn in_place_limits(&self, info: &DeploymentInfo, n: i64) -> (i64, i64) {
        let config = self.config_info(config_name(info));
        configs::health_limits(
            config
                .as_ref()
                .and_then(|c| c.minimum_healthy_hosts.as_ref()),
            n,
        )
    }

    /// Stores the targets and the batching plan (zone by zone with a
    /// `zonalConfig`), and sets the in-place deadline.
    fn install_in_place_plan(
        &mut self,
        id: &str,
        targets: Vec<TargetRecord>,
        mut pending: Vec<u32>,
        zonal: Option<ZonalConfig>,
        at: Millis,
    ) {
        let zonal = zonal.map(|cfg| zonal::plan(&cfg, &targets, &mut pending));
        let Some(a) = self.active.get_mut(id) else {
            return;
        };
        for t in &targets {
            self.dirty.targets.insert((id.to_string(), t.index));
        }
        a.targets = targets;
        a.rec.info.deployment_overview = Some(overview(tally(&a.targets)));
        if let Some(run) = a.rec.run.as_mut() {
            run.pending = pending;
            run.deadline = Some(at + lifecycle::IN_PLACE_DEADLINE_MILLIS);
            run.zonal = zonal.clone();
        }
        if let Some(z) = zonal {
            let zones: Vec<String> = z
                .zones
                .iter()
                .map(|x| {
                    format!(
                        "{} (at most {} down)",
                        zonal::zone_name(&x.zone),
                        x.max_down
                    )
                })
                .collect();
            self.log(at, Some(id), None, EventKind::Deployment, format!(
                "{id}: one Availability Zone at a time: {}; monitor waits {} s after the first zone, {} s after each later one",
                zones.join(", "), z.first_monitor / 1000, z.monitor / 1000
            ));
        }
    }

    /// Starts as many instances as the health constraints allow, and ends the
    /// deployment once nothing more can happen.
    pub(super) fn pump(&mut self, id: &str, at: Millis) {
        if self.is_blue_green(id) {
            return self.pump_blue_green(id, at);
        }
        loop {
            let Some(active) = self.active.get(id) else {
                return;
            };
            let Some(run) = active.rec.run.as_ref() else {
                return;
            };
            let t = tally(&active.targets);
            if let Some(stop) = run.stop.clone() {
                if t.in_progress == 0 {
                    self.finish(
                        id,
                        at,
                        DeploymentStatus::Stopped,
                        Some((stop.code, stop.message)),
                    );
                }
                return;
            }
            let batch = Batch {
                succeeded: t.succeeded,
                failed: t.failed,
                in_flight: t.in_progress,
                waiting: !run.pending.is_empty(),
                min_healthy: run.min_healthy,
                max_down: run.max_down,
            };
            let room = match batch::verdict(batch::Kind::InPlace, &batch) {
                Verdict::Failed(code, message) => {
                    let failed = Some((code, message));
                    return self.finish(id, at, DeploymentStatus::Failed, failed);
                }
                Verdict::Succeeded => {
                    return self.finish(id, at, DeploymentStatus::Succeeded, None)
                }
                Verdict::Going { room } => room,
            };
            // A zonal deployment also keeps to one zone and its minimum (zonal.rs).
            let room = match self.zone_step(id, at) {
                ZoneStep::Unzoned => room,
                ZoneStep::Room(zone_room) => room && zone_room,
                ZoneStep::Again => continue,
                ZoneStep::Hold | ZoneStep::Ended => return,
            };
            if !room {
                return;
            }
            let index = self
                .active
                .get_mut(id)
                .and_then(|a| a.rec.run.as_mut())
                .map(|r| r.pending.remove(0));
            if let Some(index) = index {
                self.start_target(id, index, at);
            }
        }
    }

    /// Ends one instance: remaining events Skipped, host health recorded, triggers sent.
    pub(super) fn end_target(&mut self, id: &str, index: u32, status: TargetStatus, at: Millis) {
        let Some(active) = self.active.get_mut(id) else {
            return;
        };
        let group_id = active.rec.group_id.clone();
        let rev_key = active.rec.info.revision.as_ref().map(revision_key);
        let Some(t) = active.targets.get_mut(index as usize) else {
            return;
        };
        t.run.due = None;
        let host = t.run.host.clone();
        t.set_status(status.clone(), at);
        t.skip_unfinished_events();
        self.touch_target(id, index);
        self.refresh_overview(id);
        let state = self.host_in_group(&host, &group_id);
        if status == TargetStatus::Succeeded {
            state.healthy = true;
            state.revision = rev_key;
        } else {
            state.healthy = false;
        }
        let (word, event) = if status == TargetStatus::Succeeded {
            ("succeeded", TriggerEventType::InstanceSuccess)
        } else {
            ("failed", TriggerEventType::InstanceFailure)
        };
        self.log(
            at,
            Some(id),
            Some(&host),
            EventKind::Target,
            format!("{host}: deployment {word}"),
        );
        self.trigger_instance(at, id, index, event);
        self.pump(id, at);
    }
}
