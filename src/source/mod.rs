//! What the dashboard reads and acts through (DESIGN.md "source/"): one trait,
//! with the embedded runtime behind it (`local`) and a fixed-clock engine for
//! tests and screenshots (`sim`). The dashboard only ever sees [`Data`].

mod act;
pub mod demo;
pub mod local;
mod read;
pub mod sim;

use tokio::sync::watch;

use crate::engine::records::{BlueGreenPhase, HookExecution};
use crate::engine::{AlarmState, EventKind};
use crate::model::time::Millis;
use crate::model::*;

pub use read::load;

/// What the dashboard asks for: its current selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub app: Option<String>,
    pub group_id: Option<String>,
    pub deployment: Option<String>,
    /// Only event log entries after this sequence number.
    pub events_after: u64,
}

/// Most deployments listed per group (newest first).
pub const LIST_LIMIT: usize = 20_000;
/// Most event log lines kept.
pub const EVENT_LIMIT: usize = 500;

/// Everything one screen needs, read at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Data {
    pub now: Millis,
    pub speed: f64,
    pub paused: bool,
    pub apps: Vec<AppRow>,
    pub groups: Vec<GroupRow>,
    pub deployments: Vec<DeploymentRow>,
    pub detail: Option<Detail>,
    /// New event log entries (after `Request::events_after`), oldest first.
    pub events: Vec<EventRow>,
    pub alarms: Vec<(String, AlarmState)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub name: String,
    pub platform: ComputePlatform,
    pub groups: usize,
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
}

/// One line of the deployment list: small, so 10,000 of them stay cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRow {
    pub id: String,
    pub status: DeploymentStatus,
    pub config: String,
    pub overview: DeploymentOverview,
    pub revision: String,
    pub creator: String,
    pub created: Millis,
    pub started: Option<Millis>,
    pub completed: Option<Millis>,
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
}

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: u64,
    pub time: Millis,
    pub kind: EventKind,
    pub text: String,
}

/// A new deployment, as the form describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewDeployment {
    pub app: String,
    pub group: String,
    pub revision: RevisionLocation,
    pub config: Option<String>,
    pub description: Option<String>,
    /// `None`: the group's rollback settings; `Some(b)`: override.
    pub rollback_on_failure: Option<bool>,
}

/// Everything the dashboard can ask a source to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create(Box<NewDeployment>),
    Stop {
        id: String,
        rollback: bool,
    },
    /// In progress: stop and roll back; finished: redeploy the last good revision.
    RollBack {
        id: String,
    },
    /// ContinueDeployment: leave the Ready wait, or end the termination wait now.
    Continue {
        id: String,
        wait: DeploymentWaitType,
    },
    Pause(bool),
    Step,
    Speed(f64),
    BreakHost {
        host: String,
    },
    SetAlarm {
        name: String,
        on: bool,
    },
}

impl Action {
    /// True for actions that change deployments or the world (what
    /// `--read-only` refuses); the clock is only the view's pace.
    pub fn changes_state(&self) -> bool {
        !matches!(self, Action::Pause(_) | Action::Step | Action::Speed(_))
    }
}

/// The outcome of an action, as a line for the flash area.
pub type Outcome = Result<String, String>;

pub trait Source: Send {
    /// The header's mode: the state file or endpoint.
    fn mode(&self) -> String;
    /// Reads what the request selects.
    fn load(&self, req: &Request) -> anyhow::Result<Data>;
    /// Performs an action.
    fn act(&mut self, action: &Action) -> Outcome;
    /// Push notifications of change, when the source has them.
    fn changes(&self) -> Option<watch::Receiver<u64>>;
    /// True when the clock and the teaching keys (break host, alarms) apply.
    fn is_local(&self) -> bool;
}

/// The short form of a revision: `bucket/key`, `repo@commit` or `inline`.
pub fn revision_label(rev: Option<&RevisionLocation>) -> String {
    let Some(rev) = rev else {
        return "-".into();
    };
    if let Some(s3) = &rev.s3_location {
        let key = s3.key.as_deref().unwrap_or_default();
        return match &s3.bucket {
            Some(b) => format!("{b}/{key}"),
            None => key.to_string(),
        };
    }
    if let Some(gh) = &rev.git_hub_location {
        let commit = gh.commit_id.as_deref().unwrap_or_default();
        let short = commit.get(..7).unwrap_or(commit);
        return format!("{}@{short}", gh.repository.as_deref().unwrap_or_default());
    }
    "inline appspec".into()
}

/// Parses what a person types as a revision: `s3://bucket/key`, `bucket/key`,
/// `owner/repo@commit`.
pub fn parse_revision(text: &str) -> Option<RevisionLocation> {
    let text = text.trim();
    if let Some((repo, commit)) = text.split_once('@') {
        return (!repo.is_empty() && !commit.is_empty()).then(|| RevisionLocation {
            revision_type: Some(RevisionLocationType::GitHub),
            git_hub_location: Some(GitHubLocation {
                repository: Some(repo.into()),
                commit_id: Some(commit.into()),
            }),
            ..Default::default()
        });
    }
    let path = text.strip_prefix("s3://").unwrap_or(text);
    let (bucket, key) = path.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let bundle = match key.rsplit('.').next() {
        Some("tar") => BundleType::Tar,
        Some("tgz") | Some("gz") => BundleType::Tgz,
        Some("yaml") | Some("yml") => BundleType::Yaml,
        Some("json") => BundleType::Json,
        _ => BundleType::Zip,
    };
    Some(RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some(bucket.into()),
            key: Some(key.into()),
            bundle_type: Some(bundle),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_round_trip_through_labels() {
        let r = parse_revision("s3://my-artifacts/app-v2.zip").expect("s3");
        assert_eq!(revision_label(Some(&r)), "my-artifacts/app-v2.zip");
        let g = parse_revision("acme/shop@0123456789abcdef").expect("github");
        assert_eq!(revision_label(Some(&g)), "acme/shop@0123456");
        assert!(parse_revision("nothing").is_none());
        assert!(parse_revision("/key").is_none());
    }
}
