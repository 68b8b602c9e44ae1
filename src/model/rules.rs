//! CodeDeploy rules that whoever reads CodeDeploy needs as much as the engine
//! does: the dashboard over the local engine, the dashboard over AWS and the
//! engine itself call these, so no layer re-derives them.

use super::time::{Millis, MINUTE};
use super::*;

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

/// Events that run no appspec scripts: the agent's DownloadBundle and Install,
/// the service's BlockTraffic and AllowTraffic (reference §7.1, "reserved").
pub const RESERVED_EVENTS: [&str; 4] =
    ["DownloadBundle", "Install", "BlockTraffic", "AllowTraffic"];

/// True for the lifecycle events that run appspec scripts (the hooks).
pub fn runs_scripts(event: &str) -> bool {
    !RESERVED_EVENTS.contains(&event)
}

/// True for the events a host's CodeDeploy agent runs (hooks, DownloadBundle,
/// Install); the service runs BlockTraffic and AllowTraffic itself.
pub fn agent_runs(event: &str) -> bool {
    !matches!(event, "BlockTraffic" | "AllowTraffic")
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
fn reserved_event(event: &str) -> Option<(&'static str, &'static str)> {
    Some(match event {
        "DownloadBundle" => (
            "the CodeDeploy agent downloads and unpacks the bundle itself",
            "fail (the bundle is missing from its S3 bucket) and disk_full (no space left to unpack it)",
        ),
        "Install" => (
            "the CodeDeploy agent copies the revision's files itself",
            "fail (a file already exists at a destination) and disk_full (no space left to copy the files)",
        ),
        "BlockTraffic" => (
            "CodeDeploy itself deregisters the instance from the load balancer",
            "fail (the load balancer does not deregister the instance)",
        ),
        "AllowTraffic" => (
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
pub fn fault_refusal(fault: &str, event: &str) -> Option<String> {
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
