//! A deployment's life: created, then Queued or InProgress, until it ends
//! Succeeded, Failed or Stopped; the timers that drive it, the group's
//! queue, stop requests, alarms and the 8-hour limit (reference §8, §11).
//! How targets are planned and run lives in `inplace.rs`, `bluegreen/` and
//! `shift/`; how one target runs its lifecycle events in `host_events.rs`.

use std::cmp::Reverse;

use super::configs;
use super::host_events::lifecycle_event_mut;
use super::{Active, Engine, DEPLOYMENT_TIMER};
use crate::model::ids;
use crate::model::time::Millis;
use crate::model::*;
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
pub(super) struct Tally {
    pub pending: i64,
    pub in_progress: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub ready: i64,
}

fn target_status(t: &TargetRecord) -> TargetStatus {
    t.status()
}

pub(super) fn tally(targets: &[TargetRecord]) -> Tally {
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

pub(super) fn overview(t: Tally) -> DeploymentOverview {
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
            // Set by the rollback that creates it (auto_rollback.rs).
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

impl Engine {
    /// Processes every timer due at or before `now`, each at its own due time,
    /// then deletes the on-premises records CodeDeploy no longer keeps
    /// (ops/instances.rs: reads skip them already; this frees the store).
    /// Decides from memory (DESIGN rule 7): it has no archive to read.
    pub fn advance(&mut self, now: Millis) {
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

    /// A deployment configuration by name, predefined or custom.
    pub(crate) fn config_info(&self, name: &str) -> Option<DeploymentConfigInfo> {
        configs::predefined(name).or_else(|| self.configs.get(name).map(|c| c.info.clone()))
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
