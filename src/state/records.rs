//! What the engine keeps and the store persists: one record type per stored
//! resource, built from the wire model plus the engine's own bookkeeping. The
//! store saves them as JSON with a few key columns; it never looks inside.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::time::Millis;
use crate::model::*;

/// A stored record whose key is missing from its `info`: the state file was
/// damaged or edited. Deserializing such a record fails with this error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    /// The kind of record ("application", "deployment group", ...).
    pub record: &'static str,
    /// The member of `info` that holds the key, as stored ("applicationId", ...).
    pub field: &'static str,
}

impl std::fmt::Display for MissingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} record has no {}", self.record, self.field)
    }
}

impl std::error::Error for MissingKey {}

/// The key `info` holds in `field`, or the error naming what is missing.
fn key(
    value: Option<&String>,
    record: &'static str,
    field: &'static str,
) -> Result<String, MissingKey> {
    value.cloned().ok_or(MissingKey { record, field })
}

// The keys below are copies of members of `info`, which alone is stored (the
// on-disk JSON is unchanged): records deserialize through a `...Raw` twin that
// reads the key from `info` and refuses a record without it. Constructors and
// setters write both, so the two never disagree: change a key only through its
// setter, never by assigning the member of `info`.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ApplicationRaw")]
pub struct ApplicationRecord {
    /// `info.application_id`.
    #[serde(skip_serializing)]
    id: String,
    /// `info.application_name` (UpdateApplication changes it: see [`Self::set_name`]).
    #[serde(skip_serializing)]
    name: String,
    pub info: ApplicationInfo,
    pub tags: Vec<Tag>,
}

#[derive(Deserialize)]
struct ApplicationRaw {
    info: ApplicationInfo,
    tags: Vec<Tag>,
}

impl TryFrom<ApplicationRaw> for ApplicationRecord {
    type Error = MissingKey;
    fn try_from(raw: ApplicationRaw) -> Result<Self, MissingKey> {
        let id = key(
            raw.info.application_id.as_ref(),
            "application",
            "applicationId",
        )?;
        let name = key(
            raw.info.application_name.as_ref(),
            "application",
            "applicationName",
        )?;
        Ok(ApplicationRecord {
            id,
            name,
            info: raw.info,
            tags: raw.tags,
        })
    }
}

impl ApplicationRecord {
    /// An application; `info`'s ID and name become `id` and `name`.
    pub fn new(id: String, name: String, mut info: ApplicationInfo, tags: Vec<Tag>) -> Self {
        info.application_id = Some(id.clone());
        info.application_name = Some(name.clone());
        ApplicationRecord {
            id,
            name,
            info,
            tags,
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Renames the application (the key and `info.application_name` together).
    pub fn set_name(&mut self, name: String) {
        self.info.application_name = Some(name.clone());
        self.name = name;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GroupRaw")]
pub struct GroupRecord {
    /// `info.deployment_group_id`.
    #[serde(skip_serializing)]
    id: String,
    /// `info.deployment_group_name` (UpdateDeploymentGroup changes it: see [`Self::set_name`]).
    #[serde(skip_serializing)]
    name: String,
    pub application_id: String,
    pub info: DeploymentGroupInfo,
    pub tags: Vec<Tag>,
    /// The deployment currently running in this group, if any (at most one).
    pub active: Option<String>,
    /// Deployments waiting `Queued`, in start order.
    pub queue: Vec<String>,
}

#[derive(Deserialize)]
struct GroupRaw {
    application_id: String,
    info: DeploymentGroupInfo,
    tags: Vec<Tag>,
    active: Option<String>,
    queue: Vec<String>,
}

impl TryFrom<GroupRaw> for GroupRecord {
    type Error = MissingKey;
    fn try_from(raw: GroupRaw) -> Result<Self, MissingKey> {
        let what = "deployment group";
        let id = key(
            raw.info.deployment_group_id.as_ref(),
            what,
            "deploymentGroupId",
        )?;
        let name = key(
            raw.info.deployment_group_name.as_ref(),
            what,
            "deploymentGroupName",
        )?;
        Ok(GroupRecord {
            id,
            name,
            application_id: raw.application_id,
            info: raw.info,
            tags: raw.tags,
            active: raw.active,
            queue: raw.queue,
        })
    }
}

impl GroupRecord {
    /// A deployment group with nothing running or queued; `id` and `name`
    /// become `info`'s.
    pub fn new(
        id: String,
        name: String,
        application_id: String,
        mut info: DeploymentGroupInfo,
        tags: Vec<Tag>,
    ) -> Self {
        info.deployment_group_id = Some(id.clone());
        info.deployment_group_name = Some(name.clone());
        GroupRecord {
            id,
            name,
            application_id,
            info,
            tags,
            active: None,
            queue: vec![],
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Renames the group (the key and `info.deployment_group_name` together).
    pub fn set_name(&mut self, name: String) {
        self.info.deployment_group_name = Some(name.clone());
        self.name = name;
    }
}

/// A custom deployment configuration (the predefined ones are built in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ConfigRaw")]
pub struct ConfigRecord {
    /// `info.deployment_config_name`.
    #[serde(skip_serializing)]
    name: String,
    pub info: DeploymentConfigInfo,
}

#[derive(Deserialize)]
struct ConfigRaw {
    info: DeploymentConfigInfo,
}

impl TryFrom<ConfigRaw> for ConfigRecord {
    type Error = MissingKey;
    fn try_from(raw: ConfigRaw) -> Result<Self, MissingKey> {
        let name = key(
            raw.info.deployment_config_name.as_ref(),
            "deployment config",
            "deploymentConfigName",
        )?;
        Ok(ConfigRecord {
            name,
            info: raw.info,
        })
    }
}

impl ConfigRecord {
    /// A configuration; `name` becomes `info.deployment_config_name`.
    pub fn new(name: String, mut info: DeploymentConfigInfo) -> Self {
        info.deployment_config_name = Some(name.clone());
        ConfigRecord { name, info }
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A registered (or deregistered) on-premises instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "InstanceRaw")]
pub struct InstanceRecord {
    /// `info.instance_name`.
    #[serde(skip_serializing)]
    name: String,
    pub info: InstanceInfo,
}

#[derive(Deserialize)]
struct InstanceRaw {
    info: InstanceInfo,
}

impl TryFrom<InstanceRaw> for InstanceRecord {
    type Error = MissingKey;
    fn try_from(raw: InstanceRaw) -> Result<Self, MissingKey> {
        let name = key(raw.info.instance_name.as_ref(), "instance", "instanceName")?;
        Ok(InstanceRecord {
            name,
            info: raw.info,
        })
    }
}

impl InstanceRecord {
    /// An on-premises instance; `name` becomes `info.instance_name`.
    pub fn new(name: String, mut info: InstanceInfo) -> Self {
        info.instance_name = Some(name.clone());
        InstanceRecord { name, info }
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub application_id: String,
    /// Canonical form of the location: the identity of the revision.
    pub key: String,
    pub location: RevisionLocation,
    pub info: GenericRevisionInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeploymentRaw")]
pub struct DeploymentRecord {
    /// `info.deployment_id`.
    #[serde(skip_serializing)]
    id: String,
    pub info: DeploymentInfo,
    /// Creation order; breaks ties deterministically and orders listings.
    pub seq: u64,
    pub application_id: String,
    pub group_id: String,
    /// Scheduling state; `None` once the deployment has finished.
    pub run: Option<RunState>,
    /// Lambda/ECS hook executions, in the order they started.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<HookExecution>,
}

/// One invocation of a Lambda or ECS lifecycle hook function (reference §9.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    /// The lifecycleEventHookExecutionId that PutLifecycleEventHookExecutionStatus answers.
    pub id: String,
    pub event: String,
    pub function: String,
    pub started: Millis,
    /// InProgress until answered; then Succeeded or Failed.
    pub status: LifecycleEventStatus,
    pub ended: Option<Millis>,
    /// Who answered: "api", "simulated" (the hook function) or "timeout".
    pub answered_by: Option<String>,
}

#[derive(Deserialize)]
struct DeploymentRaw {
    info: DeploymentInfo,
    seq: u64,
    application_id: String,
    group_id: String,
    run: Option<RunState>,
    #[serde(default)]
    hooks: Vec<HookExecution>,
}

impl TryFrom<DeploymentRaw> for DeploymentRecord {
    type Error = MissingKey;
    fn try_from(raw: DeploymentRaw) -> Result<Self, MissingKey> {
        let id = key(
            raw.info.deployment_id.as_ref(),
            "deployment",
            "deploymentId",
        )?;
        Ok(DeploymentRecord {
            id,
            info: raw.info,
            seq: raw.seq,
            application_id: raw.application_id,
            group_id: raw.group_id,
            run: raw.run,
            hooks: raw.hooks,
        })
    }
}

impl DeploymentRecord {
    /// A deployment with no hook executions yet; `id` becomes `info.deployment_id`.
    pub fn new(
        id: String,
        mut info: DeploymentInfo,
        seq: u64,
        application_id: String,
        group_id: String,
        run: Option<RunState>,
    ) -> Self {
        info.deployment_id = Some(id.clone());
        DeploymentRecord {
            id,
            info,
            seq,
            application_id,
            group_id,
            run,
            hooks: vec![],
        }
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn status(&self) -> DeploymentStatus {
        self.info
            .status
            .clone()
            .unwrap_or(DeploymentStatus::Created)
    }
    /// Sets `rollbackInfo.rollbackMessage` where the record has `rollbackInfo`
    /// ([`Change::RollbackMessage`](super::Change::RollbackMessage)).
    pub fn set_rollback_message(&mut self, message: &str) {
        if let Some(info) = self.info.rollback_info.as_mut() {
            info.rollback_message = Some(message.to_string());
        }
    }
    pub fn is_finished(&self) -> bool {
        self.status().is_final()
    }
    pub fn create_time(&self) -> Millis {
        self.info.create_time.map(|t| t.0).unwrap_or_default()
    }
}

/// How an active deployment is being driven.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// When a `Created` deployment is due to start (or be queued).
    pub start_due: Option<Millis>,
    /// Minimum healthy hosts M and how many may be down at once U = N - M.
    pub min_healthy: i64,
    pub max_down: i64,
    /// Target indexes not yet started, in the order they will start.
    pub pending: Vec<u32>,
    /// A stop in progress: events already running finish, nothing new starts.
    pub stop: Option<StopRequest>,
    /// The in-place deployment fails with TIMEOUT if still running then.
    pub deadline: Option<Millis>,
    /// The deadline came while a local host's agent was running an event
    /// (real time, which the virtual clock may outrun): the deployment
    /// times out when that agent reports.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_passed: bool,
    /// Lambda and ECS deployments: hooks, traffic shifting and waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftRun>,
    /// EC2 blue/green deployments: phase, roles of the targets, waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_green: Option<BlueGreenRun>,
    /// Zonal in-place deployments (a config with `zonalConfig`): one
    /// Availability Zone at a time, with a monitor wait between zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zonal: Option<ZonalRun>,
}

/// The progress of a zonal deployment (reference §6, zonal config fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ZonalRun {
    /// The zones in deployment order: those with instances to deploy to.
    pub zones: Vec<ZoneRun>,
    /// The zone deploying now; while `monitor_until` is set, the zone just
    /// deployed, under watch.
    pub current: usize,
    /// The monitor wait after the current zone ends then; the next zone starts.
    pub monitor_until: Option<Millis>,
    /// Milliseconds to wait after the first zone, and after each later one.
    pub first_monitor: Millis,
    pub monitor: Millis,
}

/// One zone of a zonal deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ZoneRun {
    /// The Availability Zone; `None` for the instances that have none
    /// (on-premises instances), deployed after every zone.
    pub zone: Option<String>,
    /// How many of the zone's instances may be down at once
    /// (`minimumHealthyHostsPerZone`).
    pub max_down: i64,
}

/// The progress of an EC2 blue/green deployment (reference §7.2, §10). Its one
/// wake-up of its own (the ready or termination wait) is `RunState::deadline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BlueGreenRun {
    pub phase: BlueGreenPhase,
    /// Targets that get traffic: the replacement (Green) instances, or in a
    /// rollback the original ones.
    pub allow: Vec<u32>,
    /// Targets whose traffic is blocked: the original (Blue) instances, or in a
    /// rollback the replacement ones.
    pub block: Vec<u32>,
    /// COPY_AUTO_SCALING_GROUP: the group's Auto Scaling group and its copy.
    pub copied_asg: Option<(String, String)>,
    /// A rollback deployment: the hosts of the deployment it rolls back.
    pub rollback_of: Option<BlueGreenRoles>,
}

/// The hosts of a blue/green deployment, as its rollback swaps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BlueGreenRoles {
    pub originals: Vec<String>,
    pub replacements: Vec<String>,
}

/// Readers of CodeDeploy derive the phase as the engine keeps it.
pub use crate::model::rules::BlueGreenPhase;

/// The progress of a Lambda or ECS deployment beyond its one target's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ShiftRun {
    /// Hook functions by lifecycle event, from the appspec.
    pub hooks: BTreeMap<String, String>,
    /// Hooks wait for PutLifecycleEventHookExecutionStatus instead of deciding themselves.
    pub external_hooks: bool,
    /// The hook execution running now, if any (an ID in the deployment's `hooks`).
    pub hook: Option<String>,
    /// When the running hook's simulated function answers by itself, and how.
    pub hook_answer: Option<(Millis, bool)>,
    /// When the running hook fails for want of an answer (one hour).
    pub hook_deadline: Option<Millis>,
    /// Traffic steps of AllowTraffic: (virtual time, percent on the new version).
    pub schedule: Vec<(Millis, f64)>,
    /// Index of the next step in `schedule` to apply.
    pub step: usize,
    /// The percentage of traffic on the new version or task set now.
    pub weight: f64,
    /// A wait in progress: Ready (for ContinueDeployment READY_WAIT) or the termination wait.
    pub wait: Option<ShiftWait>,
    /// When the wait ends by itself (None: wait forever).
    pub wait_until: Option<Millis>,
    /// Traffic is back on the original version (after failure or stop with rollback).
    pub restored: bool,
    /// A teaching fault: the next hook this deployment runs answers Failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_next_hook: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShiftWait {
    Ready,
    Termination,
}

/// A simulated Lambda function: the versions its aliases point at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FunctionRecord {
    pub name: String,
    pub aliases: BTreeMap<String, AliasRecord>,
    /// The versions deployments have named, in the order first seen.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// A Lambda alias with an optional weighted second version (traffic shifting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AliasRecord {
    pub version: String,
    /// The version receiving `additional_weight` percent of invocations.
    pub additional_version: Option<String>,
    pub additional_weight: f64,
}

/// A simulated ECS service: its task sets, target group pair and listeners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ServiceRecord {
    pub cluster: String,
    pub name: String,
    pub desired_count: i64,
    pub task_sets: Vec<TaskSetRecord>,
    /// The two target groups of the pair.
    pub target_groups: Vec<String>,
    /// The target group the production listener forwards to (original side).
    pub production: String,
    /// The target group the test listener forwards to, when there is one.
    pub test: Option<String>,
}

/// A task set: the model's ECSTaskSet plus its task definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TaskSetRecord {
    pub task_definition: String,
    pub info: ECSTaskSet,
}

impl ServiceRecord {
    pub fn key(&self) -> String {
        format!("{}:{}", self.cluster, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopRequest {
    pub code: ErrorCode,
    pub message: String,
    pub rollback: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRecord {
    pub deployment_id: String,
    pub target_id: String,
    /// Position in the deployment's target list.
    pub index: u32,
    pub target: DeploymentTarget,
    pub run: TargetRun,
}

/// Per-target progress: which event runs and when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TargetRun {
    /// The simulated host this target deploys to (EC2 instance ID or on-premises name).
    pub host: String,
    /// Index of the running (or next) lifecycle event.
    pub event: u32,
    /// When the running event ends; `None` when nothing runs.
    pub due: Option<Millis>,
    /// The fault this host will show during this deployment, fixed at start.
    pub fault: Option<Fault>,
    /// The host's Availability Zone when the deployment took it (none for
    /// on-premises instances, Lambda and ECS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// A local host runs the current event: no timer, its agent reports the
    /// end ([`crate::engine::agent_events`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agent: bool,
    /// A local host: the agent's `scripts.log` for this deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scripts_log: Option<String>,
}

/// A simulated failure of one lifecycle event on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Stored as its wire name, as before the event was typed.
    pub event: LifecycleEventName,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The script exits non-zero: ScriptFailed.
    Fail,
    /// The script runs past its timeout: ScriptTimedOut.
    Timeout,
    /// The script is not in the bundle: ScriptMissing.
    Missing,
    /// The host never answers: the event does not start within 5 minutes.
    Unresponsive,
    /// The instance's disk is full: DownloadBundle cannot unpack the bundle,
    /// or Install cannot copy the files (UnknownError).
    DiskFull,
}

/// Dynamic state of a simulated host (EC2 instance or on-premises instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HostRecord {
    pub id: String,
    /// Health and installed revision per deployment group ID.
    pub groups: BTreeMap<String, HostGroupState>,
    /// A one-shot fault set from the dashboard: the next event this host runs fails.
    pub next_fault: Option<FaultKind>,
    /// A simulated EC2 instance the engine launched (a blue/green copy of an
    /// Auto Scaling group), not declared in the fleet file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launched: Option<LaunchedHost>,
    /// When the host was terminated (blue/green TERMINATE); it has left the world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Millis>,
}

/// What the engine knows of an instance it launched itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LaunchedHost {
    pub asg: String,
    pub tags: BTreeMap<String, String>,
    pub availability_zone: String,
    /// The fleet file's Auto Scaling group whose behaviour (durations, faults) it copies.
    pub origin_asg: Option<String>,
    pub deployment_id: String,
    pub launched_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HostGroupState {
    /// False after the host's last deployment in the group failed.
    pub healthy: bool,
    /// Key of the revision last installed successfully, if any.
    pub revision: Option<String>,
    /// Membership set by a blue/green deployment, over the group's own selection:
    /// `Some(true)` joined as a replacement instance, `Some(false)` removed as an original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    Ok,
    Alarm,
    /// Polling the alarm fails (`ignorePollAlarmFailure` decides what happens).
    PollFailure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmRecord {
    pub name: String,
    pub state: AlarmState,
}

/// One line of the event log: a state change or a trigger notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: u64,
    pub time: Timestamp,
    pub deployment_id: Option<String>,
    pub target_id: Option<String>,
    pub kind: EventKind,
    /// A one-line description for people.
    pub text: String,
    pub notification: Option<Notification>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Deployment,
    Target,
    Notification,
    World,
}

/// An SNS trigger notification, with AWS's payload shape in `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub trigger_name: String,
    pub target_arn: String,
    pub event: TriggerEventType,
    pub subject: String,
    /// The JSON document SNS would deliver.
    pub message: serde_json::Value,
}

/// Engine-wide scalars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub seed: u64,
    /// Next deployment sequence number (also feeds ID generation).
    pub next_seq: u64,
    pub next_event_seq: u64,
    /// Counter feeding other generated identifiers.
    pub next_id: u64,
    /// The virtual time the engine last advanced to.
    pub now: Millis,
}

/// The members every kind of deployment target shares, whichever of
/// instanceTarget, lambdaTarget or ecsTarget holds them.
macro_rules! with_target {
    (ref $t:expr, $x:ident => $body:expr, $none:expr) => {
        if let Some($x) = &$t.instance_target {
            $body
        } else if let Some($x) = &$t.lambda_target {
            $body
        } else if let Some($x) = &$t.ecs_target {
            $body
        } else {
            $none
        }
    };
    (mut $t:expr, $x:ident => $body:expr, $none:expr) => {
        if let Some($x) = &mut $t.instance_target {
            $body
        } else if let Some($x) = &mut $t.lambda_target {
            $body
        } else if let Some($x) = &mut $t.ecs_target {
            $body
        } else {
            $none
        }
    };
}

impl TargetRecord {
    pub fn status(&self) -> TargetStatus {
        with_target!(ref self.target, x => x.status.clone(), None).unwrap_or(TargetStatus::Pending)
    }

    pub fn set_status(&mut self, status: TargetStatus, at: Millis) {
        with_target!(mut self.target, x => {
            x.status = Some(status);
            x.last_updated_at = Some(Timestamp(at));
        }, ())
    }

    pub fn touch(&mut self, at: Millis) {
        with_target!(mut self.target, x => x.last_updated_at = Some(Timestamp(at)), ())
    }

    pub fn events(&self) -> &[LifecycleEvent] {
        with_target!(ref self.target, x => x.lifecycle_events.as_deref().unwrap_or_default(), &[])
    }

    pub fn events_mut(&mut self) -> &mut [LifecycleEvent] {
        with_target!(mut self.target, x => x.lifecycle_events.as_deref_mut().unwrap_or_default(), &mut [])
    }

    /// The lifecycle event at `index`, typed: the one place the engine reads
    /// the names its own records store in the wire shape. It writes only the
    /// model's names, so a name it does not know reads as no event.
    pub fn event_name(&self, index: u32) -> Option<LifecycleEventName> {
        self.events()
            .get(index as usize)?
            .lifecycle_event_name
            .as_deref()?
            .parse()
            .ok()
    }

    /// The target's events in order, typed; up to the first name not of the
    /// model (none the engine writes), so positions stay those of the record.
    pub fn event_names(&self) -> Vec<LifecycleEventName> {
        (0..self.events().len() as u32)
            .map_while(|i| self.event_name(i))
            .collect()
    }

    /// The position of `name` among the target's events.
    pub fn event_index(&self, name: LifecycleEventName) -> Option<u32> {
        self.events()
            .iter()
            .position(|e| e.lifecycle_event_name.as_deref() == Some(name.as_str()))
            .map(|i| i as u32)
    }

    pub fn event_mut(&mut self, index: u32) -> Option<&mut LifecycleEvent> {
        self.events_mut().get_mut(index as usize)
    }

    /// Pending and running events become Skipped.
    pub fn skip_unfinished_events(&mut self) {
        for ev in self.events_mut() {
            if matches!(
                ev.status,
                Some(LifecycleEventStatus::Pending) | Some(LifecycleEventStatus::InProgress)
            ) {
                ev.status = Some(LifecycleEventStatus::Skipped);
            }
        }
    }
}

/// What rolling a deployment back will do.
#[derive(Debug, Clone, PartialEq)]
pub enum RollbackPlan {
    /// Still running: StopDeployment with `autoRollbackEnabled`.
    Stop,
    /// Finished: a new deployment of `revision`, the revision of `source`.
    Redeploy {
        source: String,
        revision: Box<RevisionLocation>,
    },
}

/// What rolling back did.
#[derive(Debug, Clone, PartialEq)]
pub enum RolledBack {
    /// The stop's status message.
    Stopping(String),
    /// The new deployment's ID and the deployment whose revision it redeploys.
    Redeployed { id: String, source: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target's run as the state file stored it while `Fault.event` was a
    /// string: the typed event reads (and writes) the same JSON.
    #[test]
    fn a_fault_stored_as_a_string_still_loads() {
        let old = r#"{"host":"i-1","event":6,"due":20000,"fault":{"event":"ValidateService","kind":"fail"}}"#;
        let run: TargetRun = serde_json::from_str(old).expect("an old record loads");
        let fault = run.fault.clone().expect("the fault");
        assert_eq!(fault.event, LifecycleEventName::ValidateService);
        assert_eq!(fault.kind, FaultKind::Fail);
        assert_eq!(serde_json::to_string(&run).expect("serializes"), old);

        let bad = old.replace("ValidateService", "Validate");
        let err = serde_json::from_str::<TargetRun>(&bad).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown lifecycle event \"Validate\" (expected one of BeforeBlockTraffic, BlockTraffic"
            ),
            "{err}"
        );
    }
}
