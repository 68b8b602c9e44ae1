//! The fleet file: the simulated world deployments land in (EC2 instances and
//! Auto Scaling groups, Lambda functions, ECS services, S3 objects, CloudWatch
//! alarms as named switches). Data and its parsing only; how hosts behave
//! during a deployment is the engine's (`engine::host_behaviour`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::records::AlarmState;
use super::rng;
use crate::model::lifecycle_event::{LifecycleEventName, SERVER_IN_PLACE_LB};
use crate::model::rules::{fault_refusal, FAULT_TAGS};

/// Default virtual seconds per lifecycle event when the fleet says nothing;
/// none for ECS's test-traffic events, which the fleet cannot name.
pub fn default_secs(event: LifecycleEventName) -> Option<i64> {
    use LifecycleEventName::*;
    Some(match event {
        BeforeBlockTraffic | AfterBlockTraffic | ApplicationStop => 2,
        BeforeAllowTraffic | AfterAllowTraffic => 2,
        BlockTraffic | AllowTraffic => 6,
        DownloadBundle | ValidateService => 4,
        BeforeInstall | AfterInstall | ApplicationStart => 3,
        Install => 5,
        AllowTestTraffic | AfterAllowTestTraffic => return None,
    })
}

/// The fleet file. See `assets/fleet.toml` for a documented sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    #[serde(default)]
    pub defaults: Behaviour,
    #[serde(default, rename = "instance")]
    pub instances: Vec<InstanceSpec>,
    #[serde(default, rename = "auto_scaling_group")]
    pub auto_scaling_groups: Vec<AsgSpec>,
    #[serde(default, rename = "alarm")]
    pub alarms: Vec<AlarmSpec>,
    #[serde(
        default,
        rename = "lambda_function",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub functions: Vec<FunctionSpec>,
    #[serde(default, rename = "ecs_service", skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
    #[serde(default, rename = "s3_object", skip_serializing_if = "Vec::is_empty")]
    pub s3_objects: Vec<S3ObjectSpec>,
    /// Local hosts read S3 revisions from `<s3_root>/<bucket>/<key>`
    /// (`--s3-root` wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_root: Option<String>,
    /// Local hosts read GitHub revisions from `<github_root>/<owner>/<repo>@<commit>`
    /// (`--github-root` wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_root: Option<String>,
}

/// A simulated Lambda function: a deployment target (its aliases) or a hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub name: String,
    /// Alias name -> the version it points at.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// As a hook: "succeed" (default), "fail", or "timeout" (never answers).
    pub hook: Option<String>,
    /// As a hook: virtual seconds before it answers (default 3).
    pub duration: Option<f64>,
}

/// A simulated ECS service with one task set serving production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub cluster: String,
    pub name: String,
    /// The task definition of the running (original) task set.
    pub task_definition: Option<String>,
    /// Tasks per task set (default 2).
    pub desired_count: Option<i64>,
}

/// An object in simulated S3: a Lambda or ECS appspec that S3 revisions name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3ObjectSpec {
    pub bucket: String,
    pub key: String,
    pub content: String,
}

/// How a simulated hook function answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookOutcome {
    Succeed,
    Fail,
    /// Never answers: the hook fails after the one-hour limit.
    Silent,
}

/// Default virtual seconds a simulated hook function runs.
pub const DEFAULT_HOOK_SECS: f64 = 3.0;

impl FunctionSpec {
    pub fn outcome(&self) -> HookOutcome {
        match self.hook.as_deref() {
            Some("fail") => HookOutcome::Fail,
            Some("timeout") => HookOutcome::Silent,
            _ => HookOutcome::Succeed,
        }
    }
}

/// How a host behaves; every member is optional and falls back to the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Virtual seconds per lifecycle event, by event name.
    #[serde(default)]
    pub durations: BTreeMap<String, f64>,
    /// Relative spread of durations, 0.0..=0.9 (default 0.2), drawn from the seed.
    pub jitter: Option<f64>,
    /// Fail this lifecycle event (ScriptFailed).
    pub fail: Option<String>,
    /// Let this lifecycle event run past its script timeout (ScriptTimedOut).
    pub timeout: Option<String>,
    /// This lifecycle event's script is missing (ScriptMissing).
    pub missing: Option<String>,
    /// The disk fills up during this event: DownloadBundle or Install only.
    pub disk_full: Option<String>,
    /// "running" (default) or "stopped": a stopped host never answers.
    pub state: Option<String>,
    /// A local host: its lifecycle events run the revision's real appspec
    /// scripts (`agent`), with the user's rights, instead of being simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "super::fleet_file::InstanceKeys")]
pub struct InstanceSpec {
    /// EC2 instance ID; derived from the name when absent.
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub availability_zone: Option<String>,
    /// A local host's agent root directory (default `<state dir>/hosts/<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// A local host installs `files` where the appspec says, as the real
    /// agent would (default: under `<root>/fs/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_to_system: Option<bool>,
    #[serde(flatten)]
    pub behaviour: Behaviour,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "super::fleet_file::AsgKeys")]
pub struct AsgSpec {
    pub name: String,
    /// How many instances the group runs (named `<name>-1`, `<name>-2`, ...).
    #[serde(default)]
    pub capacity: u32,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(flatten)]
    pub behaviour: Behaviour,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    pub name: String,
    /// "OK" (default), "ALARM" or "POLL_FAILURE".
    pub state: Option<String>,
}

/// A resolved simulated EC2 instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub id: String,
    pub tags: BTreeMap<String, String>,
    pub asg: Option<String>,
    pub availability_zone: String,
    /// A local host's agent root, when the fleet names one.
    pub root: Option<String>,
    /// A local host installs `files` where the appspec says.
    pub install_to_system: bool,
    pub behaviour: Behaviour,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FleetError {
    /// Where and what: `line 11, column 1: unknown field `fial`, ...`.
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Invalid(String),
}

/// A lifecycle event a fault or a duration names must be one of a host's.
fn check_event(event: &str, owner: &str) -> Result<LifecycleEventName, FleetError> {
    LifecycleEventName::parse_among(event, &SERVER_IN_PLACE_LB)
        .map_err(|e| FleetError::Invalid(format!("{owner}: {e}")))
}

/// A fault (`what` is how the file wrote it) must be one `event` can have:
/// no script faults on events that run no scripts (`rules::fault_refusal`).
fn check_fault(fault: &str, event: &str, what: &str, owner: &str) -> Result<(), FleetError> {
    match fault_refusal(fault, check_event(event, owner)?) {
        Some(why) => Err(FleetError::Invalid(format!("{owner}: {what}: {why}"))),
        None => Ok(()),
    }
}

/// The `codedeck:` fault tags of a host, checked like the keys they stand for.
fn check_fault_tags(tags: &BTreeMap<String, String>, owner: &str) -> Result<(), FleetError> {
    for (tag, fault) in FAULT_TAGS {
        if let Some(event) = tags.get(tag) {
            check_fault(fault, event, &format!("tag {tag} = {event:?}"), owner)?;
        }
    }
    Ok(())
}

/// One behaviour block of the fleet file (`owner` names it in messages).
fn check_behaviour(b: &Behaviour, owner: &str) -> Result<(), FleetError> {
    for event in b.durations.keys() {
        check_event(event, owner)?;
    }
    let faults = [
        ("fail", &b.fail),
        ("timeout", &b.timeout),
        ("missing", &b.missing),
        ("disk_full", &b.disk_full),
    ];
    for (fault, event) in faults {
        if let Some(event) = event {
            check_fault(fault, event, &format!("{fault} = {event:?}"), owner)?;
        }
    }
    if let Some(d) = b.durations.values().find(|d| !d.is_finite() || **d < 0.0) {
        return Err(FleetError::Invalid(format!(
            "{owner}: duration {d} must be >= 0"
        )));
    }
    let faults_set = [&b.fail, &b.timeout, &b.missing, &b.disk_full];
    if b.local == Some(true) && faults_set.iter().any(|f| f.is_some()) {
        return Err(FleetError::Invalid(format!(
            "{owner}: a local host runs the revision's real scripts; break a script instead of \
             declaring fail, timeout, missing or disk_full"
        )));
    }
    if let Some(j) = b.jitter.filter(|j| !(0.0..=0.9).contains(j)) {
        return Err(FleetError::Invalid(format!(
            "{owner}: jitter {j} must be within 0.0..=0.9"
        )));
    }
    match b.state.as_deref() {
        None | Some("running") | Some("stopped") => Ok(()),
        Some(other) => Err(FleetError::Invalid(format!(
            "{owner}: state {other:?} must be \"running\" or \"stopped\""
        ))),
    }
}

impl Fleet {
    pub fn parse(text: &str) -> Result<Fleet, FleetError> {
        let fleet: Fleet = toml::from_str(text)
            .map_err(|e| FleetError::Parse(super::fleet_file::describe(text, &e)))?;
        fleet.validate()?;
        Ok(fleet)
    }

    /// The sample fleet shipped in `assets/fleet.toml`, used when none is given.
    pub fn sample() -> Fleet {
        Fleet::parse(include_str!("../../assets/fleet.toml")).unwrap_or_default()
    }

    fn validate(&self) -> Result<(), FleetError> {
        check_behaviour(&self.defaults, "[defaults]")?;
        let mut ids = std::collections::BTreeSet::new();
        for host in self.hosts() {
            if !ids.insert(host.id.clone()) {
                return Err(FleetError::Invalid(format!(
                    "instance {} is declared twice",
                    host.id
                )));
            }
        }
        for spec in &self.instances {
            let owner = format!("instance {}", spec.label());
            check_behaviour(&spec.behaviour, &owner)?;
            check_fault_tags(&spec.tags, &owner)?;
            let local = spec.behaviour.local.or(self.defaults.local) == Some(true);
            if (spec.root.is_some() || spec.install_to_system.is_some()) && !local {
                return Err(FleetError::Invalid(format!(
                    "{owner}: root and install_to_system are for local hosts; add local = true"
                )));
            }
        }
        for asg in &self.auto_scaling_groups {
            let owner = format!("auto_scaling_group {}", asg.name);
            check_behaviour(&asg.behaviour, &owner)?;
            check_fault_tags(&asg.tags, &owner)?;
        }
        self.check_simulated()
    }

    /// Lambda functions, ECS services and alarms.
    fn check_simulated(&self) -> Result<(), FleetError> {
        for f in &self.functions {
            if !matches!(
                f.hook.as_deref(),
                None | Some("succeed" | "fail" | "timeout")
            ) {
                return Err(FleetError::Invalid(format!(
                    "lambda_function {}: hook must be \"succeed\", \"fail\" or \"timeout\"",
                    f.name
                )));
            }
            if f.duration.is_some_and(|d| !d.is_finite() || d < 0.0) {
                return Err(FleetError::Invalid(format!(
                    "lambda_function {}: duration must be >= 0",
                    f.name
                )));
            }
        }
        for svc in &self.services {
            if svc.desired_count.is_some_and(|c| c < 0) {
                return Err(FleetError::Invalid(format!(
                    "ecs_service {}/{}: desired_count must be >= 0",
                    svc.cluster, svc.name
                )));
            }
        }
        for alarm in &self.alarms {
            if parse_alarm_state(alarm.state.as_deref()).is_none() {
                return Err(FleetError::Invalid(format!(
                    "alarm {}: state must be OK, ALARM or POLL_FAILURE",
                    alarm.name
                )));
            }
        }
        Ok(())
    }

    /// Every simulated EC2 instance: declared ones, then Auto Scaling members.
    pub fn hosts(&self) -> Vec<Host> {
        let mut hosts: Vec<Host> = self
            .instances
            .iter()
            .map(|spec| {
                let mut tags = spec.tags.clone();
                if let Some(name) = &spec.name {
                    tags.entry("Name".into()).or_insert_with(|| name.clone());
                }
                Host {
                    id: spec.id.clone().unwrap_or_else(|| derived_id(&spec.label())),
                    tags,
                    asg: None,
                    availability_zone: spec
                        .availability_zone
                        .clone()
                        .unwrap_or_else(|| "us-east-1a".into()),
                    root: spec.root.clone(),
                    install_to_system: spec.install_to_system == Some(true),
                    behaviour: spec.behaviour.clone(),
                }
            })
            .collect();
        for asg in &self.auto_scaling_groups {
            for n in 1..=asg.capacity {
                let mut tags = asg.tags.clone();
                tags.insert("aws:autoscaling:groupName".into(), asg.name.clone());
                let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
                hosts.push(Host {
                    id: derived_id(&format!("{}-{n}", asg.name)),
                    tags,
                    asg: Some(asg.name.clone()),
                    availability_zone: zones[(n as usize - 1) % zones.len()].into(),
                    root: None,
                    install_to_system: false,
                    behaviour: asg.behaviour.clone(),
                });
            }
        }
        hosts
    }
}

impl From<super::fleet_file::InstanceKeys> for InstanceSpec {
    fn from(k: super::fleet_file::InstanceKeys) -> InstanceSpec {
        InstanceSpec {
            id: k.id,
            name: k.name,
            tags: k.tags,
            availability_zone: k.availability_zone,
            root: k.root,
            install_to_system: k.install_to_system,
            behaviour: Behaviour {
                durations: k.durations,
                jitter: k.jitter,
                fail: k.fail,
                timeout: k.timeout,
                missing: k.missing,
                disk_full: k.disk_full,
                state: k.state,
                local: k.local,
            },
        }
    }
}

impl From<super::fleet_file::AsgKeys> for AsgSpec {
    fn from(k: super::fleet_file::AsgKeys) -> AsgSpec {
        AsgSpec {
            name: k.name,
            capacity: k.capacity,
            tags: k.tags,
            behaviour: Behaviour {
                durations: k.durations,
                jitter: k.jitter,
                fail: k.fail,
                timeout: k.timeout,
                missing: k.missing,
                disk_full: k.disk_full,
                state: k.state,
                local: k.local,
            },
        }
    }
}

impl InstanceSpec {
    fn label(&self) -> String {
        self.id
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| format!("{:?}", self.tags))
    }
}

pub fn parse_alarm_state(s: Option<&str>) -> Option<AlarmState> {
    match s.unwrap_or("OK") {
        "OK" => Some(AlarmState::Ok),
        "ALARM" => Some(AlarmState::Alarm),
        "POLL_FAILURE" => Some(AlarmState::PollFailure),
        _ => None,
    }
}

/// A stable EC2-shaped ID for a host declared without one.
fn derived_id(label: &str) -> String {
    crate::model::ids::ec2_instance_id(rng::draw(0xc0de_dec4, &[label]))
}

impl Behaviour {
    /// This host's behaviour with the fleet defaults filled in.
    pub fn over(&self, defaults: &Behaviour) -> Behaviour {
        let mut durations = defaults.durations.clone();
        durations.extend(self.durations.clone());
        Behaviour {
            durations,
            jitter: self.jitter.or(defaults.jitter),
            fail: self.fail.clone().or_else(|| defaults.fail.clone()),
            timeout: self.timeout.clone().or_else(|| defaults.timeout.clone()),
            missing: self.missing.clone().or_else(|| defaults.missing.clone()),
            disk_full: self
                .disk_full
                .clone()
                .or_else(|| defaults.disk_full.clone()),
            state: self.state.clone().or_else(|| defaults.state.clone()),
            local: self.local.or(defaults.local),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_fleet_parses_and_has_web_hosts() {
        let fleet = Fleet::parse(include_str!("../../assets/fleet.toml")).expect("sample fleet");
        let web = fleet
            .hosts()
            .into_iter()
            .filter(|h| h.tags.get("Name").map(String::as_str) == Some("web"))
            .count();
        assert!(web >= 3, "sample fleet needs Name=web hosts, found {web}");
    }

    fn error(text: &str) -> String {
        Fleet::parse(text).expect_err("a bad fleet").to_string()
    }

    #[test]
    fn an_unknown_key_is_pointed_at_with_the_keys_there_are() {
        let text =
            "[[instance]]\nname = \"web-1\"\ntags = { env = \"prod\" }\n\nfial = \"Install\"\n";
        let e = error(text);
        assert!(
            e.starts_with("line 5, column 1: unknown field `fial`"),
            "{e}"
        );
        assert!(
            e.contains("`fail`") && e.contains("`availability_zone`"),
            "{e}"
        );
        assert!(e.ends_with("(did you mean `fail`?)"), "{e}");
        let e = error("[[auto_scaling_group]]\nname = \"a\"\ncapacty = 2\n");
        assert!(
            e.starts_with("line 3, column 1: unknown field `capacty`"),
            "{e}"
        );
        assert!(e.contains("did you mean `capacity`"), "{e}");
    }

    #[test]
    fn a_wrong_type_names_its_key() {
        for text in [
            "[[instance]]\nname = \"a\"\nfail = 3\n",
            "[defaults]\nfail = 3\n",
        ] {
            let e = error(text);
            assert!(e.contains("fail: invalid type: integer `3`"), "{text}: {e}");
            assert!(e.contains(", column 8:"), "{text}: {e}");
        }
    }

    /// A fleet as stored (serialised) reads back the same: the flat host
    /// tables of `fleet_file` hold every key the specs write.
    #[test]
    fn every_key_written_reads_back() {
        let behaviour = Behaviour {
            durations: BTreeMap::from([("Install".to_string(), 2.0)]),
            jitter: Some(0.1),
            fail: Some("AfterInstall".into()),
            timeout: Some("ApplicationStart".into()),
            missing: Some("ValidateService".into()),
            disk_full: Some("Install".into()),
            state: Some("running".into()),
            local: Some(false),
        };
        let fleet = Fleet {
            instances: vec![InstanceSpec {
                id: Some("i-0123456789abcdef0".into()),
                name: Some("web".into()),
                tags: BTreeMap::from([("env".to_string(), "prod".to_string())]),
                availability_zone: Some("us-east-1b".into()),
                root: Some("/tmp/h".into()),
                install_to_system: Some(false),
                behaviour: behaviour.clone(),
            }],
            auto_scaling_groups: vec![AsgSpec {
                name: "asg".into(),
                capacity: 2,
                tags: BTreeMap::new(),
                behaviour,
            }],
            ..Default::default()
        };
        let json = serde_json::to_string(&fleet).expect("json");
        let back: Fleet = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, fleet);
    }

    #[test]
    fn bad_fleets_get_clear_errors() {
        let e = Fleet::parse("[[instance]]\nname = \"a\"\nfail = \"Nope\"\n").unwrap_err();
        assert!(
            e.to_string().contains(
                "unknown lifecycle event \"Nope\" (expected one of BeforeBlockTraffic, BlockTraffic,"
            ),
            "{e}"
        );
        // An ECS-only event is no event of the fleet's hosts.
        let e =
            Fleet::parse("[[instance]]\nname = \"a\"\nfail = \"AllowTestTraffic\"\n").unwrap_err();
        assert!(e.to_string().contains("\"AllowTestTraffic\""), "{e}");
        let e = Fleet::parse("[[instance]]\nname = \"a\"\ntimeout = \"Install\"\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("timeout = \"Install\": Install runs no appspec scripts"),
            "{e}"
        );
        let e =
            Fleet::parse("[[instance]]\nname = \"a\"\ndisk_full = \"AfterInstall\"\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("disk_full applies to DownloadBundle and Install"),
            "{e}"
        );
        let e = Fleet::parse(
            "[[instance]]\nname = \"a\"\ntags = { \"codedeck:missing\" = \"AllowTraffic\" }\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("tag codedeck:missing"), "{e}");
        assert!(Fleet::parse("[[instance]]\nname = \"a\"\ndisk_full = \"Install\"\n").is_ok());
        let e = Fleet::parse("[[instance]]\nnam = \"a\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `nam`"), "{e}");
        let e =
            Fleet::parse("[[instance]]\nname = \"a\"\n[[instance]]\nname = \"a\"\n").unwrap_err();
        assert!(e.to_string().contains("declared twice"), "{e}");
    }
}
