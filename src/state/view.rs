//! What one screen of the dashboard reads at one instant ([`Data`]) for a
//! selection ([`Request`]): plain data in the project's own types, whichever
//! source produced it (the runtime's read view, or AWS through the SDK).

use std::sync::Arc;

use super::records::{AlarmState, BlueGreenPhase, EventKind, HookExecution};
use crate::model::labels::revision_label;
use crate::model::time::Millis;
use crate::model::*;

/// What the dashboard asks for: its current selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub app: Option<String>,
    pub group_id: Option<String>,
    pub deployment: Option<String>,
    /// The deployments of every application by status (`:failed`,
    /// `:running`) instead of a group's.
    pub across: Option<Across>,
    /// Only event log entries after this sequence number.
    pub events_after: u64,
}

impl Request {
    /// Two requests select the same screen (the event log cursor aside).
    pub fn same_selection(&self, other: &Request) -> bool {
        self.app == other.app
            && self.group_id == other.group_id
            && self.deployment == other.deployment
            && self.across == other.across
    }
}

/// Which hook's whole output to read (a failed event of a target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputQuery {
    pub deployment: String,
    pub target: String,
    pub event: String,
    /// When the event ended (its output is no older than its start).
    pub at: crate::model::time::Millis,
}

/// A hook's whole output as a log holds it (CloudWatch Logs on AWS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOutput {
    /// Where it was read: `group/stream`.
    pub source: String,
    pub lines: Vec<String>,
    /// Lines left in the log past the limit.
    pub more: usize,
}

/// A list of deployments across every application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Across {
    /// Failed ones, newest first.
    Failed,
    /// Unfinished ones (created, queued, in progress, baking, ready).
    Running,
}

impl Across {
    /// What `:` takes for it, and what the list's title says.
    pub fn word(self) -> &'static str {
        match self {
            Across::Failed => "failed",
            Across::Running => "running",
        }
    }

    pub fn parse(word: &str) -> Option<Across> {
        match word.to_ascii_lowercase().as_str() {
            "failed" => Some(Across::Failed),
            "running" => Some(Across::Running),
            _ => None,
        }
    }

    /// Whether a deployment in `status` belongs to the list.
    pub fn keeps(self, status: &DeploymentStatus) -> bool {
        match self {
            Across::Failed => *status == DeploymentStatus::Failed,
            Across::Running => !status.is_final(),
        }
    }
}

/// Where `:` goes: an application, one of its groups, or a deployment
/// (with the target whose row the cursor goes to).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    pub app: String,
    pub group_id: Option<String>,
    pub deployment: Option<String>,
    pub target: Option<String>,
}

/// The newest deployment of a group (or the worst of an application's
/// groups), as the lists' LAST column shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRow {
    pub id: String,
    pub status: DeploymentStatus,
    /// When it ended, else when it was created: its age counts from here.
    pub at: Millis,
}

impl LastRow {
    /// From a group's `lastAttemptedDeployment`.
    pub fn of(last: &LastDeploymentInfo) -> Option<LastRow> {
        Some(LastRow {
            id: last.deployment_id.clone()?,
            status: last.status.clone()?,
            at: last.end_time.or(last.create_time).map_or(0, |t| t.0),
        })
    }

    /// How bad it is: a failure outranks a stop, a stop a deployment still
    /// running, that one a success.
    fn badness(&self) -> u8 {
        match self.status {
            DeploymentStatus::Failed => 4,
            DeploymentStatus::Stopped => 3,
            DeploymentStatus::Succeeded => 1,
            ref s if !s.is_final() => 2,
            _ => 0,
        }
    }

    /// An application's cell: the worst of its groups', the newest of equals.
    pub fn worst<'a>(rows: impl IntoIterator<Item = &'a LastRow>) -> Option<LastRow> {
        rows.into_iter()
            .max_by_key(|r| (r.badness(), r.at))
            .cloned()
    }
}

/// Everything one screen needs, read at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Data {
    pub now: Millis,
    pub speed: f64,
    pub paused: bool,
    pub apps: Vec<AppRow>,
    pub groups: Vec<GroupRow>,
    pub deployments: DeploymentList,
    pub detail: Option<Detail>,
    /// New event log entries (after `Request::events_after`), oldest first.
    pub events: Vec<EventRow>,
    /// The last entry the source's log holds, where it knows: a lesson
    /// stepped back holds fewer than the dashboard has shown.
    pub events_through: Option<u64>,
    pub alarms: Vec<(String, AlarmState)>,
    /// A remote source's health: calls, backoff, staleness, last error.
    pub status: Option<SourceStatus>,
    /// What could not be read for this screen, and why (a missing permission,
    /// an operation the endpoint lacks); the rest of the screen is shown.
    pub problem: Option<String>,
    /// The deployment configurations there are (with an application selected).
    pub configs: Vec<ConfigChoice>,
    /// A lesson's caption for what happens now.
    pub caption: Option<String>,
    /// What the caption talks about: a target (host or target ID) and, if
    /// named, one of its lifecycle events; the cursor goes there when the
    /// caption first shows.
    pub focus: Option<(String, Option<String>)>,
    /// While the clock is paused: what the step key will do next.
    pub next_step: Option<NextStep>,
    /// Every `application/group` the source knows, for `:`'s completion.
    pub places: Vec<String>,
}

/// What the clock's next step will do, worked out by taking it on a copy of
/// the engine: exactly what the step will say.
#[derive(Debug, Clone, PartialEq)]
pub struct NextStep {
    /// The virtual time the step moves to.
    pub due: Millis,
    /// The event log's lines the step will write, in order.
    pub said: Vec<String>,
    /// For each line, the application/group of the deployment it is about
    /// (`None` for world changes).
    pub places: Vec<Option<String>>,
}

/// A deployment configuration the create form offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChoice {
    pub name: String,
    pub platform: ComputePlatform,
}

/// The deployment whose revision a rollback of the group redeploys.
#[derive(Debug, Clone, PartialEq)]
pub struct LastGood {
    pub deployment: String,
    pub revision: RevisionLocation,
}

/// How a polling source is doing, for the header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStatus {
    /// Who the source reads, as the header says it ("aws 123456789012 eu-west-1").
    pub label: String,
    pub calls_per_minute: usize,
    /// Backing off: seconds until the next try, and why ("throttled").
    pub backoff: Option<(u64, String)>,
    /// The data on screen is older than the last failed read, since then.
    pub stale_since: Option<Millis>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub name: String,
    pub platform: ComputePlatform,
    pub groups: usize,
    /// The worst of its groups' newest deployments (`None`: none yet, or
    /// not read on this screen).
    pub last: Option<LastRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub config: String,
    pub active: Option<String>,
    pub queued: usize,
    pub alarms: Vec<String>,
    pub target_revision: Option<RevisionLocation>,
    /// The compute platform of the group's application.
    pub platform: ComputePlatform,
    /// What "roll back" would redeploy (`DeploymentGroupInfo::rollback_source`).
    pub last_good: Option<LastGood>,
    /// Its newest deployment (`lastAttemptedDeployment`).
    pub last: Option<LastRow>,
}

impl GroupRow {
    /// The row of group `id` named `name`, with what runs in it.
    pub fn of(
        id: String,
        name: String,
        info: &DeploymentGroupInfo,
        active: Option<String>,
        queued: usize,
    ) -> GroupRow {
        GroupRow {
            id,
            name,
            config: info.deployment_config_name.clone().unwrap_or_default(),
            active,
            queued,
            alarms: info
                .alarm_configuration
                .as_ref()
                .and_then(|a| a.alarms.as_ref())
                .map(|l| l.iter().filter_map(|a| a.name.clone()).collect())
                .unwrap_or_default(),
            target_revision: info.target_revision.clone(),
            platform: crate::model::rules::compute_platform(info.compute_platform.as_ref()),
            last_good: None,
            last: info
                .last_attempted_deployment
                .as_ref()
                .and_then(LastRow::of),
        }
    }
}

/// One line of the deployment list: small, so 10,000 of them stay cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRow {
    pub id: String,
    /// `application/group`: where it is (the lists across applications show it).
    pub place: String,
    pub status: DeploymentStatus,
    pub config: String,
    pub overview: DeploymentOverview,
    pub revision: String,
    pub creator: String,
    pub created: Millis,
    pub started: Option<Millis>,
    pub completed: Option<Millis>,
    pub description: Option<String>,
}

impl DeploymentRow {
    /// The row of deployment `id`.
    pub fn of(id: String, info: &DeploymentInfo) -> DeploymentRow {
        DeploymentRow {
            id,
            place: format!(
                "{}/{}",
                info.application_name.as_deref().unwrap_or("-"),
                info.deployment_group_name.as_deref().unwrap_or("-")
            ),
            status: info.status.clone().unwrap_or(DeploymentStatus::Created),
            config: info.deployment_config_name.clone().unwrap_or_default(),
            overview: info.deployment_overview.clone().unwrap_or_default(),
            revision: revision_label(info.revision.as_ref()),
            creator: info
                .creator
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            created: info.create_time.map_or(0, |t| t.0),
            started: info.start_time.map(|t| t.0),
            completed: info.complete_time.map(|t| t.0),
            description: info.description.clone(),
        }
    }
}

/// A group's deployments: the unfinished ones (read anew each time) above the
/// finished ones, each part newest first. Finished deployments never change,
/// so that part is shared between reads: a refresh copies a pointer, not the
/// group's history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentList {
    pub active: Vec<DeploymentRow>,
    pub finished: Arc<Vec<DeploymentRow>>,
}

impl DeploymentList {
    pub fn len(&self) -> usize {
        self.active.len() + self.finished.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th row, unfinished ones first.
    pub fn get(&self, i: usize) -> Option<&DeploymentRow> {
        match i.checked_sub(self.active.len()) {
            None => self.active.get(i),
            Some(j) => self.finished.get(j),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &DeploymentRow> {
        self.active.iter().chain(self.finished.iter())
    }
}

/// The selected deployment in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub info: DeploymentInfo,
    pub targets: Vec<TargetView>,
    /// Minimum healthy hosts and how many may be down at once (while running).
    pub min_healthy: Option<i64>,
    pub max_down: Option<i64>,
    /// Targets not yet started.
    pub pending: usize,
    /// A stop is in progress.
    pub stopping: bool,
    /// Lambda and ECS: traffic between the original and the replacement.
    pub traffic: Option<TrafficView>,
    /// EC2 blue/green: the phase and its wait (hosts carry their Blue/Green label).
    pub blue_green: Option<BlueGreenView>,
    /// Lambda and ECS hook executions, oldest first.
    pub hooks: Vec<HookExecution>,
    /// The deployment's configuration, when it could be read.
    pub config: Option<DeploymentConfigInfo>,
    /// A zonal deployment while it runs: the zone deploying now, and its
    /// monitor wait (`None` where the source cannot tell, as on AWS).
    pub zone: Option<ZoneView>,
}

/// The Availability Zone a zonal deployment deploys to (one at a time).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneView {
    /// The zone, or [`NO_ZONE`] for the instances without one (on-premises
    /// instances, deployed after every zone).
    pub zone: String,
    /// While the zone, deployed, is watched before the next one starts: when
    /// the monitor wait ends (a countdown).
    pub monitor_until: Option<Millis>,
}

/// What [`ZoneView::zone`] says for the instances without an Availability Zone.
pub const NO_ZONE: &str = "no Availability Zone";

/// Where traffic stands in a Lambda or ECS deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficView {
    /// What serves traffic before: "version 1", "task set Blue".
    pub original: String,
    /// What the deployment shifts traffic to: "version 2", "task set Green".
    pub replacement: String,
    /// Percent of traffic on the replacement now.
    pub weight: f64,
    /// The shifting schedule, (virtual time, percent on the replacement);
    /// empty until AllowTraffic starts.
    pub steps: Vec<(Millis, f64)>,
    /// How many steps have been applied.
    pub applied: usize,
    /// A wait in progress.
    pub wait: Option<WaitView>,
    /// Traffic went back to the original after a failure or a stop.
    pub restored: bool,
    /// Lambda: the function and the alias whose traffic shifts (what
    /// `Action::RepairAlias` names when a stopped deployment left the alias
    /// on two versions).
    pub alias: Option<(String, String)>,
    /// Lambda on the local engine: the alias routes to two versions now (a
    /// deployment stopped without rollback left it so; deployments to it
    /// fail until it is repaired). Always false where the source cannot tell.
    pub alias_split: bool,
}

/// The phase of an EC2 blue/green deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueGreenView {
    pub phase: BlueGreenPhase,
    pub wait: Option<WaitView>,
    /// A rollback: the original hosts take traffic back, the replacements are blocked.
    pub rollback: bool,
}

/// A deployment waiting: for ContinueDeployment (Ready) or before terminating
/// the original instances or task set.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitView {
    pub kind: DeploymentWaitType,
    /// When the wait ends by itself (`None`: only ContinueDeployment ends it).
    pub until: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetView {
    pub id: String,
    pub host: String,
    pub status: TargetStatus,
    pub events: Vec<LifecycleEvent>,
    /// EC2 blue/green: Blue (original) or Green (replacement).
    pub label: Option<TargetLabel>,
    /// The host's Availability Zone (EC2 instances of the local engine;
    /// `None` for on-premises instances, Lambda, ECS, and where the source
    /// cannot tell, as on AWS).
    pub zone: Option<String>,
    /// A local host's `scripts.log` for this deployment (its agent really
    /// ran the scripts); `None` for simulated hosts and remote targets.
    pub scripts_log: Option<String>,
    /// When the host was terminated (a blue/green original after the
    /// termination wait); `None` while it runs, and where the source cannot
    /// tell (on AWS the target keeps its status, the instance state is EC2's).
    pub terminated: Option<crate::model::time::Millis>,
}

impl TargetView {
    /// The timeline row of target `id` (on `host`), whichever kind it is.
    pub fn of(id: String, host: String, t: &DeploymentTarget) -> TargetView {
        let (status, events, label) = if let Some(i) = &t.instance_target {
            (&i.status, &i.lifecycle_events, i.instance_label.clone())
        } else if let Some(l) = &t.lambda_target {
            (&l.status, &l.lifecycle_events, None)
        } else if let Some(e) = &t.ecs_target {
            (&e.status, &e.lifecycle_events, None)
        } else {
            (&None, &None, None)
        };
        TargetView {
            id,
            host,
            status: status.clone().unwrap_or(TargetStatus::Pending),
            events: events.clone().unwrap_or_default(),
            label,
            zone: None,
            scripts_log: None,
            terminated: None,
        }
    }

    /// The order a timeline lists targets in, whichever source read them:
    /// a blue/green deployment's replacement (Green) hosts first, the rest
    /// as they came.
    pub fn green_first(targets: &mut [TargetView]) {
        targets.sort_by_key(|t| t.label != Some(TargetLabel::Green));
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: u64,
    pub time: Millis,
    /// The deployment the entry is about, if any.
    pub deployment: Option<String>,
    pub kind: EventKind,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> DeploymentRow {
        DeploymentRow {
            id: id.into(),
            place: "app/group".into(),
            status: DeploymentStatus::Succeeded,
            config: String::new(),
            overview: DeploymentOverview::default(),
            revision: String::new(),
            creator: String::new(),
            created: 0,
            started: None,
            completed: None,
            description: None,
        }
    }

    #[test]
    fn an_applications_last_is_its_worst_group() {
        let last = |status, at| LastRow {
            id: format!("d-{at}"),
            status,
            at,
        };
        let rows = [
            last(DeploymentStatus::Succeeded, 30),
            last(DeploymentStatus::Failed, 10),
            last(DeploymentStatus::InProgress, 20),
            last(DeploymentStatus::Failed, 5),
        ];
        assert_eq!(LastRow::worst(&rows).map(|r| r.at), Some(10));
        assert_eq!(LastRow::worst(&rows[..1]).map(|r| r.at), Some(30));
        assert_eq!(LastRow::worst(&[]), None);
        assert!(Across::Running.keeps(&DeploymentStatus::Queued));
        assert!(!Across::Failed.keeps(&DeploymentStatus::Stopped));
    }

    #[test]
    fn list_reads_active_then_finished() {
        let list = DeploymentList {
            active: vec![row("a")],
            finished: Arc::new(vec![row("b"), row("c")]),
        };
        assert_eq!(list.len(), 3);
        let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(list.get(0).map(|r| r.id.as_str()), Some("a"));
        assert_eq!(list.get(2).map(|r| r.id.as_str()), Some("c"));
        assert!(list.get(3).is_none());
    }
}
