//! Lambda and ECS deployments: one target, hook functions, and traffic shifted
//! per the deployment configuration on the virtual clock (reference §7.3, §7.4,
//! §9, §13.6).
//!
//! A shift deployment has one wake-up at a time (the target's `run.due`): the
//! running hook answering or timing out, the next traffic step, the end of a
//! reserved event, or the end of a wait. What it is follows from the state.

use super::appspec::{self, EcsSpec, LambdaSpec};
use super::archive::Archive;
use super::deploy::rollback_enabled_for;
use super::records::*;
use super::world::{HookOutcome, DEFAULT_HOOK_SECS};
use super::{rng, Engine};
use crate::model::time::Millis;
use crate::model::*;

/// Lambda target events (§7.3).
pub const LAMBDA_EVENTS: [&str; 3] = ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"];

/// ECS target events (§7.4).
pub const ECS_EVENTS: [&str; 8] = [
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// A hook waits at most this long for PutLifecycleEventHookExecutionStatus (§9.2).
pub const HOOK_TIMEOUT_MILLIS: Millis = 3600 * 1000;

/// Group tag: `codedeck:hooks = external` makes hooks wait for the API.
pub const HOOKS_TAG: &str = "codedeck:hooks";
/// Group tag: `codedeck:hook-fail = <event>` makes that event's hook fail.
pub const HOOK_FAIL_TAG: &str = "codedeck:hook-fail";

const MINUTE: Millis = 60_000;

/// The traffic steps of AllowTraffic from `t0`: (time, percent on the new side).
/// Linear shifting reaches 100 % at t0 + (k-1)·interval with k = ceil(100/p)
/// equal increments (reference §16 item 5: our decision), like canary's two.
pub fn traffic_schedule(routing: Option<&TrafficRoutingConfig>, t0: Millis) -> Vec<(Millis, f64)> {
    let kind = routing.and_then(|r| r.r#type.clone());
    match kind {
        Some(TrafficRoutingType::TimeBasedCanary) => {
            let c = routing
                .and_then(|r| r.time_based_canary.clone())
                .unwrap_or_default();
            let p = f64::from(c.canary_percentage.unwrap_or(10).clamp(1, 99));
            let i = Millis::from(c.canary_interval.unwrap_or(1).max(1)) * MINUTE;
            vec![(t0, p), (t0 + i, 100.0)]
        }
        Some(TrafficRoutingType::TimeBasedLinear) => {
            let l = routing
                .and_then(|r| r.time_based_linear.clone())
                .unwrap_or_default();
            let p = l.linear_percentage.unwrap_or(10).clamp(1, 99);
            let i = Millis::from(l.linear_interval.unwrap_or(1).max(1)) * MINUTE;
            let k = (100 + p - 1) / p;
            (0..k)
                .map(|n| {
                    let w = (p * (n + 1)).min(100);
                    (t0 + Millis::from(n) * i, f64::from(w))
                })
                .collect()
        }
        _ => vec![(t0, 100.0)],
    }
}

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
    fleet: &super::world::Fleet,
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

fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key.as_deref() == Some(key))
        .and_then(|t| t.value.as_deref())
}

pub(crate) fn event_index(t: &TargetRecord, name: &str) -> Option<u32> {
    t.events()
        .iter()
        .position(|e| e.lifecycle_event_name.as_deref() == Some(name))
        .map(|i| i as u32)
}

fn pending_events(names: &[&str]) -> Vec<LifecycleEvent> {
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
    pub(crate) fn start_shift(
        &mut self,
        id: &str,
        group: &GroupRecord,
        at: Millis,
        ar: &dyn Archive,
    ) {
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
                return self.finish(id, at, DeploymentStatus::Failed, Some((code, message)), ar)
            }
        };
        let target = match &spec {
            Spec::Lambda(s) => Ok(self.lambda_target(id, s, at)),
            Spec::Ecs(s) => self.ecs_target(id, group, s, at),
        };
        let target = match target {
            Ok(t) => t,
            Err((code, message)) => {
                return self.finish(id, at, DeploymentStatus::Failed, Some((code, message)), ar)
            }
        };
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
        if self.check_alarms(id, at, ar) {
            return;
        }
        self.run_shift_event(id, 0, at, ar);
    }

    fn lambda_target(&mut self, id: &str, s: &LambdaSpec, at: Millis) -> TargetRecord {
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

    /// The ECS service a group deploys to, created on first use (unless the
    /// fleet declares it), with its target group pair and listeners.
    fn ecs_target(
        &mut self,
        id: &str,
        group: &GroupRecord,
        s: &EcsSpec,
        at: Millis,
    ) -> Result<TargetRecord, (ErrorCode, String)> {
        let Some(svc) = group.info.ecs_services.iter().flatten().next() else {
            return Err((
                ErrorCode::InvalidEcsService,
                "The deployment group names no ECS service.".into(),
            ));
        };
        let (cluster, name) = (
            svc.cluster_name.clone().unwrap_or_default(),
            svc.service_name.clone().unwrap_or_default(),
        );
        let pair = group
            .info
            .load_balancer_info
            .as_ref()
            .and_then(|lb| lb.target_group_pair_info_list.as_ref())
            .and_then(|l| l.first().cloned());
        let groups: Vec<String> = pair
            .as_ref()
            .and_then(|p| p.target_groups.clone())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| g.name)
            .collect();
        let groups = if groups.len() == 2 {
            groups
        } else {
            vec![format!("{name}-tg-1"), format!("{name}-tg-2")]
        };
        let has_test = pair
            .as_ref()
            .and_then(|p| p.test_traffic_route.as_ref())
            .and_then(|r| r.listener_arns.as_ref())
            .is_some_and(|l| !l.is_empty());
        let key = format!("{cluster}:{name}");
        let spec = self
            .fleet
            .services
            .iter()
            .find(|f| f.cluster == cluster && f.name == name)
            .cloned();
        let service = self.services.entry(key.clone()).or_insert_with(|| {
            let count = spec.as_ref().and_then(|f| f.desired_count).unwrap_or(2);
            let definition = spec
                .as_ref()
                .and_then(|f| f.task_definition.clone())
                .unwrap_or_else(|| format!("{name}:1"));
            ServiceRecord {
                cluster: cluster.clone(),
                name: name.clone(),
                desired_count: count,
                task_sets: vec![TaskSetRecord {
                    task_definition: definition,
                    info: ECSTaskSet {
                        identifer: Some(format!(
                            "ecs-svc/{:019}",
                            rng::mix(count as u64 ^ 0xec5) % 10u64.pow(19)
                        )),
                        desired_count: Some(count),
                        pending_count: Some(0),
                        running_count: Some(count),
                        status: Some("PRIMARY".into()),
                        traffic_weight: Some(100.0),
                        target_group: Some(TargetGroupInfo {
                            name: Some(groups[0].clone()),
                        }),
                        task_set_label: Some(TargetLabel::Blue),
                    },
                }],
                target_groups: groups.clone(),
                production: groups[0].clone(),
                test: None,
            }
        });
        // A group's own target group pair wins over the simulated one.
        if service.target_groups != groups
            && groups
                .iter()
                .any(|g| !g.ends_with("-tg-1") && !g.ends_with("-tg-2"))
        {
            service.target_groups = groups.clone();
            service.production = groups[0].clone();
            for set in service.task_sets.iter_mut() {
                set.info.target_group = Some(TargetGroupInfo {
                    name: Some(groups[0].clone()),
                });
            }
        }
        service.test = has_test.then(|| service.production.clone());
        // Only the task set that serves production is the original.
        service
            .task_sets
            .retain(|t| t.info.status.as_deref() == Some("PRIMARY"));
        for set in service.task_sets.iter_mut() {
            set.info.task_set_label = Some(TargetLabel::Blue);
            set.info.traffic_weight = Some(100.0);
        }
        let sets: Vec<ECSTaskSet> = service.task_sets.iter().map(|t| t.info.clone()).collect();
        if sets.is_empty() {
            return Err((
                ErrorCode::InvalidEcsService,
                format!("ECS service {key} has no task set serving production."),
            ));
        }
        let _ = &s.task_definition;
        self.dirty.services.insert(key.clone());
        let arn = format!(
            "arn:aws:ecs:{}:{}:service/{cluster}/{name}",
            self.opts.region, self.opts.account
        );
        Ok(TargetRecord {
            deployment_id: id.to_string(),
            target_id: key.clone(),
            index: 0,
            target: DeploymentTarget {
                deployment_target_type: Some(DeploymentTargetType::ECSTarget),
                ecs_target: Some(ECSTarget {
                    deployment_id: Some(id.to_string()),
                    target_id: Some(key.clone()),
                    target_arn: Some(arn),
                    last_updated_at: Some(Timestamp(at)),
                    lifecycle_events: Some(pending_events(&ECS_EVENTS)),
                    status: Some(TargetStatus::InProgress),
                    task_sets_info: Some(sets),
                }),
                ..Default::default()
            },
            run: TargetRun {
                host: key,
                ..Default::default()
            },
        })
    }

    pub(crate) fn touch_target_of(&mut self, id: &str, index: u32) {
        self.dirty.targets.insert((id.to_string(), index));
        self.touch(id);
    }

    fn shift_mut(&mut self, id: &str) -> Option<&mut ShiftRun> {
        self.active.get_mut(id)?.rec.run.as_mut()?.shift.as_mut()
    }

    fn shift(&self, id: &str) -> Option<&ShiftRun> {
        self.active.get(id)?.rec.run.as_ref()?.shift.as_ref()
    }

    /// Sets the one wake-up of a shift deployment.
    fn wake_at(&mut self, id: &str, due: Option<Millis>) {
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

    fn event_name(&self, id: &str, event: u32) -> Option<String> {
        self.active
            .get(id)?
            .targets
            .first()?
            .events()
            .get(event as usize)?
            .lifecycle_event_name
            .clone()
    }

    fn is_ecs(&self, id: &str) -> bool {
        self.active
            .get(id)
            .and_then(|a| a.targets.first())
            .is_some_and(|t| t.target.ecs_target.is_some())
    }

    fn has_test_listener(&self, id: &str) -> bool {
        let Some(key) = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.target_id.clone())
        else {
            return false;
        };
        self.services.get(&key).is_some_and(|s| s.test.is_some())
    }

    /// Marks event `event` running and does what it does.
    fn run_shift_event(&mut self, id: &str, event: u32, at: Millis, ar: &dyn Archive) {
        let Some(name) = self.event_name(id, event) else {
            return self.shift_events_done(id, at, ar);
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
        // ECS without a test listener: the test-traffic events have nothing to
        // do and succeed at once (reference §7.4, UNCONFIRMED; our decision).
        if ecs
            && !self.has_test_listener(id)
            && matches!(name.as_str(), "AllowTestTraffic" | "AfterAllowTestTraffic")
        {
            return self.end_shift_event(id, at, true, None, ar);
        }
        match name.as_str() {
            "AllowTraffic" => self.begin_traffic(id, at, ar),
            "Install" => {
                self.create_green_task_set(id, at);
                let bits = rng::draw(self.meta.seed, &[id, "Install"]);
                let d = self.fleet.defaults.duration_millis("Install", bits);
                self.wake_at(id, Some(at + d));
            }
            "AllowTestTraffic" => {
                self.move_test_listener(id);
                self.end_shift_event(id, at, true, None, ar)
            }
            _ => self.begin_hook(id, &name, at, ar),
        }
    }

    /// A hook event: invoke the appspec's function, or succeed when there is none.
    fn begin_hook(&mut self, id: &str, event: &str, at: Millis, ar: &dyn Archive) {
        let Some(function) = self.shift(id).and_then(|s| s.hooks.get(event).cloned()) else {
            return self.end_shift_event(id, at, true, None, ar);
        };
        let exec_id = self.new_uuid("hook");
        let external = self.shift(id).is_some_and(|s| s.external_hooks);
        let group_fail = self
            .active
            .get(id)
            .and_then(|a| self.groups.get(&a.rec.group_id))
            .and_then(|g| tag_value(&g.tags, HOOK_FAIL_TAG).map(|v| v.eq_ignore_ascii_case(event)))
            .unwrap_or(false);
        let spec = self.fleet.functions.iter().find(|f| f.name == function);
        let outcome = if group_fail {
            HookOutcome::Fail
        } else {
            spec.map(|f| f.outcome()).unwrap_or(HookOutcome::Succeed)
        };
        let secs = spec.and_then(|f| f.duration).unwrap_or(DEFAULT_HOOK_SECS);
        let answer = match (external, outcome) {
            (true, _) | (false, HookOutcome::Silent) => None,
            (false, o) => Some((
                at + (secs * 1000.0).round() as Millis,
                o == HookOutcome::Succeed,
            )),
        };
        let deadline = at + HOOK_TIMEOUT_MILLIS;
        if let Some(a) = self.active.get_mut(id) {
            a.rec.hooks.push(HookExecution {
                id: exec_id.clone(),
                event: event.to_string(),
                function: function.clone(),
                started: at,
                status: LifecycleEventStatus::InProgress,
                ended: None,
                answered_by: None,
            });
        }
        if let Some(s) = self.shift_mut(id) {
            s.hook = Some(exec_id.clone());
            s.hook_answer = answer;
            s.hook_deadline = Some(deadline);
        }
        let how = if external {
            "waiting for PutLifecycleEventHookExecutionStatus"
        } else {
            "invoked"
        };
        self.log(
            at,
            Some(id),
            None,
            EventKind::Target,
            format!("{event}: hook {function} {how} (lifecycleEventHookExecutionId {exec_id})"),
        );
        let due = answer.map(|(t, _)| t).unwrap_or(deadline).min(deadline);
        self.wake_at(id, Some(due));
    }

    /// The running hook answered (`by` = "api", "simulated" or "timeout").
    fn answer_hook(&mut self, id: &str, ok: bool, by: &str, at: Millis, ar: &dyn Archive) {
        let Some(exec_id) = self.shift_mut(id).and_then(|s| {
            s.hook_answer = None;
            s.hook_deadline = None;
            s.hook.take()
        }) else {
            return;
        };
        let mut function = String::new();
        if let Some(h) = self
            .active
            .get_mut(id)
            .and_then(|a| a.rec.hooks.iter_mut().find(|h| h.id == exec_id))
        {
            h.status = if ok {
                LifecycleEventStatus::Succeeded
            } else {
                LifecycleEventStatus::Failed
            };
            h.ended = Some(at);
            h.answered_by = Some(by.to_string());
            function = h.function.clone();
        }
        self.touch(id);
        let diagnostics = (!ok).then(|| Diagnostics {
            error_code: Some(if by == "timeout" {
                LifecycleErrorCode::ScriptTimedOut
            } else {
                LifecycleErrorCode::ScriptFailed
            }),
            script_name: Some(function.clone()),
            message: Some(if by == "timeout" {
                format!("The hook function {function} did not report a status within one hour.")
            } else {
                format!("The hook function {function} reported Failed (lifecycleEventHookExecutionId {exec_id}).")
            }),
            log_tail: Some(String::new()),
        });
        self.end_shift_event(id, at, ok, diagnostics, ar);
    }

    /// Ends the running event; on success the next one starts.
    fn end_shift_event(
        &mut self,
        id: &str,
        at: Millis,
        ok: bool,
        diagnostics: Option<Diagnostics>,
        ar: &dyn Archive,
    ) {
        let mut event = 0;
        let mut name = String::new();
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            event = t.run.event;
            t.run.due = None;
            t.touch(at);
            if let Some(ev) = t.event_mut(event) {
                name = ev.lifecycle_event_name.clone().unwrap_or_default();
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
            return self.after_event(id, &name, event, at, ar);
        }
        let message = diagnostics
            .and_then(|d| d.message)
            .unwrap_or_else(|| format!("{name} failed."));
        self.fail_shift(
            id,
            at,
            ErrorCode::HookExecutionFailure,
            format!("The deployment failed because {name} failed: {message}"),
            ar,
        );
    }

    /// What follows a successful event: the ECS ready wait, or the next event.
    fn after_event(&mut self, id: &str, name: &str, event: u32, at: Millis, ar: &dyn Archive) {
        if name == "AfterAllowTestTraffic" && self.ready_wait_wanted(id) {
            return self.begin_ready_wait(id, at);
        }
        self.run_shift_event(id, event + 1, at, ar);
    }

    fn blue_green_config(&self, id: &str) -> Option<BlueGreenDeploymentConfiguration> {
        self.active
            .get(id)?
            .rec
            .info
            .blue_green_deployment_configuration
            .clone()
    }

    fn ready_wait_wanted(&self, id: &str) -> bool {
        self.blue_green_config(id)
            .and_then(|b| b.deployment_ready_option)
            .and_then(|r| r.action_on_timeout)
            == Some(DeploymentReadyAction::StopDeployment)
    }

    /// STOP_DEPLOYMENT: the replacement is installed; wait for ContinueDeployment.
    fn begin_ready_wait(&mut self, id: &str, at: Millis) {
        let minutes = self
            .blue_green_config(id)
            .and_then(|b| b.deployment_ready_option)
            .and_then(|r| r.wait_time_in_minutes)
            .unwrap_or(0);
        let until = (minutes > 0).then(|| at + Millis::from(minutes) * MINUTE);
        if let Some(s) = self.shift_mut(id) {
            s.wait = Some(ShiftWait::Ready);
            s.wait_until = until;
        }
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.status = Some(DeploymentStatus::Ready);
            if let Some(t) = a.targets.get_mut(0) {
                t.set_status(TargetStatus::Ready, at);
            }
        }
        self.refresh_overview(id);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id} is Ready: waiting for ContinueDeployment (READY_WAIT)"),
        );
        self.trigger_deployment(at, id, TriggerEventType::DeploymentReady);
        self.wake_at(id, until);
    }

    /// ContinueDeployment for a Lambda or ECS deployment.
    pub(crate) fn continue_shift(
        &mut self,
        id: &str,
        wait: DeploymentWaitType,
        at: Millis,
        ar: &dyn Archive,
    ) -> Result<(), String> {
        let current = self.shift(id).and_then(|s| s.wait);
        match (wait, current) {
            (DeploymentWaitType::ReadyWait, Some(ShiftWait::Ready)) => {
                self.end_wait(id);
                if let Some(a) = self.active.get_mut(id) {
                    a.rec.info.status = Some(DeploymentStatus::InProgress);
                    if let Some(t) = a.targets.get_mut(0) {
                        t.set_status(TargetStatus::InProgress, at);
                    }
                }
                self.refresh_overview(id);
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Deployment,
                    format!("{id} continues: rerouting production traffic"),
                );
                let next = event_index_of(self, id, "BeforeAllowTraffic").unwrap_or(5);
                self.run_shift_event(id, next, at, ar);
                Ok(())
            }
            (DeploymentWaitType::TerminationWait, Some(ShiftWait::Termination)) => {
                self.end_wait(id);
                self.terminate_original(id, at, ar);
                Ok(())
            }
            (DeploymentWaitType::ReadyWait, _) => Err(format!(
                "Deployment {id} is not waiting Ready for ContinueDeployment."
            )),
            _ => Err(format!("Deployment {id} is not in its termination wait.")),
        }
    }

    fn end_wait(&mut self, id: &str) {
        if let Some(s) = self.shift_mut(id) {
            s.wait = None;
            s.wait_until = None;
        }
        self.wake_at(id, None);
    }

    /// Every event succeeded: Lambda is done; ECS waits, then removes the original.
    fn shift_events_done(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        if !self.is_ecs(id) {
            return self.succeed_shift(id, at, ar);
        }
        let option = self
            .blue_green_config(id)
            .and_then(|b| b.terminate_blue_instances_on_deployment_success);
        let minutes = option
            .as_ref()
            .and_then(|o| o.termination_wait_time_in_minutes)
            .unwrap_or(0);
        if minutes <= 0 {
            return self.terminate_original(id, at, ar);
        }
        let until = at + Millis::from(minutes) * MINUTE;
        if let Some(s) = self.shift_mut(id) {
            s.wait = Some(ShiftWait::Termination);
            s.wait_until = Some(until);
        }
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.instance_termination_wait_time_started = Some(true);
        }
        self.set_task_set_status(id, TargetLabel::Blue, "DRAINING");
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!(
                "{id}: traffic shifted; the original task set is removed in {minutes} minute(s)"
            ),
        );
        self.wake_at(id, Some(until));
    }

    /// ECS: the original task set goes; the replacement becomes PRIMARY.
    fn terminate_original(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        let Some(key) = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.target_id.clone())
        else {
            return;
        };
        if let Some(svc) = self.services.get_mut(&key) {
            svc.task_sets
                .retain(|t| t.info.task_set_label == Some(TargetLabel::Green));
            for set in svc.task_sets.iter_mut() {
                set.info.status = Some("PRIMARY".into());
            }
            self.dirty.services.insert(key.clone());
        }
        self.set_task_set_status(id, TargetLabel::Blue, "DRAINING");
        self.set_task_set_counts(id, TargetLabel::Blue, 0);
        self.set_task_set_status(id, TargetLabel::Green, "PRIMARY");
        self.succeed_shift(id, at, ar);
    }

    fn succeed_shift(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            t.run.due = None;
            t.set_status(TargetStatus::Succeeded, at);
        }
        self.touch_target_of(id, 0);
        self.refresh_overview(id);
        self.trigger_instance(at, id, 0, TriggerEventType::InstanceSuccess);
        self.finish(id, at, DeploymentStatus::Succeeded, None, ar);
    }

    /// Fails the deployment; traffic goes back when a rollback follows.
    fn fail_shift(
        &mut self,
        id: &str,
        at: Millis,
        code: ErrorCode,
        message: String,
        ar: &dyn Archive,
    ) {
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
        self.finish(id, at, DeploymentStatus::Failed, Some((code, message)), ar);
    }

    fn end_target_failed(&mut self, id: &str, at: Millis) {
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
    pub(crate) fn stop_shift(
        &mut self,
        id: &str,
        at: Millis,
        stop: StopRequest,
        ar: &dyn Archive,
    ) -> bool {
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
            ar,
        );
        true
    }

    /// The one wake-up of a shift deployment fired.
    pub(crate) fn fire_shift(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        let Some(shift) = self.shift(id).cloned() else {
            return;
        };
        if shift.hook.is_some() {
            if let Some((when, ok)) = shift.hook_answer.filter(|(t, _)| *t == at) {
                let _ = when;
                return self.answer_hook(id, ok, "simulated", at, ar);
            }
            if shift.hook_deadline == Some(at) {
                return self.answer_hook(id, false, "timeout", at, ar);
            }
            return;
        }
        match shift.wait {
            Some(ShiftWait::Ready) => {
                self.end_wait(id);
                return self.stop_ready_timeout(id, at, ar);
            }
            Some(ShiftWait::Termination) => {
                self.end_wait(id);
                return self.terminate_original(id, at, ar);
            }
            None => {}
        }
        let event = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.run.event)
            .unwrap_or(0);
        match self.event_name(id, event).as_deref() {
            Some("AllowTraffic") => self.traffic_step(id, at, ar),
            _ => self.end_shift_event(id, at, true, None, ar),
        }
    }

    /// No ContinueDeployment within waitTimeInMinutes: the deployment stops.
    fn stop_ready_timeout(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        let stop = StopRequest {
            code: ErrorCode::Timeout,
            message: "The deployment was stopped because ContinueDeployment was not called within the ready wait time.".into(),
            rollback: false,
        };
        self.stop_shift(id, at, stop, ar);
    }

    // ---- traffic ------------------------------------------------------------

    fn begin_traffic(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        let config = self
            .active
            .get(id)
            .and_then(|a| a.rec.info.deployment_config_name.clone())
            .and_then(|n| self.config_info(&n));
        let schedule = traffic_schedule(
            config
                .as_ref()
                .and_then(|c| c.traffic_routing_config.as_ref()),
            at,
        );
        if let Some(s) = self.shift_mut(id) {
            s.schedule = schedule;
            s.step = 0;
        }
        self.traffic_step(id, at, ar);
    }

    /// Applies the traffic step due at `at`; the last one ends AllowTraffic.
    fn traffic_step(&mut self, id: &str, at: Millis, ar: &dyn Archive) {
        let Some(shift) = self.shift(id).cloned() else {
            return;
        };
        let Some(&(when, weight)) = shift.schedule.get(shift.step) else {
            return self.end_shift_event(id, at, true, None, ar);
        };
        if when > at {
            return self.wake_at(id, Some(when));
        }
        if let Some(s) = self.shift_mut(id) {
            s.step += 1;
            s.weight = weight;
        }
        self.set_weight(id, weight, at);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Target,
            format!("AllowTraffic: {weight}% of traffic on the new version"),
        );
        match shift.schedule.get(shift.step + 1) {
            Some(&(next, _)) => self.wake_at(id, Some(next)),
            None => self.end_shift_event(id, at, true, None, ar),
        }
    }

    /// Moves `weight` percent of traffic to the new version or task set.
    fn set_weight(&mut self, id: &str, weight: f64, at: Millis) {
        let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) else {
            return;
        };
        t.touch(at);
        if let Some(info) = t
            .target
            .lambda_target
            .as_mut()
            .and_then(|l| l.lambda_function_info.as_mut())
        {
            info.target_version_weight = Some(weight);
            let (name, alias) = (
                info.function_name.clone().unwrap_or_default(),
                info.function_alias.clone().unwrap_or_default(),
            );
            let target = info.target_version.clone().unwrap_or_default();
            if let Some(a) = self
                .functions
                .get_mut(&name)
                .and_then(|f| f.aliases.get_mut(&alias))
            {
                // An alias already on the target version has nothing to shift
                // (a rollback redeploying the version traffic is back on).
                if weight >= 100.0 || a.version == target {
                    *a = AliasRecord {
                        version: target,
                        additional_version: None,
                        additional_weight: 0.0,
                    };
                } else {
                    a.additional_version = Some(target);
                    a.additional_weight = weight;
                }
                self.dirty.functions.insert(name);
            }
        }
        self.touch_target_of(id, 0);
        if self.is_ecs(id) {
            self.set_ecs_weights(id, weight);
        }
    }

    fn set_ecs_weights(&mut self, id: &str, weight: f64) {
        let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) else {
            return;
        };
        let key = t.target_id.clone();
        let mut green_group = None;
        for set in t
            .target
            .ecs_target
            .iter_mut()
            .flat_map(|e| e.task_sets_info.iter_mut().flatten())
        {
            let w = if set.task_set_label == Some(TargetLabel::Green) {
                green_group = set.target_group.as_ref().and_then(|g| g.name.clone());
                weight
            } else {
                100.0 - weight
            };
            set.traffic_weight = Some(w);
        }
        if let Some(svc) = self.services.get_mut(&key) {
            for set in svc.task_sets.iter_mut() {
                let green = set.info.task_set_label == Some(TargetLabel::Green);
                set.info.traffic_weight = Some(if green { weight } else { 100.0 - weight });
            }
            if weight >= 100.0 {
                if let Some(g) = green_group {
                    svc.production = g;
                }
            }
            self.dirty.services.insert(key);
        }
    }

    /// ECS Install: the replacement task set, behind the other target group.
    fn create_green_task_set(&mut self, id: &str, at: Millis) {
        let Some(t) = self.active.get(id).and_then(|a| a.targets.first()) else {
            return;
        };
        let key = t.target_id.clone();
        let Some(svc) = self.services.get(&key).cloned() else {
            return;
        };
        let definition = self
            .active
            .get(id)
            .and_then(|a| a.rec.info.revision.clone())
            .and_then(|r| revision_text(&r, &self.fleet).ok())
            .and_then(|text| appspec::ecs(&text).ok())
            .map(|s| s.task_definition)
            .unwrap_or_default();
        let other = svc
            .target_groups
            .iter()
            .find(|g| **g != svc.production)
            .cloned()
            .unwrap_or_default();
        let bits = self.next_bits("task-set");
        let green = TaskSetRecord {
            task_definition: definition,
            info: ECSTaskSet {
                identifer: Some(format!("ecs-svc/{:019}", bits % 10u64.pow(19))),
                desired_count: Some(svc.desired_count),
                pending_count: Some(0),
                running_count: Some(svc.desired_count),
                status: Some("ACTIVE".into()),
                traffic_weight: Some(0.0),
                target_group: Some(TargetGroupInfo { name: Some(other) }),
                task_set_label: Some(TargetLabel::Green),
            },
        };
        if let Some(s) = self.services.get_mut(&key) {
            s.task_sets.push(green.clone());
            self.dirty.services.insert(key);
        }
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            if let Some(e) = t.target.ecs_target.as_mut() {
                e.task_sets_info
                    .get_or_insert_with(Vec::new)
                    .push(green.info);
            }
            t.touch(at);
        }
        self.touch_target_of(id, 0);
    }

    fn move_test_listener(&mut self, id: &str) {
        let Some(key) = self
            .active
            .get(id)
            .and_then(|a| a.targets.first())
            .map(|t| t.target_id.clone())
        else {
            return;
        };
        if let Some(svc) = self.services.get_mut(&key) {
            let green = svc
                .task_sets
                .iter()
                .find(|t| t.info.task_set_label == Some(TargetLabel::Green))
                .and_then(|t| t.info.target_group.as_ref()?.name.clone());
            if green.is_some() {
                svc.test = green;
                self.dirty.services.insert(key);
            }
        }
    }

    fn set_task_set_status(&mut self, id: &str, label: TargetLabel, status: &str) {
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            for set in t
                .target
                .ecs_target
                .iter_mut()
                .flat_map(|e| e.task_sets_info.iter_mut().flatten())
            {
                if set.task_set_label.as_ref() == Some(&label) {
                    set.status = Some(status.to_string());
                }
            }
        }
        self.touch_target_of(id, 0);
    }

    fn set_task_set_counts(&mut self, id: &str, label: TargetLabel, count: i64) {
        if let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) {
            for set in t
                .target
                .ecs_target
                .iter_mut()
                .flat_map(|e| e.task_sets_info.iter_mut().flatten())
            {
                if set.task_set_label.as_ref() == Some(&label) {
                    set.running_count = Some(count);
                    set.desired_count = Some(count);
                }
            }
        }
    }

    /// Rollback: the alias points at CurrentVersion again; ECS production
    /// traffic returns to the original task set and the replacement goes.
    fn restore_traffic(&mut self, id: &str, at: Millis) {
        if let Some(s) = self.shift_mut(id) {
            s.restored = true;
            s.weight = 0.0;
        }
        let mut notes = Vec::new();
        let Some(t) = self.active.get_mut(id).and_then(|a| a.targets.get_mut(0)) else {
            return;
        };
        t.touch(at);
        let key = t.target_id.clone();
        if let Some(info) = t
            .target
            .lambda_target
            .as_mut()
            .and_then(|l| l.lambda_function_info.as_mut())
        {
            info.target_version_weight = Some(0.0);
            let (name, alias) = (
                info.function_name.clone().unwrap_or_default(),
                info.function_alias.clone().unwrap_or_default(),
            );
            let current = info.current_version.clone().unwrap_or_default();
            if let Some(a) = self
                .functions
                .get_mut(&name)
                .and_then(|f| f.aliases.get_mut(&alias))
            {
                *a = AliasRecord {
                    version: current,
                    additional_version: None,
                    additional_weight: 0.0,
                };
                self.dirty.functions.insert(name.clone());
            }
            notes.push(format!(
                "rollback: alias {name}:{alias} points at its original version again"
            ));
        }
        if let Some(e) = t.target.ecs_target.as_mut() {
            for set in e.task_sets_info.iter_mut().flatten() {
                let green = set.task_set_label == Some(TargetLabel::Green);
                set.traffic_weight = Some(if green { 0.0 } else { 100.0 });
                if green {
                    set.status = Some("DRAINING".into());
                    set.running_count = Some(0);
                    set.desired_count = Some(0);
                }
            }
            if let Some(svc) = self.services.get_mut(&key) {
                svc.task_sets
                    .retain(|s| s.info.task_set_label != Some(TargetLabel::Green));
                if let Some(blue) = svc.task_sets.first() {
                    let tg = blue
                        .info
                        .target_group
                        .as_ref()
                        .and_then(|g| g.name.clone())
                        .unwrap_or_default();
                    svc.production = tg.clone();
                    if svc.test.is_some() {
                        svc.test = Some(tg);
                    }
                }
                for set in svc.task_sets.iter_mut() {
                    set.info.traffic_weight = Some(100.0);
                    set.info.status = Some("PRIMARY".into());
                }
                self.dirty.services.insert(key);
            }
            notes.push("rollback: production traffic is back on the original task set".into());
        }
        for note in notes {
            self.log(at, Some(id), None, EventKind::Target, note);
        }
        self.touch_target_of(id, 0);
    }

    /// PutLifecycleEventHookExecutionStatus on an active deployment.
    pub(crate) fn answer_hook_from_api(
        &mut self,
        id: &str,
        exec_id: &str,
        ok: bool,
        at: Millis,
        ar: &dyn Archive,
    ) -> HookAnswer {
        let running = self.shift(id).and_then(|s| s.hook.clone());
        if running.as_deref() == Some(exec_id) {
            self.answer_hook(id, ok, "api", at, ar);
            return HookAnswer::Accepted;
        }
        let known = self
            .active
            .get(id)
            .is_some_and(|a| a.rec.hooks.iter().any(|h| h.id == exec_id));
        if known {
            HookAnswer::AlreadyCompleted
        } else {
            HookAnswer::Unknown
        }
    }
}

fn event_index_of(engine: &Engine, id: &str, name: &str) -> Option<u32> {
    event_index(engine.active.get(id)?.targets.first()?, name)
}

/// What PutLifecycleEventHookExecutionStatus found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookAnswer {
    Accepted,
    AlreadyCompleted,
    Unknown,
}

/// Read access to the simulated Lambda and ECS world and hook executions.
impl Engine {
    /// A simulated Lambda function by name.
    pub fn lambda_function(&self, name: &str) -> Option<&FunctionRecord> {
        self.functions.get(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(kind: TrafficRoutingType, p: i32, i: i32) -> TrafficRoutingConfig {
        TrafficRoutingConfig {
            r#type: Some(kind.clone()),
            time_based_canary: (kind == TrafficRoutingType::TimeBasedCanary).then_some(
                TimeBasedCanary {
                    canary_percentage: Some(p),
                    canary_interval: Some(i),
                },
            ),
            time_based_linear: (kind == TrafficRoutingType::TimeBasedLinear).then_some(
                TimeBasedLinear {
                    linear_percentage: Some(p),
                    linear_interval: Some(i),
                },
            ),
        }
    }

    #[test]
    fn schedules() {
        assert_eq!(traffic_schedule(None, 5), vec![(5, 100.0)]);
        let canary = routing(TrafficRoutingType::TimeBasedCanary, 10, 5);
        assert_eq!(
            traffic_schedule(Some(&canary), 0),
            vec![(0, 10.0), (5 * MINUTE, 100.0)]
        );
        let linear = routing(TrafficRoutingType::TimeBasedLinear, 10, 1);
        let steps = traffic_schedule(Some(&linear), 0);
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0], (0, 10.0));
        assert_eq!(steps[9], (9 * MINUTE, 100.0));
        let uneven = routing(TrafficRoutingType::TimeBasedLinear, 30, 2);
        assert_eq!(
            traffic_schedule(Some(&uneven), 0),
            vec![
                (0, 30.0),
                (2 * MINUTE, 60.0),
                (4 * MINUTE, 90.0),
                (6 * MINUTE, 100.0)
            ]
        );
    }
}
