//! Running deployments: the state machine Created -> Queued -> InProgress ->
//! Succeeded | Failed | Stopped, Server in-place batching under minimum healthy
//! hosts (reference §8), stop, alarms and automatic rollback (§11).

use std::cmp::Reverse;

use super::batch::{self, Batch, Verdict};
use super::configs;
use super::lifecycle;
use super::outcomes;
use super::selection::{self, Candidate};
use super::zonal::{self, ZoneStep};
use super::{Active, Engine, DEPLOYMENT_TIMER};
use crate::model::ids;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::rng;
use crate::state::*;

/// Everything needed to create a deployment, from the API or from the engine itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeploymentSpec {
    pub group_id: String,
    pub revision: RevisionLocation,
    pub config_name: String,
    pub description: Option<String>,
    pub creator: Option<DeploymentCreator>,
    pub ignore_application_stop_failures: bool,
    pub update_outdated_instances_only: bool,
    pub auto_rollback: Option<AutoRollbackConfiguration>,
    pub file_exists_behavior: Option<FileExistsBehavior>,
    pub override_alarms: Option<AlarmConfiguration>,
    pub target_instances: Option<TargetInstances>,
    pub rollback_of: Option<String>,
}

/// Counts of a deployment's targets by status.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    pending: i64,
    in_progress: i64,
    succeeded: i64,
    failed: i64,
    skipped: i64,
    ready: i64,
}

fn target_status(t: &TargetRecord) -> TargetStatus {
    t.status()
}

fn tally(targets: &[TargetRecord]) -> Tally {
    let mut t = Tally::default();
    for target in targets {
        match target_status(target) {
            TargetStatus::Pending | TargetStatus::Unknown => t.pending += 1,
            TargetStatus::InProgress => t.in_progress += 1,
            TargetStatus::Succeeded => t.succeeded += 1,
            TargetStatus::Failed => t.failed += 1,
            TargetStatus::Skipped => t.skipped += 1,
            TargetStatus::Ready => t.ready += 1,
            TargetStatus::UnknownValue(_) => {}
        }
    }
    t
}

fn overview(t: Tally) -> DeploymentOverview {
    DeploymentOverview {
        pending: Some(t.pending),
        in_progress: Some(t.in_progress),
        succeeded: Some(t.succeeded),
        failed: Some(t.failed),
        skipped: Some(t.skipped),
        ready: Some(t.ready),
    }
}

/// The key that identifies a revision: its location without volatile members.
pub(crate) fn revision_key(rev: &RevisionLocation) -> String {
    let mut r = rev.clone();
    if let Some(c) = r.app_spec_content.as_mut() {
        if c.sha256.is_some() {
            c.content = None;
        }
    }
    serde_json::to_string(&r).unwrap_or_default()
}

/// The wire description of a new deployment: the spec, completed from its
/// group. Its ID is set by `DeploymentRecord::new`.
fn deployment_info(group: &GroupRecord, spec: &DeploymentSpec, at: Millis) -> DeploymentInfo {
    DeploymentInfo {
        application_name: group.info.application_name.clone(),
        deployment_group_name: Some(group.name().to_string()),
        deployment_config_name: Some(spec.config_name.clone()),
        previous_revision: group.info.target_revision.clone(),
        revision: Some(spec.revision.clone()),
        status: Some(DeploymentStatus::Created),
        create_time: Some(Timestamp(at)),
        deployment_overview: Some(overview(Tally::default())),
        description: spec.description.clone(),
        creator: Some(spec.creator.clone().unwrap_or(DeploymentCreator::User)),
        ignore_application_stop_failures: Some(spec.ignore_application_stop_failures),
        auto_rollback_configuration: spec
            .auto_rollback
            .clone()
            .or_else(|| group.info.auto_rollback_configuration.clone()),
        update_outdated_instances_only: Some(spec.update_outdated_instances_only),
        rollback_info: spec.rollback_of.as_ref().map(|orig| RollbackInfo {
            rollback_deployment_id: None,
            rollback_triggering_deployment_id: Some(orig.clone()),
            // Set by the rollback that creates it (rollback.rs).
            rollback_message: None,
        }),
        deployment_style: Some(
            group
                .info
                .deployment_style
                .clone()
                .unwrap_or(DeploymentStyle {
                    deployment_type: Some(DeploymentType::InPlace),
                    deployment_option: Some(DeploymentOption::WithoutTrafficControl),
                }),
        ),
        target_instances: spec.target_instances.clone(),
        instance_termination_wait_time_started: Some(false),
        blue_green_deployment_configuration: group.info.blue_green_deployment_configuration.clone(),
        load_balancer_info: group.info.load_balancer_info.clone(),
        file_exists_behavior: Some(
            spec.file_exists_behavior
                .clone()
                .unwrap_or(FileExistsBehavior::Disallow),
        ),
        deployment_status_messages: Some(vec![]),
        compute_platform: group.info.compute_platform.clone(),
        override_alarm_configuration: spec.override_alarms.clone(),
        ..Default::default()
    }
}

/// The deployment's configuration name (the default one when it names none).
fn config_name(info: &DeploymentInfo) -> &str {
    info.deployment_config_name
        .as_deref()
        .unwrap_or(configs::DEFAULT_SERVER_CONFIG)
}

/// The lifecycle events of an in-place target: with or without a load balancer.
fn in_place_events(info: &DeploymentInfo) -> &'static [&'static str] {
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
    /// Processes every timer due at or before `now`, each at its own due time,
    /// then deletes the on-premises records CodeDeploy no longer keeps
    /// (ops/instances.rs: reads skip them already; this frees the store).
    /// Decides from memory (DESIGN rule 7): nothing under it takes an
    /// archive; `_ar` is unread and stays only until its callers in
    /// `engine/view.rs` and `runtime/` stop passing one.
    pub fn advance(&mut self, now: Millis, _ar: &dyn Archive) {
        while let Some(Reverse(timer)) = self.timers.peek().copied() {
            if timer.due > now {
                break;
            }
            self.timers.pop();
            let Some(id) = self.by_seq.get(&timer.seq).cloned() else {
                continue;
            };
            if timer.index == DEPLOYMENT_TIMER {
                self.fire_deployment(&id, timer.due);
            } else {
                self.fire_target(&id, timer.index, timer.due);
            }
        }
        // Timers nothing waits for any more leave the top of the heap, so
        // `next_due` is a peek again.
        while self
            .timers
            .peek()
            .is_some_and(|Reverse(t)| !self.timer_live(t))
        {
            self.timers.pop();
        }
        if now > self.meta.now {
            self.meta.now = now;
            self.dirty.meta = true;
        }
        self.delete_expired_instances(now);
    }

    pub(crate) fn touch(&mut self, id: &str) {
        self.dirty.deployments.insert(id.to_string());
    }

    pub(super) fn touch_target(&mut self, id: &str, index: u32) {
        self.dirty.targets.insert((id.to_string(), index));
        self.touch(id);
    }

    /// Creates a deployment in `Created`; it starts (or queues) at `at`.
    pub(crate) fn insert_deployment(&mut self, at: Millis, spec: DeploymentSpec) -> String {
        let id = self.fresh_deployment_id();
        let seq = self.meta.next_seq;
        self.meta.next_seq += 1;
        let Some(group) = self.groups.get(&spec.group_id) else {
            return id;
        };
        let run = RunState {
            start_due: Some(at),
            min_healthy: 0,
            max_down: 0,
            pending: vec![],
            stop: None,
            deadline: None,
            deadline_passed: false,
            shift: None,
            blue_green: None,
            zonal: None,
        };
        let record = DeploymentRecord::new(
            id.clone(),
            deployment_info(group, &spec, at),
            seq,
            group.application_id.clone(),
            spec.group_id.clone(),
            Some(run),
        );
        let group_name = group.name().to_string();
        self.note_attempt(&spec.group_id, &id, at);
        self.insert_active(Active {
            rec: record,
            targets: vec![],
        });
        self.touch(&id);
        self.log(
            at,
            Some(&id),
            None,
            EventKind::Deployment,
            format!("{id} created in {group_name}"),
        );
        id
    }

    /// A deployment ID no unfinished deployment has.
    fn fresh_deployment_id(&mut self) -> String {
        loop {
            let candidate = ids::deployment_id(self.next_bits("deployment"));
            if !self.active.contains_key(&candidate) {
                return candidate;
            }
        }
    }

    /// The group's last attempted deployment is the one just created.
    fn note_attempt(&mut self, group_id: &str, id: &str, at: Millis) {
        if let Some(group) = self.groups.get_mut(group_id) {
            group.info.last_attempted_deployment = Some(LastDeploymentInfo {
                deployment_id: Some(id.to_string()),
                status: Some(DeploymentStatus::Created),
                end_time: None,
                create_time: Some(Timestamp(at)),
            });
            self.dirty.groups.insert(group_id.to_string());
        }
    }

    fn fire_deployment(&mut self, id: &str, at: Millis) {
        let Some(active) = self.active.get_mut(id) else {
            return;
        };
        let in_progress = active.rec.status() == DeploymentStatus::InProgress;
        let Some(run) = active.rec.run.as_mut() else {
            return;
        };
        if run.start_due == Some(at) {
            run.start_due = None;
            self.touch(id);
            self.begin(id, at);
        } else if run.deadline == Some(at) && run.blue_green.is_some() {
            self.fire_blue_green_wait(id, at);
        } else if run.deadline == Some(at) && in_progress {
            self.time_out(id, at);
        } else if run.zonal.as_ref().and_then(|z| z.monitor_until) == Some(at) {
            self.end_zone_wait(id, at);
        }
    }

    /// A `Created` deployment starts if its group is free, else waits `Queued`.
    fn begin(&mut self, id: &str, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let group_id = active.rec.group_id.clone();
        let busy = self
            .groups
            .get(&group_id)
            .and_then(|g| g.active.clone())
            .is_some_and(|other| other != id);
        if busy {
            self.set_status(id, DeploymentStatus::Queued);
            if let Some(group) = self.groups.get_mut(&group_id) {
                group.queue.push(id.to_string());
                self.dirty.groups.insert(group_id);
            }
            self.log(
                at,
                Some(id),
                None,
                EventKind::Deployment,
                format!("{id} queued behind the active deployment"),
            );
            return;
        }
        self.start(id, at);
    }

    fn set_status(&mut self, id: &str, status: DeploymentStatus) {
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.status = Some(status);
        }
        self.touch(id);
    }

    fn start(&mut self, id: &str, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let group_id = active.rec.group_id.clone();
        let Some(group) = self.groups.get(&group_id).cloned() else {
            return self.finish(
                id,
                at,
                DeploymentStatus::Failed,
                Some((
                    ErrorCode::DeploymentGroupMissing,
                    "The deployment group was deleted before the deployment started.".into(),
                )),
            );
        };
        if !self.apps.values().any(|a| a.id() == group.application_id) {
            return self.finish(
                id,
                at,
                DeploymentStatus::Failed,
                Some((
                    ErrorCode::ApplicationMissing,
                    "The application was deleted before the deployment started.".into(),
                )),
            );
        }
        if let Some(g) = self.groups.get_mut(&group_id) {
            g.active = Some(id.to_string());
            g.queue.retain(|q| q != id);
            self.dirty.groups.insert(group_id.clone());
        }
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.status = Some(DeploymentStatus::InProgress);
            a.rec.info.start_time = Some(Timestamp(at));
        }
        self.touch(id);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id} started"),
        );
        self.trigger_deployment(at, id, TriggerEventType::DeploymentStart);
        match DeploymentKind::of(&group.info) {
            DeploymentKind::InPlace => self.start_in_place(id, &group, at),
            DeploymentKind::Shift => self.start_shift(id, &group, at),
            DeploymentKind::BlueGreen => self.start_blue_green(id, &group, at),
        }
    }

    /// Resolves the targets, checks the health constraints, and starts the first batch.
    fn start_in_place(&mut self, id: &str, group: &GroupRecord, at: Millis) {
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

    pub(super) fn new_target(
        &self,
        id: &str,
        index: u32,
        c: &Candidate,
        events: &[&str],
        skipped: bool,
        at: Millis,
    ) -> TargetRecord {
        let arn = if c.on_premises {
            self.arns().on_premises_instance(&c.id)
        } else {
            self.arns().ec2_instance(&c.id)
        };
        let status = if skipped {
            LifecycleEventStatus::Skipped
        } else {
            LifecycleEventStatus::Pending
        };
        let lifecycle_events = events
            .iter()
            .map(|e| LifecycleEvent {
                lifecycle_event_name: Some(e.to_string()),
                status: Some(status.clone()),
                ..Default::default()
            })
            .collect();
        TargetRecord {
            deployment_id: id.to_string(),
            target_id: c.id.clone(),
            index,
            target: DeploymentTarget {
                deployment_target_type: Some(DeploymentTargetType::InstanceTarget),
                instance_target: Some(InstanceTarget {
                    deployment_id: Some(id.to_string()),
                    target_id: Some(c.id.clone()),
                    target_arn: Some(arn),
                    status: Some(if skipped {
                        TargetStatus::Skipped
                    } else {
                        TargetStatus::Pending
                    }),
                    last_updated_at: Some(Timestamp(at)),
                    lifecycle_events: Some(lifecycle_events),
                    instance_label: None,
                }),
                ..Default::default()
            },
            run: TargetRun {
                host: c.id.clone(),
                zone: self
                    .fleet_hosts
                    .get(&c.id)
                    .map(|h| h.availability_zone.clone()),
                ..Default::default()
            },
        }
    }

    /// A deployment configuration by name, predefined or custom.
    pub(crate) fn config_info(&self, name: &str) -> Option<DeploymentConfigInfo> {
        configs::predefined(name).or_else(|| self.configs.get(name).map(|c| c.info.clone()))
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

    pub(super) fn start_target(&mut self, id: &str, index: u32, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let Some(target) = active.targets.get(index as usize) else {
            return;
        };
        let host_id = target.run.host.clone();
        let events = event_names(target);
        let group_id = active.rec.group_id.clone();
        let fault = self.take_fault(&host_id, &group_id, &events);
        if let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        {
            t.run.fault = fault;
            t.run.event = 0;
            t.set_status(TargetStatus::InProgress, at);
        }
        self.touch_target(id, index);
        self.refresh_overview(id);
        self.log(
            at,
            Some(id),
            Some(&host_id),
            EventKind::Target,
            format!("{host_id}: deployment started"),
        );
        self.trigger_instance(at, id, index, TriggerEventType::InstanceStart);
        self.begin_event(id, index, 0, at);
    }

    /// The fault a host shows in this deployment: a one-shot fault from the
    /// dashboard first, else the fleet file, else `codedeck:` tags.
    fn take_fault(&mut self, host_id: &str, group_id: &str, events: &[String]) -> Option<Fault> {
        if let Some(kind) = self
            .hosts
            .get_mut(host_id)
            .and_then(|h| h.next_fault.take())
        {
            self.dirty.hosts.insert(host_id.to_string());
            let event = self.fault_event(host_id, group_id, events, kind)?;
            return Some(Fault { event, kind });
        }
        let (event, kind) = self.behaviour(host_id).fault()?;
        if kind == FaultKind::Unresponsive {
            return events.first().map(|e| Fault {
                event: e.clone(),
                kind,
            });
        }
        events.contains(&event).then_some(Fault { event, kind })
    }

    /// The event of `events` a one-shot fault of `kind` breaks on a host: the
    /// first that runs a script there (on a first install the previous
    /// revision's hooks have none, reference §13), the first reserved event
    /// for a full disk, whatever comes first for a host that never answers.
    pub(crate) fn fault_event(
        &self,
        host_id: &str,
        group_id: &str,
        events: &[String],
        kind: FaultKind,
    ) -> Option<String> {
        let first_install = self
            .hosts
            .get(host_id)
            .and_then(|h| h.groups.get(group_id))
            .is_none_or(|g| g.revision.is_none());
        events
            .iter()
            .find(|e| match kind {
                FaultKind::Unresponsive => true,
                FaultKind::DiskFull => lifecycle::is_reserved(e),
                _ => lifecycle::runs_script_here(e, first_install),
            })
            .cloned()
    }

    /// A host's behaviour: fleet defaults, its own settings, then `codedeck:` tags.
    pub(crate) fn behaviour(
        &self,
        host_id: &str,
    ) -> std::borrow::Cow<'_, crate::state::fleet::Behaviour> {
        let defaults = &self.fleet.defaults;
        if let Some(host) = self.fleet_hosts.get(host_id) {
            return std::borrow::Cow::Borrowed(&host.behaviour);
        }
        let tags = self
            .instances
            .get(host_id)
            .map(|i| {
                i.info
                    .tags
                    .iter()
                    .flatten()
                    .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
                    .collect()
            })
            .unwrap_or_default();
        std::borrow::Cow::Owned(super::world::tag_faults(&tags, defaults.clone()))
    }

    pub(super) fn begin_event(&mut self, id: &str, index: u32, event: u32, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let seq = active.rec.seq;
        let Some(target) = active.targets.get(index as usize) else {
            return;
        };
        let names = event_names(target);
        let Some(name) = names.get(event as usize).cloned() else {
            return;
        };
        let host = target.run.host.clone();
        if self.agent_runs_event(&host, &name) {
            return self.order_event(id, index, event, at);
        }
        let fault = target.run.fault.clone().filter(|f| f.event == name);
        let duration = match fault.as_ref().map(|f| f.kind) {
            Some(FaultKind::Unresponsive) => lifecycle::START_TIMEOUT_MILLIS,
            Some(FaultKind::Timeout) => lifecycle::SCRIPT_TIMEOUT_SECS * 1000,
            _ => {
                let bits = rng::draw(self.meta.seed, &[id, &host, &name]);
                self.behaviour(&host).duration_millis(&name, bits)
            }
        };
        let unresponsive = fault
            .as_ref()
            .is_some_and(|f| f.kind == FaultKind::Unresponsive);
        if let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        {
            t.run.event = event;
            t.run.due = Some(at + duration);
            if let Some(ev) = lifecycle_event_mut(t, event) {
                if !unresponsive {
                    ev.status = Some(LifecycleEventStatus::InProgress);
                    ev.start_time = Some(Timestamp(at));
                }
            }
            t.touch(at);
        }
        self.touch_target(id, index);
        self.schedule(at + duration, seq, index);
    }

    fn fire_target(&mut self, id: &str, index: u32, at: Millis) {
        if self.is_blue_green(id) {
            return self.fire_blue_green_target(id, index, at);
        }
        let shift = self
            .active
            .get(id)
            .and_then(|a| a.rec.run.as_ref())
            .is_some_and(|r| r.shift.is_some());
        if shift {
            let due = self
                .active
                .get(id)
                .and_then(|a| a.targets.get(index as usize))
                .and_then(|t| t.run.due);
            if due == Some(at) {
                self.fire_shift(id, at);
            }
            return;
        }
        self.end_target_event(id, index, at, EventEnd::Timer);
    }

    /// A target's running event ended (its timer fired, or its agent
    /// reported): recorded, then the target goes on or ends.
    pub(super) fn end_target_event(&mut self, id: &str, index: u32, at: Millis, end: EventEnd) {
        let after = self.end_event(id, index, at, end);
        if self.is_blue_green(id) {
            return self.blue_green_after_event(id, index, at, after);
        }
        match after {
            Some(AfterEvent::Fail) => self.end_target(id, index, TargetStatus::Failed, at),
            Some(AfterEvent::Succeed) => self.end_target(id, index, TargetStatus::Succeeded, at),
            Some(AfterEvent::Next { event, .. }) => self.begin_event(id, index, event, at),
            None => {}
        }
    }

    /// A target's event timer fired: records how the event ended (logging a
    /// failure) and says how the target goes on; `None` for a stale timer.
    pub(super) fn end_event(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        end: EventEnd,
    ) -> Option<AfterEvent> {
        let active = self.active.get(id)?;
        let target = active.targets.get(index as usize)?;
        let current = match &end {
            EventEnd::Timer => target.run.due == Some(at),
            EventEnd::Reported(_) => target.run.agent,
        };
        if !current {
            return None;
        }
        let names = event_names(target);
        let event = target.run.event;
        let name = names.get(event as usize).cloned().unwrap_or_default();
        let host = target.run.host.clone();
        // A simulated event fails by the fault the host shows; a reported
        // one as its agent says.
        let fault = match &end {
            EventEnd::Timer => target.run.fault.as_ref().filter(|f| f.event == name),
            EventEnd::Reported(_) => None,
        }
        .map(|f| f.kind);
        let (failed, diagnostics, log) = match end {
            EventEnd::Timer => match fault {
                Some(kind) => (true, lifecycle::failure(&name, kind, &host), None),
                None => (false, lifecycle::success(), None),
            },
            EventEnd::Reported(r) => (!r.succeeded, r.diagnostics, r.scripts_log),
        };
        let ignore = failed
            && lifecycle::forgiven(
                active.rec.info.ignore_application_stop_failures == Some(true),
                &name,
                fault,
            );
        let stopping = active.rec.run.as_ref().is_some_and(|r| r.stop.is_some());
        self.record_event_end(id, index, at, failed, diagnostics, log);
        self.touch_target(id, index);
        if failed {
            self.log(
                at,
                Some(id),
                Some(&host),
                EventKind::Target,
                format!("{host}: {name} failed"),
            );
        }
        let next = event + 1;
        Some(if failed && !ignore {
            AfterEvent::Fail
        } else if next as usize >= names.len() {
            AfterEvent::Succeed
        } else if stopping {
            AfterEvent::Fail
        } else {
            AfterEvent::Next {
                event: next,
                ended: name,
                host,
            }
        })
    }

    /// Writes how a target's running event ended into its record.
    fn record_event_end(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        failed: bool,
        diagnostics: Diagnostics,
        log: Option<String>,
    ) {
        let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        else {
            return;
        };
        let event = t.run.event;
        t.run.due = None;
        t.run.agent = false;
        if log.is_some() {
            t.run.scripts_log = log;
        }
        if let Some(ev) = lifecycle_event_mut(t, event) {
            ev.end_time = Some(Timestamp(at));
            ev.status = Some(if failed {
                LifecycleEventStatus::Failed
            } else {
                LifecycleEventStatus::Succeeded
            });
            ev.diagnostics = Some(diagnostics);
        }
    }

    /// Ends one instance: remaining events Skipped, host health recorded, triggers sent.
    fn end_target(&mut self, id: &str, index: u32, status: TargetStatus, at: Millis) {
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

    pub(crate) fn refresh_overview(&mut self, id: &str) {
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.deployment_overview = Some(overview(tally(&a.targets)));
        }
        self.touch(id);
    }

    /// The 8-hour limit passed: running events fail, the deployment fails with TIMEOUT.
    pub(super) fn time_out(&mut self, id: &str, at: Millis) {
        if let Some(a) = self.active.get_mut(id) {
            // A local host's agent runs in real time, which the virtual clock
            // may outrun: its report, not the clock, ends the deployment.
            let agent_running = a.targets.iter().any(|t| t.run.agent);
            if let Some(run) = a
                .rec
                .run
                .as_mut()
                .filter(|r| agent_running && !r.deadline_passed)
            {
                run.deadline = None;
                run.deadline_passed = true;
                self.touch(id);
                return;
            }
            for t in a
                .targets
                .iter_mut()
                .filter(|t| target_status(t) == TargetStatus::InProgress)
            {
                t.run.due = None;
                let event = t.run.event;
                if let Some(ev) = lifecycle_event_mut(t, event) {
                    ev.status = Some(LifecycleEventStatus::Failed);
                    ev.end_time = Some(Timestamp(at));
                    ev.diagnostics = Some(Diagnostics {
                        error_code: Some(LifecycleErrorCode::UnknownError),
                        message: Some(
                            "The deployment timed out while this lifecycle event was running."
                                .into(),
                        ),
                        script_name: Some(String::new()),
                        log_tail: Some(String::new()),
                    });
                }
                t.set_status(TargetStatus::Failed, at);
            }
        }
        self.finish(
            id,
            at,
            DeploymentStatus::Failed,
            Some((
                ErrorCode::Timeout,
                "The deployment timed out: an in-place deployment may run for at most 8 hours."
                    .into(),
            )),
        );
    }

    /// Ends a deployment: final statuses, group bookkeeping, triggers, rollback,
    /// then the next queued deployment of the group starts.
    pub(crate) fn finish(
        &mut self,
        id: &str,
        at: Millis,
        status: DeploymentStatus,
        error: Option<(ErrorCode, String)>,
    ) {
        let Some(mut active) = self.active.remove(id) else {
            return;
        };
        self.by_seq.remove(&active.rec.seq);
        // Nothing is left to wake it: its timers go with it (`next_due`).
        self.cancel_timers(active.rec.seq);
        let run = active.rec.run.take();
        for t in active.targets.iter_mut() {
            t.run.due = None;
            if matches!(t.status(), TargetStatus::Pending | TargetStatus::InProgress) {
                t.set_status(TargetStatus::Skipped, at);
            }
            t.skip_unfinished_events();
        }
        let info = &mut active.rec.info;
        info.status = Some(status.clone());
        info.complete_time = Some(Timestamp(at));
        info.deployment_overview = Some(overview(tally(&active.targets)));
        info.error_information = error.clone().map(|(code, message)| ErrorInformation {
            code: Some(code),
            message: Some(message),
        });
        let group_id = active.rec.group_id.clone();
        self.update_group_after(&group_id, &active.rec, at);
        let word = status.as_str().to_lowercase();
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            match &error {
                Some((code, _)) => format!("{id} {word} ({code})"),
                None => format!("{id} {word}"),
            },
        );
        let trigger = match status {
            DeploymentStatus::Succeeded => TriggerEventType::DeploymentSuccess,
            DeploymentStatus::Stopped => TriggerEventType::DeploymentStop,
            _ => TriggerEventType::DeploymentFailure,
        };
        // Triggers read the deployment from `active`; put it back for the call.
        self.active.insert(id.to_string(), active);
        self.trigger_deployment(at, id, trigger);
        self.note_rollback_ended(id, &status, error.as_ref().map(|(c, _)| c));
        let rollback = self.rollback_after(id, &status, run.as_ref(), at);
        let Some(active) = self.active.remove(id) else {
            return;
        };
        self.dirty.deployments.remove(id);
        self.dirty.targets.retain(|(d, _)| d != id);
        self.out.push(Change::Deployment(active.rec));
        for t in active.targets {
            self.out.push(Change::Target(t));
        }
        match rollback {
            Some(rb) => self.begin(&rb, at),
            None => self.start_next_queued(&group_id, at),
        }
    }

    fn update_group_after(&mut self, group_id: &str, rec: &DeploymentRecord, at: Millis) {
        let Some(group) = self.groups.get_mut(group_id) else {
            return;
        };
        if group.active.as_deref() == Some(rec.id()) {
            group.active = None;
        }
        group.queue.retain(|q| q != rec.id());
        let last = LastDeploymentInfo {
            deployment_id: Some(rec.id().to_string()),
            status: rec.info.status.clone(),
            end_time: Some(Timestamp(at)),
            create_time: rec.info.create_time,
        };
        if rec.info.status == Some(DeploymentStatus::Succeeded) {
            group.info.last_successful_deployment = Some(last.clone());
            group.info.target_revision = rec.info.revision.clone();
        }
        group.info.last_attempted_deployment = Some(last);
        self.dirty.groups.insert(group_id.to_string());
    }

    /// The head of the group's queue starts once the group is free: a queued
    /// deployment that is stopped leaves the running one alone.
    fn start_next_queued(&mut self, group_id: &str, at: Millis) {
        let next = self
            .groups
            .get(group_id)
            .filter(|g| g.active.is_none())
            .and_then(|g| g.queue.first().cloned());
        if let Some(next) = next {
            self.start(&next, at);
        }
    }

    /// Requests a stop. Returns true when the deployment ended at once.
    pub(crate) fn request_stop(&mut self, id: &str, at: Millis, stop: StopRequest) -> bool {
        let Some(active) = self.active.get_mut(id) else {
            return true;
        };
        let status = active.rec.status();
        let Some(run) = active.rec.run.as_mut() else {
            return true;
        };
        if run.stop.is_some() {
            return false;
        }
        run.pending.clear();
        run.start_due = None;
        if run.shift.is_some() {
            return self.stop_shift(id, at, stop);
        }
        if matches!(status, DeploymentStatus::Created | DeploymentStatus::Queued) {
            let mut stop = stop;
            stop.rollback = false;
            run.stop = Some(stop.clone());
            self.finish(
                id,
                at,
                DeploymentStatus::Stopped,
                Some((stop.code, stop.message)),
            );
            return true;
        }
        run.stop = Some(stop);
        self.touch(id);
        self.pump(id, at);
        !self.active.contains_key(id)
    }

    /// Stops the deployment if an alarm it watches fires. Returns true if stopped.
    pub(crate) fn check_alarms(&mut self, id: &str, at: Millis) -> bool {
        let Some(active) = self.active.get(id) else {
            return false;
        };
        if active.rec.status() != DeploymentStatus::InProgress {
            return false;
        }
        let config = active
            .rec
            .info
            .override_alarm_configuration
            .clone()
            .or_else(|| {
                self.groups
                    .get(&active.rec.group_id)
                    .and_then(|g| g.info.alarm_configuration.clone())
            });
        let Some(config) = config.filter(|c| c.enabled == Some(true)) else {
            return false;
        };
        let ignore_poll = config.ignore_poll_alarm_failure == Some(true);
        let mut reason = None;
        // Validated: every alarm of a configuration has a name.
        for name in config
            .alarms
            .iter()
            .flatten()
            .filter_map(|a| a.name.clone())
        {
            match self.alarms.get(&name).map(|a| a.state) {
                Some(AlarmState::Alarm) => {
                    reason = Some(format!("The deployment was stopped because CloudWatch alarm '{name}' is in the ALARM state."));
                    break;
                }
                Some(AlarmState::PollFailure) if !ignore_poll => {
                    reason = Some(format!("The deployment was stopped because the state of CloudWatch alarm '{name}' could not be read."));
                    break;
                }
                _ => {}
            }
        }
        let Some(message) = reason else { return false };
        let rollback = rollback_enabled_for(
            active.rec.info.auto_rollback_configuration.as_ref(),
            AutoRollbackEvent::DeploymentStopOnAlarm,
        );
        self.request_stop(
            id,
            at,
            StopRequest {
                code: ErrorCode::AlarmActive,
                message,
                rollback,
            },
        );
        true
    }
}

/// How a group's deployments run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeploymentKind {
    /// EC2/on-premises in place, in batches under minimum healthy hosts (§8).
    InPlace,
    /// Lambda and ECS: one target whose traffic shifts per the config (§9).
    Shift,
    /// EC2 blue/green: a replacement fleet, then rerouting (§7.2, §10).
    BlueGreen,
}

impl DeploymentKind {
    pub(crate) fn of(group: &DeploymentGroupInfo) -> DeploymentKind {
        match group.compute_platform {
            Some(ComputePlatform::Lambda) | Some(ComputePlatform::Ecs) => DeploymentKind::Shift,
            _ if group
                .deployment_style
                .as_ref()
                .and_then(|s| s.deployment_type.as_ref())
                == Some(&DeploymentType::BlueGreen) =>
            {
                DeploymentKind::BlueGreen
            }
            _ => DeploymentKind::InPlace,
        }
    }
}

/// Whether an auto-rollback configuration asks for rollback on `event`.
pub(crate) fn rollback_enabled_for(
    config: Option<&AutoRollbackConfiguration>,
    event: AutoRollbackEvent,
) -> bool {
    config
        .is_some_and(|c| c.enabled == Some(true) && c.events.iter().flatten().any(|e| *e == event))
}

pub(crate) fn event_names(t: &TargetRecord) -> Vec<String> {
    t.events()
        .iter()
        .filter_map(|e| e.lifecycle_event_name.clone())
        .collect()
}

pub(crate) fn lifecycle_event_mut(t: &mut TargetRecord, index: u32) -> Option<&mut LifecycleEvent> {
    t.event_mut(index)
}

/// What ended a target's running event.
pub(super) enum EventEnd {
    /// Its timer: a simulated event, with the fault the host shows, if any.
    Timer,
    /// Its local host's agent.
    Reported(crate::state::orders::EventReport),
}

/// How a target goes on after one of its lifecycle events ended.
pub(super) enum AfterEvent {
    Fail,
    Succeed,
    /// Run `event` next; `ended` is the event that just succeeded (or was forgiven).
    Next {
        event: u32,
        ended: String,
        host: String,
    },
}
