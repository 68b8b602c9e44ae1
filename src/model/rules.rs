//! CodeDeploy rules that whoever reads CodeDeploy needs as much as the engine
//! does: the dashboard over the local engine, the dashboard over AWS and the
//! engine itself call these, so no layer re-derives them.

use serde::{Deserialize, Serialize};

use super::lifecycle_event::LifecycleEventName;
use super::time::{Millis, MINUTE};
use super::*;

/// The platform of an application, group, config or deployment that names
/// none: `Server` (reference §14, UNCONFIRMED but what every client assumes).
pub fn compute_platform(platform: Option<&ComputePlatform>) -> ComputePlatform {
    platform.cloned().unwrap_or(ComputePlatform::Server)
}

/// True for the deployment that CodeDeploy made to roll another back.
pub fn is_rollback(info: &DeploymentInfo) -> bool {
    info.creator == Some(DeploymentCreator::CodeDeployRollback)
}

// ---- waits (reference §9.1, §10) ----------------------------------------------

/// The longest Ready wait: 48 hours for EC2 blue/green (reference §10), 120
/// hours for ECS (reference §9.1 and limits).
pub const EC2_READY_WAIT_MAX_MINUTES: i64 = 48 * 60;
pub const ECS_READY_WAIT_MAX_MINUTES: i64 = 120 * 60;

/// Whether a blue/green deployment waits `Ready` for
/// ContinueDeployment(READY_WAIT): only with STOP_DEPLOYMENT.
pub fn waits_ready(bg: Option<&BlueGreenDeploymentConfiguration>) -> bool {
    bg.and_then(|b| b.deployment_ready_option.as_ref())
        .and_then(|r| r.action_on_timeout.as_ref())
        == Some(&DeploymentReadyAction::StopDeployment)
}

/// How long a Ready wait on `platform` lasts: `waitTimeInMinutes` capped at
/// the maximum; without one, or with 0, the maximum (our reading of "max
/// wait": a wait of 0 would stop the deployment the moment it is Ready).
pub fn ready_wait_minutes(
    bg: Option<&BlueGreenDeploymentConfiguration>,
    platform: &ComputePlatform,
) -> i64 {
    let max = match platform {
        ComputePlatform::Ecs => ECS_READY_WAIT_MAX_MINUTES,
        _ => EC2_READY_WAIT_MAX_MINUTES,
    };
    bg.and_then(|b| b.deployment_ready_option.as_ref())
        .and_then(|r| r.wait_time_in_minutes)
        .filter(|m| *m > 0)
        .map_or(max, |m| i64::from(m).min(max))
}

/// How long the originals stay after traffic moved, before they are
/// terminated (EC2) or deleted (the ECS task set):
/// `terminationWaitTimeInMinutes`; without one, no wait.
pub fn termination_wait_minutes(bg: Option<&BlueGreenDeploymentConfiguration>) -> i64 {
    bg.and_then(|b| b.terminate_blue_instances_on_deployment_success.as_ref())
        .and_then(|o| o.termination_wait_time_in_minutes)
        .map_or(0, |m| i64::from(m).max(0))
}

/// When a wait of `minutes` that began at `start` ends by itself.
pub fn wait_ends(start: Millis, minutes: i64) -> Millis {
    start + minutes * MINUTE
}

// ---- EC2 blue/green (reference §7.2, §10) --------------------------------------

/// Where an EC2 blue/green deployment stands; the order is the order they
/// come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum BlueGreenPhase {
    /// Not started yet.
    #[default]
    Planned,
    /// Green instances run ApplicationStop .. ValidateService.
    Install,
    /// STOP_DEPLOYMENT: installed, waiting for ContinueDeployment(READY_WAIT).
    Ready,
    /// Allow events, in batches under minimum healthy hosts.
    Reroute,
    /// Block events on the other side.
    Block,
    /// TERMINATE: waiting terminationWaitTimeInMinutes before terminating Blue.
    TerminationWait,
}

/// The phase whose hosts run lifecycle event `event`: the Allow events
/// reroute, the Block events block, the rest installs.
fn phase_running(event: LifecycleEventName) -> BlueGreenPhase {
    use LifecycleEventName::*;
    match event {
        BeforeAllowTraffic | AllowTraffic | AfterAllowTraffic => BlueGreenPhase::Reroute,
        BeforeBlockTraffic | BlockTraffic | AfterBlockTraffic => BlueGreenPhase::Block,
        _ => BlueGreenPhase::Install,
    }
}

/// Where a running EC2 blue/green deployment stands, from what CodeDeploy
/// reports: its status, `instanceTerminationWaitTimeStarted`, and the
/// lifecycle events of all its targets (the latest phase an event has
/// started in; an event skipped after a host failed never started). The
/// engine keeps the phase as it moves it; this is how it reads from outside.
pub fn blue_green_phase<'a>(
    status: &DeploymentStatus,
    termination_started: bool,
    events: impl IntoIterator<Item = &'a LifecycleEvent>,
) -> BlueGreenPhase {
    if *status == DeploymentStatus::Ready {
        return BlueGreenPhase::Ready;
    }
    if termination_started {
        return BlueGreenPhase::TerminationWait;
    }
    events
        .into_iter()
        .filter(|e| {
            matches!(
                e.status,
                Some(
                    LifecycleEventStatus::InProgress
                        | LifecycleEventStatus::Succeeded
                        | LifecycleEventStatus::Failed
                )
            )
        })
        .filter_map(|e| e.lifecycle_event_name.as_deref())
        // Read from outside (AWS may send names the model lacks): an
        // unknown name counts as installing.
        .map(|name| name.parse().map_or(BlueGreenPhase::Install, phase_running))
        .max()
        .unwrap_or(BlueGreenPhase::Planned)
}

/// The wait a blue/green phase is, if it is one.
pub fn phase_wait(phase: BlueGreenPhase) -> Option<DeploymentWaitType> {
    match phase {
        BlueGreenPhase::Ready => Some(DeploymentWaitType::ReadyWait),
        BlueGreenPhase::TerminationWait => Some(DeploymentWaitType::TerminationWait),
        _ => None,
    }
}

/// Whether a host counts for the deployment's health (minimum healthy
/// hosts, batches): every host in place (no label); in EC2 blue/green the
/// side that takes traffic: the replacement (Green) instances, or in a
/// rollback the originals (Blue), which take it back (reference §7.2).
pub fn counts_for_health(label: Option<&TargetLabel>, rollback: bool) -> bool {
    match label {
        None => true,
        Some(TargetLabel::Blue) => rollback,
        Some(_) => !rollback,
    }
}

/// Whether a host that counts for health waits for its batch: not started,
/// or (blue/green) installed and not yet rerouting. A host running an event,
/// waiting `Ready` or finished does not.
pub fn waits_for_batch(status: &TargetStatus, events: &[LifecycleEvent]) -> bool {
    match status {
        TargetStatus::Pending => true,
        TargetStatus::InProgress => !events
            .iter()
            .any(|e| e.status == Some(LifecycleEventStatus::InProgress)),
        _ => false,
    }
}

impl DeploymentGroupInfo {
    /// The deployment whose revision "roll back" redeploys, automatic or by
    /// hand: the group's last successful deployment (reference §11).
    pub fn rollback_source(&self) -> Option<&str> {
        self.last_successful_deployment
            .as_ref()?
            .deployment_id
            .as_deref()
    }
}

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

/// The traffic steps of a Lambda or ECS deployment as its target reports
/// them: the schedule from AllowTraffic's start (none before it started).
pub fn reported_traffic_schedule(
    routing: Option<&TrafficRoutingConfig>,
    events: &[LifecycleEvent],
) -> Vec<(Millis, f64)> {
    events
        .iter()
        .find(|e| {
            e.lifecycle_event_name.as_deref() == Some(LifecycleEventName::AllowTraffic.as_str())
        })
        .and_then(|e| e.start_time)
        .map(|t0| traffic_schedule(routing, t0.0))
        .unwrap_or_default()
}

/// How many of the traffic `steps` were taken when `weight` percent is on
/// the new side.
pub fn steps_applied(steps: &[(Millis, f64)], weight: f64) -> usize {
    steps.iter().filter(|(_, w)| *w <= weight).count()
}

/// Minimum healthy hosts M and the most that may be down at once U = N - M,
/// for a deployment to `n` instances (reference §8.1).
pub fn health_limits(mhh: Option<&MinimumHealthyHosts>, n: i64) -> (i64, i64) {
    let value = mhh.and_then(|m| m.value).unwrap_or(1) as i64;
    let min = match mhh.and_then(|m| m.r#type.as_ref()) {
        Some(MinimumHealthyHostsType::HostCount) => value,
        // Fractional instances round up, converted at the start of the deployment.
        Some(MinimumHealthyHostsType::FleetPercent) => (n * value + 99) / 100,
        // MOST_CONCURRENCY (OneAtATime): all but one stay healthy.
        _ => (n - 1).max(0),
    };
    (min, n - min)
}

/// What the agent reports for an event it was running when it restarted
/// (reference §13.2, "Agent restart mid-script"; code 7, sent as UnknownError).
pub const AGENT_RESTART_MESSAGE: &str =
    "Failed: Failing in-progress lifecycle event after an agent restart.";

/// The on-premises instance tag that makes it a local host (`local = true`).
pub const LOCAL_TAG: &str = "codedeck:local";

/// The fault tags scripts that only speak the API put on on-premises
/// instances (or the fleet file on its hosts), and the fleet-file key each
/// stands for: `codedeck:fail=<event>` is `fail = "<event>"`.
pub const FAULT_TAGS: [(&str, &str); 4] = [
    ("codedeck:fail", "fail"),
    ("codedeck:timeout", "timeout"),
    ("codedeck:missing", "missing"),
    ("codedeck:disk-full", "disk_full"),
];

/// What runs a reserved event, and the faults it really has.
fn reserved_event(event: LifecycleEventName) -> Option<(&'static str, &'static str)> {
    use LifecycleEventName::*;
    Some(match event {
        DownloadBundle => (
            "the CodeDeploy agent downloads and unpacks the bundle itself",
            "fail (the bundle is missing from its S3 bucket) and disk_full (no space left to unpack it)",
        ),
        Install => (
            "the CodeDeploy agent copies the revision's files itself",
            "fail (a file already exists at a destination) and disk_full (no space left to copy the files)",
        ),
        BlockTraffic => (
            "CodeDeploy itself deregisters the instance from the load balancer",
            "fail (the load balancer does not deregister the instance)",
        ),
        AllowTraffic => (
            "CodeDeploy itself registers the instance with the load balancer",
            "fail (the load balancer does not register the instance)",
        ),
        _ => return None,
    })
}

/// Why the fault behind fleet key `fault` (`fail`, `timeout`, `missing`,
/// `disk_full`) cannot happen at lifecycle event `event`, or `None` when it
/// can: a script can only time out or be missing where scripts run, and only
/// the agent's DownloadBundle and Install write to the disk.
pub fn fault_refusal(fault: &str, event: LifecycleEventName) -> Option<String> {
    let script_fault = match fault {
        "timeout" => Some("time out (ScriptTimedOut)"),
        "missing" => Some("be missing (ScriptMissing)"),
        _ => None,
    };
    match (reserved_event(event), script_fault) {
        (Some((who, offers)), Some(what)) => Some(format!(
            "{event} runs no appspec scripts ({who}), so no script of it can {what}; the faults {event} has are {offers}"
        )),
        (Some((_, offers)), None) if fault == "disk_full" && offers.contains("disk_full") => None,
        (Some((who, offers)), None) if fault == "disk_full" => Some(format!(
            "{event} writes nothing to the instance's disk ({who}); the faults {event} has are {offers}"
        )),
        (None, None) if fault == "disk_full" => Some(format!(
            "{event} runs appspec scripts, which do not fill the disk in codedeck's world; disk_full applies to DownloadBundle and Install"
        )),
        _ => None,
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
