//! Lifecycle events: their order per deployment kind (reference §7), who runs
//! them, and the diagnostics a simulated run reports.

use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::*;
use crate::state::FaultKind;

pub use crate::model::lifecycle_event::{
    SERVER_BLUE_GREEN_ALLOW, SERVER_BLUE_GREEN_BLUE, SERVER_BLUE_GREEN_GREEN, SERVER_IN_PLACE,
    SERVER_IN_PLACE_LB,
};

/// Whether `ignoreApplicationStopFailures` lets an instance survive `failure` of
/// `event`: the hooks that run the previous revision's scripts, which may be
/// broken for good. A stopped instance never ran the script: nothing to
/// forgive, it fails (reference §8.2 rule 5).
pub fn forgiven(ignore: bool, event: LifecycleEventName, failure: Option<FaultKind>) -> bool {
    ignore && event.runs_last_revision() && failure != Some(FaultKind::Unresponsive)
}

/// Whether `event` runs an appspec script on a host: not the reserved
/// events, and not the previous revision's hooks on a first install, where
/// there is no previous revision (reference §13: the agent skips them).
pub fn runs_script_here(event: LifecycleEventName, first_install: bool) -> bool {
    event.runs_scripts() && !(first_install && event.runs_last_revision())
}

/// The seconds after which a hook script is killed (reference §5).
pub const SCRIPT_TIMEOUT_SECS: i64 = 3600;
/// A lifecycle event that has not started after this long fails (reference §8.3).
pub const START_TIMEOUT_MILLIS: i64 = 5 * 60 * 1000;
/// An in-place deployment still running after 8 hours fails with TIMEOUT.
pub const IN_PLACE_DEADLINE_MILLIS: i64 = 8 * 3600 * 1000;
/// The API returns at most the last 4 KB of a script log.
pub const LOG_TAIL_MAX: usize = 4096;

/// True when the group's style routes traffic through a load balancer.
pub fn uses_load_balancer(style: Option<&DeploymentStyle>, lb: Option<&LoadBalancerInfo>) -> bool {
    let with_control = style
        .and_then(|s| s.deployment_option.as_ref())
        .is_some_and(|o| *o == DeploymentOption::WithTrafficControl);
    let has_lb = lb.is_some_and(|lb| {
        lb.elb_info_list.as_ref().is_some_and(|l| !l.is_empty())
            || lb
                .target_group_info_list
                .as_ref()
                .is_some_and(|l| !l.is_empty())
    });
    with_control && has_lb
}

/// The appspec script a simulated hook runs, e.g. `scripts/validate_service.sh`.
pub fn script_name(event: LifecycleEventName) -> String {
    let mut snake = String::new();
    for (i, c) in event.as_str().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    format!("scripts/{snake}.sh")
}

pub fn success() -> Diagnostics {
    Diagnostics {
        error_code: Some(LifecycleErrorCode::Success),
        script_name: Some(String::new()),
        message: Some("Succeeded".into()),
        log_tail: Some(String::new()),
    }
}

/// What a failed simulated run reports.
pub fn failure(event: LifecycleEventName, kind: FaultKind, host: &str) -> Diagnostics {
    if event.is_reserved() || kind == FaultKind::Unresponsive {
        return reserved_failure(event, kind, host);
    }
    let script = script_name(event);
    let (code, message, tail) = match kind {
        FaultKind::Timeout => (
            LifecycleErrorCode::ScriptTimedOut,
            format!("Script at specified location: {script} failed to complete in {SCRIPT_TIMEOUT_SECS} seconds"),
            format!("[stdout]{event}: waiting for the service on {host} to settle...\n[stdout]still waiting...\n"),
        ),
        FaultKind::Missing => (
            LifecycleErrorCode::ScriptMissing,
            format!("Script does not exist at specified location: /opt/codedeploy-agent/deployment-root/deployment-archive/{script}"),
            String::new(),
        ),
        _ => (
            LifecycleErrorCode::ScriptFailed,
            format!("Script at specified location: {script} failed with exit code 1"),
            format!(
                "[stdout]{event}: running checks on {host}\n[stderr]curl: (7) Failed to connect to localhost port 80: Connection refused\n[stderr]{event} failed: service did not answer\n"
            ),
        ),
    };
    Diagnostics {
        error_code: Some(code),
        script_name: Some(script),
        message: Some(message),
        log_tail: Some(truncate_tail(tail)),
    }
}

/// The failure of an event that runs no script (the agent's or the
/// service's own work), or of a host that never answered. A script fault
/// cannot reach here on a reserved event: the fleet file and the fault tags
/// refuse it (`model::rules::fault_refusal`).
fn reserved_failure(event: LifecycleEventName, kind: FaultKind, host: &str) -> Diagnostics {
    use LifecycleEventName::{BlockTraffic, DownloadBundle, Install};
    let message = match (event, kind) {
        (_, FaultKind::Unresponsive) => format!(
            "The lifecycle event did not start within 5 minutes: host {host} did not answer (is the CodeDeploy agent running?)"
        ),
        (DownloadBundle, FaultKind::DiskFull) => "No space left on device @ io_write - /opt/codedeploy-agent/deployment-root/deployment-archive (the revision bundle could not be unpacked)".to_string(),
        (DownloadBundle, _) => "The specified key does not exist. (The revision bundle could not be downloaded from its S3 bucket.)".to_string(),
        (Install, FaultKind::DiskFull) => "No space left on device @ rb_sysopen - /var/www/html/index.html".to_string(),
        (Install, _) => "The deployment failed because a specified file already exists at this location: /var/www/html/index.html".to_string(),
        (BlockTraffic, _) => format!("Instance {host} could not be deregistered from the load balancer."),
        _ => format!("Instance {host} could not be registered with the load balancer."),
    };
    Diagnostics {
        error_code: Some(LifecycleErrorCode::UnknownError),
        script_name: Some(String::new()),
        message: Some(message),
        log_tail: Some(String::new()),
    }
}

/// Keeps the newest part of a log, at most `LOG_TAIL_MAX` bytes, on a char boundary.
pub fn truncate_tail(tail: String) -> String {
    if tail.len() <= LOG_TAIL_MAX {
        return tail;
    }
    let start = tail.ceil_char_boundary(tail.len() - LOG_TAIL_MAX);
    tail[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_names_and_tail_limit() {
        assert_eq!(
            script_name(LifecycleEventName::ValidateService),
            "scripts/validate_service.sh"
        );
        let long = "é".repeat(5000);
        let t = truncate_tail(long);
        assert!(t.len() <= LOG_TAIL_MAX);
    }

    #[test]
    fn load_balancer_needs_style_and_targets() {
        let style = DeploymentStyle {
            deployment_option: Some(DeploymentOption::WithTrafficControl),
            deployment_type: Some(DeploymentType::InPlace),
        };
        let lb = LoadBalancerInfo {
            target_group_info_list: Some(vec![TargetGroupInfo {
                name: Some("tg".into()),
            }]),
            ..Default::default()
        };
        assert!(uses_load_balancer(Some(&style), Some(&lb)));
        assert!(!uses_load_balancer(None, Some(&lb)));
        assert!(!uses_load_balancer(Some(&style), None));
    }

    #[test]
    fn the_tail_keeps_the_newest_bytes_and_starts_on_a_char_boundary() {
        let short = "log\n".to_string();
        assert_eq!(truncate_tail(short.clone()), short);
        let ascii = format!("{}{}", "x".repeat(10), "y".repeat(LOG_TAIL_MAX));
        assert_eq!(truncate_tail(ascii), "y".repeat(LOG_TAIL_MAX));
        // 6,001 bytes: the cut at byte 1,905 falls inside an "é"; the tail
        // starts at the next character, one byte shorter than the limit.
        let wide = format!("{}a", "é".repeat(3000));
        let t = truncate_tail(wide);
        assert_eq!(t, format!("{}a", "é".repeat(2047)));
        assert_eq!(t.len(), LOG_TAIL_MAX - 1);
    }
}
