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
