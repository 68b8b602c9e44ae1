//! Lambda and ECS deployments: one target, hook functions, and traffic shifted
//! per the deployment configuration on the virtual clock (reference §7.3, §7.4,
//! §9, §13.6).
//!
//! A shift deployment has one wake-up at a time (the target's `run.due`): the
//! running hook answering or timing out, the next traffic step, the end of a
//! reserved event, or the end of a wait. What it is follows from the state.

mod ecs;
mod hooks;
mod traffic;
mod waits;

pub(crate) use hooks::HookAnswer;
pub use hooks::HOOK_TIMEOUT_MILLIS;
pub use traffic::traffic_schedule;

use super::appspec::{self, EcsSpec, LambdaSpec};
use super::deployment::rollback_enabled_for;
use super::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::fleet::{HookOutcome, DEFAULT_HOOK_SECS};
use crate::state::rng;
use crate::state::*;

use crate::model::lifecycle_event::LifecycleEventName;
pub use crate::model::lifecycle_event::{ECS_EVENTS, LAMBDA_EVENTS};

/// Group tag: `codedeck:hooks = external` makes hooks wait for the API.
pub const HOOKS_TAG: &str = "codedeck:hooks";
/// Group tag: `codedeck:hook-fail = <event>` makes that event's hook fail.
pub const HOOK_FAIL_TAG: &str = "codedeck:hook-fail";

/// What a deployment deploys, parsed from its appspec.
enum Spec {
    Lambda(LambdaSpec),
    Ecs(EcsSpec),
}

impl Spec {
    fn hooks(&self) -> &[(String, String)] {
        match self {
            Spec::Lambda(s) => &s.hooks,
            Spec::Ecs(s) => &s.hooks,
        }
    }
}

/// The appspec text a revision carries: inline, or an object of simulated S3.
pub(crate) fn revision_text(
    rev: &RevisionLocation,
    fleet: &crate::state::fleet::Fleet,
) -> Result<String, (ErrorCode, String)> {
    if let Some(text) = rev
        .app_spec_content
        .as_ref()
        .and_then(|c| c.content.clone())
    {
        return Ok(text);
    }
    if let Some(text) = rev.string.as_ref().and_then(|c| c.content.clone()) {
        return Ok(text);
    }
    if let Some(s3) = &rev.s3_location {
        let (bucket, key) = (
            s3.bucket.clone().unwrap_or_default(),
            s3.key.clone().unwrap_or_default(),
        );
        return fleet
            .s3_objects
            .iter()
            .find(|o| o.bucket == bucket && o.key == key)
            .map(|o| o.content.clone())
            .ok_or((
                ErrorCode::RevisionMissing,
                format!("The revision s3://{bucket}/{key} does not exist in codedeck's simulated S3 (declare it as an [[s3_object]] in the fleet file)."),
            ));
    }
    Err((
        ErrorCode::InvalidRevision,
        "The revision has no AppSpec content.".into(),
    ))
}

/// Parses a revision's appspec for a platform; the error is for people.
pub(crate) fn check_appspec(text: &str, platform: &ComputePlatform) -> Result<(), String> {
    match platform {
        ComputePlatform::Ecs => appspec::ecs(text).map(|_| ()),
        _ => appspec::lambda(text).map(|_| ()),
    }
}

/// The Lambda spec of a deployment whose alias must not be split.
fn split_alias(spec: &Spec) -> Option<&LambdaSpec> {
    match spec {
        Spec::Lambda(s) => Some(s),
        Spec::Ecs(_) => None,
    }
}

fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key.as_deref() == Some(key))
        .and_then(|t| t.value.as_deref())
}

fn pending_events(names: &[LifecycleEventName]) -> Vec<LifecycleEvent> {
    names
        .iter()
        .map(|e| LifecycleEvent {
            lifecycle_event_name: Some(e.to_string()),
            status: Some(LifecycleEventStatus::Pending),
            ..Default::default()
        })
        .collect()
}

impl Engine {
    /// Starts a Lambda or ECS deployment: parses the appspec, prepares the
    /// simulated function or service, and runs the first event.
    pub(crate) fn start_shift(&mut self, id: &str, group: &GroupRecord, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let platform = group
            .info
            .compute_platform
            .clone()
            .unwrap_or(ComputePlatform::Lambda);
        let revision = active.rec.info.revision.clone().unwrap_or_default();
        let parsed = revision_text(&revision, &self.fleet).and_then(|text| {
            let spec = match platform {
                ComputePlatform::Ecs => appspec::ecs(&text).map(Spec::Ecs),
                _ => appspec::lambda(&text).map(Spec::Lambda),
            };
            spec.map_err(|e| {
                (
                    ErrorCode::InvalidRevision,
                    format!("The AppSpec file is not valid: {e}."),
                )
            })
        });
        let spec = match parsed {
            Ok(spec) => spec,
            Err((code, message)) => {
                return self.finish(id, at, DeploymentStatus::Failed, Some((code, message)))
            }
        };
        let target = match &spec {
            Spec::Lambda(s) => Ok(self.lambda_target(id, s, at)),
            Spec::Ecs(s) => self.ecs_target(id, group, s, at),
        };
        let target = match target {
            Ok(t) => t,
            Err((code, message)) => {
                return self.finish(id, at, DeploymentStatus::Failed, Some((code, message)))
            }
        };
        if let Some(message) = split_alias(&spec).and_then(|s| self.alias_split_message(s)) {
            return self.refuse_split_alias(id, target, message, at);
        }
        let external = tag_value(&group.tags, HOOKS_TAG) == Some("external");
        let shift = ShiftRun {
            hooks: spec.hooks().iter().cloned().collect(),
            external_hooks: external,
            ..Default::default()
        };
        if let Some(a) = self.active.get_mut(id) {
            a.targets = vec![target];
            if let Some(run) = a.rec.run.as_mut() {
                run.shift = Some(shift);
            }
        }
        self.touch_target_of(id, 0);
        self.refresh_overview(id);
        self.trigger_instance(at, id, 0, TriggerEventType::InstanceStart);
        if self.check_alarms(id, at) {
            return;
        }
        self.run_shift_event(id, 0, at);
    }

    pub(super) fn lambda_target(&mut self, id: &str, s: &LambdaSpec, at: Millis) -> TargetRecord {
        // Created on first use, from the fleet file's declaration when there is one.
        let declared: std::collections::BTreeMap<String, AliasRecord> = self
            .fleet
            .functions
            .iter()
            .find(|f| f.name == s.name)
            .map(|f| {
                f.aliases
                    .iter()
                    .map(|(alias, version)| {
                        let record = AliasRecord {
                            version: version.clone(),
                            ..Default::default()
                        };
                        (alias.clone(), record)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let function = self
            .functions
            .entry(s.name.clone())
            .or_insert_with(|| FunctionRecord {
                name: s.name.clone(),
                aliases: declared,
                versions: vec![],
            });
        for v in [&s.current_version, &s.target_version] {
            if !function.versions.contains(v) {
                function.versions.push(v.clone());
            }
        }
        function
            .aliases
            .entry(s.alias.clone())
            .or_insert_with(|| AliasRecord {
                version: s.current_version.clone(),
                ..Default::default()
            });
        self.dirty.functions.insert(s.name.clone());
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{}:{}",
            self.opts.region, self.opts.account, s.name, s.alias
        );
        TargetRecord {
            deployment_id: id.to_string(),
            target_id: s.name.clone(),
            index: 0,
            target: DeploymentTarget {
                deployment_target_type: Some(DeploymentTargetType::LambdaTarget),
                lambda_target: Some(LambdaTarget {
                    deployment_id: Some(id.to_string()),
                    target_id: Some(s.name.clone()),
                    target_arn: Some(arn),
                    status: Some(TargetStatus::InProgress),
                    last_updated_at: Some(Timestamp(at)),
                    lifecycle_events: Some(pending_events(&LAMBDA_EVENTS)),
                    lambda_function_info: Some(LambdaFunctionInfo {
                        function_name: Some(s.name.clone()),
                        function_alias: Some(s.alias.clone()),
                        current_version: Some(s.current_version.clone()),
                        target_version: Some(s.target_version.clone()),
                        target_version_weight: Some(0.0),
                    }),
                }),
                ..Default::default()
            },
            run: TargetRun {
                host: s.name.clone(),
                ..Default::default()
            },
        }
    }

    /// Why a Lambda deployment cannot start: its alias already routes traffic
    /// to two versions. A deployment stopped without rollback leaves an alias
    /// so, and AWS then fails every deployment to it until the alias is
    /// repaired (user guide, "Troubleshoot AWS Lambda deployment issues").
    fn alias_split_message(&self, s: &LambdaSpec) -> Option<String> {
        let alias = self.functions.get(&s.name)?.aliases.get(&s.alias)?;
        let other = alias.additional_version.as_deref()?;
        Some(format!(
            "The deployment failed because alias {alias_name} of Lambda function {name} routes traffic to two versions: {version} and {other} ({weight}% of it). A deployment stopped without rollback leaves an alias so. Repair the alias to point at one version (remove its additional version: in the Lambda console, Additional version <none>; in codedeck, repair the alias from the dashboard), then deploy again.",
            alias_name = s.alias,
            name = s.name,
            version = alias.version,
            weight = alias.additional_weight,
        ))
    }

    /// Fails a Lambda deployment whose alias is split, before anything runs:
    /// its target shows the function and alias, every event Skipped.
    fn refuse_split_alias(
        &mut self,
        id: &str,
        mut target: TargetRecord,
        message: String,
        at: Millis,
    ) {
        target.set_status(TargetStatus::Failed, at);
        target.skip_unfinished_events();
        if let Some(a) = self.active.get_mut(id) {
            a.targets = vec![target];
        }
        self.touch_target_of(id, 0);
        self.refresh_overview(id);
        self.finish(
            id,
            at,
            DeploymentStatus::Failed,
            Some((ErrorCode::InvalidLambdaConfiguration, message)),
        );
    }

    pub(crate) fn touch_target_of(&mut self, id: &str, index: u32) {
        self.dirty.targets.insert((id.to_string(), index));
        self.touch(id);
    }

    pub(super) fn shift_mut(&mut self, id: &str) -> Option<&mut ShiftRun> {
        self.active.get_mut(id)?.rec.run.as_mut()?.shift.as_mut()
    }

    pub(super) fn shift(&self, id: &str) -> Option<&ShiftRun> {
        self.active.get(id)?.rec.run.as_ref()?.shift.as_ref()
    }

    /// Sets the one wake-up of a shift deployment.
    pub(super) fn wake_at(&mut self, id: &str, due: Option<Millis>) {
        let Some(a) = self.active.get_mut(id) else {
            return;
        };
        let seq = a.rec.seq;
        if let Some(t) = a.targets.get_mut(0) {
            t.run.due = due;
        }
        self.touch_target_of(id, 0);
        if let Some(due) = due {
            self.schedule(due, seq, 0);
        }
    }

    pub(super) fn event_name(&self, id: &str, event: u32) -> Option<LifecycleEventName> {
        self.active.get(id)?.targets.first()?.event_name(event)
    }

    /// A rollback deployment (creator `codeDeployRollback`).
    pub(super) fn is_rollback(&self, id: &str) -> bool {
        self.active
            .get(id)
            .is_some_and(|a| a.rec.info.creator == Some(DeploymentCreator::CodeDeployRollback))
    }

    pub(super) fn is_ecs(&self, id: &str) -> bool {
        self.active
            .get(id)
            .and_then(|a| a.targets.first())
            .is_some_and(|t| t.target.ecs_target.is_some())
    }

    /// Marks event `event` running and does what it does.
    pub(super) fn run_shift_event(&mut self, id: &str, event: u32, at: Millis) {
        let Some(name) = self.event_name(id, event) else {
            return self.shift_events_done(id, at);
        };
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            t.run.event = event;
            t.touch(at);
            if let Some(ev) = t.event_mut(event) {
                ev.status = Some(LifecycleEventStatus::InProgress);
                ev.start_time = Some(Timestamp(at));
            }
        }
        self.touch_target_of(id, 0);
        let ecs = self.is_ecs(id);
        use LifecycleEventName::{AfterAllowTestTraffic, AllowTestTraffic, AllowTraffic, Install};
        // ECS without a test listener: the test-traffic events have nothing to
        // do and succeed at once (reference §7.4, UNCONFIRMED; our decision).
        if ecs
            && !self.has_test_listener(id)
            && matches!(name, AllowTestTraffic | AfterAllowTestTraffic)
        {
            return self.end_shift_event(id, at, true, None);
        }
        match name {
            AllowTraffic => self.begin_traffic(id, at),
            // A rollback reroutes to the original task set: no replacement.
            Install if self.is_rollback(id) => {
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Target,
                    "Install: rollback, the original task set serves again; no task set to create"
                        .into(),
                );
                self.end_shift_event(id, at, true, None)
            }
            Install => {
                self.create_green_task_set(id, at);
                let bits = rng::draw(self.meta.seed, &[id, Install.as_str()]);
                let d = self.fleet.defaults.duration_millis(Install, bits);
                self.wake_at(id, Some(at + d));
            }
            AllowTestTraffic => {
                self.move_test_listener(id);
                self.end_shift_event(id, at, true, None)
            }
            _ => self.begin_hook(id, name, at),
        }
    }

    /// Ends the running event; on success the next one starts.
    pub(super) fn end_shift_event(
        &mut self,
        id: &str,
        at: Millis,
        ok: bool,
        diagnostics: Option<Diagnostics>,
    ) {
        let mut event = 0;
        let mut name = None;
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            event = t.run.event;
            name = t.event_name(event);
            t.run.due = None;
            t.touch(at);
            if let Some(ev) = t.event_mut(event) {
                ev.end_time = Some(Timestamp(at));
                ev.status = Some(if ok {
                    LifecycleEventStatus::Succeeded
                } else {
                    LifecycleEventStatus::Failed
                });
                ev.diagnostics = Some(
                    diagnostics
                        .clone()
                        .unwrap_or_else(super::lifecycle::success),
                );
            }
        }
        self.touch_target_of(id, 0);
        if ok {
            return self.after_event(id, name, event, at);
        }
        // The running event always has a name; none only in a damaged record.
        let name = name.map_or("", LifecycleEventName::as_str);
        let message = diagnostics
            .and_then(|d| d.message)
            .unwrap_or_else(|| format!("{name} failed."));
        self.fail_shift(
            id,
            at,
            ErrorCode::HookExecutionFailure,
            format!("The deployment failed because {name} failed: {message}"),
        );
    }

    /// What follows a successful event: the ECS ready wait, or the next event.
    pub(super) fn after_event(
        &mut self,
        id: &str,
        ended: Option<LifecycleEventName>,
        event: u32,
        at: Millis,
    ) {
        if ended == Some(LifecycleEventName::AfterAllowTestTraffic) && self.ready_wait_wanted(id) {
            return self.begin_ready_wait(id, at);
        }
        self.run_shift_event(id, event + 1, at);
    }

    pub(super) fn succeed_shift(&mut self, id: &str, at: Millis) {
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            t.run.due = None;
            t.set_status(TargetStatus::Succeeded, at);
        }
        self.touch_target_of(id, 0);
        self.refresh_overview(id);
        self.trigger_instance(at, id, 0, TriggerEventType::InstanceSuccess);
        self.finish(id, at, DeploymentStatus::Succeeded, None);
    }

    /// Fails the deployment; traffic goes back when a rollback follows.
    pub(super) fn fail_shift(&mut self, id: &str, at: Millis, code: ErrorCode, message: String) {
        let rollback = self.active.get(id).is_some_and(|a| {
            a.rec.info.creator != Some(DeploymentCreator::CodeDeployRollback)
                && rollback_enabled_for(
                    a.rec.info.auto_rollback_configuration.as_ref(),
                    AutoRollbackEvent::DeploymentFailure,
                )
        });
        self.end_target_failed(id, at);
        if rollback {
            self.restore_traffic(id, at);
        }
        self.finish(id, at, DeploymentStatus::Failed, Some((code, message)));
    }

    pub(super) fn end_target_failed(&mut self, id: &str, at: Millis) {
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            t.run.due = None;
            if t.status() != TargetStatus::Succeeded {
                t.set_status(TargetStatus::Failed, at);
            }
        }
        self.touch_target_of(id, 0);
        self.refresh_overview(id);
        self.trigger_instance(at, id, 0, TriggerEventType::InstanceFailure);
    }

    /// StopDeployment (or an alarm) on a Lambda or ECS deployment: it stops at once.
    pub(crate) fn stop_shift(&mut self, id: &str, at: Millis, stop: StopRequest) -> bool {
        let started = self.active.get(id).is_some_and(|a| !a.targets.is_empty());
        let hook = self.shift_mut(id).and_then(|s| {
            s.hook_answer = None;
            s.hook_deadline = None;
            s.hook.take()
        });
        if let Some(h) = hook.and_then(|h| {
            self.active
                .get_mut(id)?
                .rec
                .hooks
                .iter_mut()
                .find(|x| x.id == h)
        }) {
            h.status = LifecycleEventStatus::Failed;
            h.ended = Some(at);
            h.answered_by = Some("stopped".into());
        }
        if started {
            if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
                let event = t.run.event;
                if let Some(ev) = t
                    .event_mut(event)
                    .filter(|e| e.status == Some(LifecycleEventStatus::InProgress))
                {
                    ev.status = Some(LifecycleEventStatus::Failed);
                    ev.end_time = Some(Timestamp(at));
                    ev.diagnostics = Some(Diagnostics {
                        error_code: Some(LifecycleErrorCode::UnknownError),
                        script_name: Some(String::new()),
                        message: Some(stop.message.clone()),
                        log_tail: Some(String::new()),
                    });
                }
            }
            self.end_target_failed(id, at);
            if stop.rollback {
                self.restore_traffic(id, at);
            }
        }
        if let Some(run) = self.active.get_mut(id).and_then(|a| a.rec.run.as_mut()) {
            run.stop = Some(stop.clone());
        }
        self.finish(
            id,
            at,
            DeploymentStatus::Stopped,
            Some((stop.code, stop.message)),
        );
        true
    }

    /// The one wake-up of a shift deployment fired.
    pub(crate) fn fire_shift(&mut self, id: &str, at: Millis) {
        let Some(shift) = self.shift(id).cloned() else {
            return;
        };
        if shift.hook.is_some() {
            if let Some((when, ok)) = shift.hook_answer.filter(|(t, _)| *t == at) {
                let _ = when;
                return self.answer_hook(id, ok, "simulated", at);
            }
            if shift.hook_deadline == Some(at) {
                return self.answer_hook(id, false, "timeout", at);
            }
            return;
        }
        match shift.wait {
            Some(ShiftWait::Ready) => {
                self.end_wait(id);
                return self.stop_ready_timeout(id, at);
            }
            Some(ShiftWait::Termination) => {
                self.end_wait(id);
                return self.terminate_original(id, at);
            }
            None => {}
        }
        let event = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.run.event)
            .unwrap_or(0);
        match self.event_name(id, event) {
            Some(LifecycleEventName::AllowTraffic) => self.traffic_step(id, at),
            _ => self.end_shift_event(id, at, true, None),
        }
    }
}

/// Read access to the simulated Lambda and ECS world and hook executions.
impl Engine {
    /// A simulated Lambda function by name.
    pub fn lambda_function(&self, name: &str) -> Option<&FunctionRecord> {
        self.functions.get(name)
    }

    /// Whether a simulated alias is left on two versions with nothing
    /// shifting it: the state a deployment stopped without rollback leaves,
    /// which fails the next deployment. An alias a running deployment is
    /// shifting is split by design and is not "left" so.
    pub fn alias_left_split(&self, function: &str, alias: &str) -> bool {
        let split = self
            .functions
            .get(function)
            .and_then(|f| f.aliases.get(alias))
            .is_some_and(|a| a.additional_version.is_some());
        split && self.deployment_shifting_alias(function, alias).is_none()
    }

    /// The unfinished deployment whose target is this alias, if any.
    pub(crate) fn deployment_shifting_alias(&self, function: &str, alias: &str) -> Option<&str> {
        self.active
            .values()
            .find(|a| {
                a.targets.iter().any(|t| {
                    crate::model::labels::lambda_alias(&t.target)
                        .is_some_and(|(f, n)| f == function && n == alias)
                })
            })
            .map(|a| a.rec.id())
    }

    /// A simulated ECS service by `cluster:service`.
    pub fn ecs_service(&self, key: &str) -> Option<&ServiceRecord> {
        self.services.get(key)
    }

    /// The hook executions of a deployment, active or finished.
    pub fn hook_executions(&self, ar: &dyn Archive, id: &str) -> Vec<HookExecution> {
        match self.active.get(id) {
            Some(a) => a.rec.hooks.clone(),
            None => ar
                .deployment(id)
                .ok()
                .flatten()
                .map(|d| d.hooks)
                .unwrap_or_default(),
        }
    }

    /// The hook executions waiting for PutLifecycleEventHookExecutionStatus.
    pub fn pending_hooks(&self) -> Vec<(String, HookExecution)> {
        self.active
            .values()
            .filter_map(|a| {
                let running = a.rec.run.as_ref()?.shift.as_ref()?.hook.clone()?;
                let h = a.rec.hooks.iter().find(|h| h.id == running)?;
                Some((a.rec.id().to_string(), h.clone()))
            })
            .collect()
    }
}
