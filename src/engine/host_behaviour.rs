//! How the simulated world behaves during a deployment: event durations drawn
//! from the seed, the faults a host's settings and `codedeck:` tags declare.
//! The fleet's data lives in `state::fleet`.

use std::collections::BTreeMap;

use crate::model::rules::{fault_refusal, FAULT_TAGS};
use crate::state::fleet::{default_secs, Behaviour};
use crate::state::rng;
use crate::state::FaultKind;

impl Behaviour {
    /// Nominal virtual milliseconds for `event`, before jitter.
    pub fn nominal_millis(&self, event: &str) -> i64 {
        let secs = self.durations.get(event).copied().unwrap_or_else(|| {
            // An event without a default (none the engine times) takes a second.
            event
                .parse()
                .ok()
                .and_then(default_secs)
                .map_or(1.0, |s| s as f64)
        });
        (secs * 1000.0).round() as i64
    }

    /// The duration of one run of `event`, jittered deterministically by `bits`.
    pub fn duration_millis(&self, event: &str, bits: u64) -> i64 {
        let nominal = self.nominal_millis(event);
        let spread = (nominal as f64 * self.jitter.unwrap_or(0.2)) as i64;
        rng::in_range(bits, nominal - spread, nominal + spread).max(0)
    }

    /// The fault this behaviour declares, if any (first of fail, timeout,
    /// missing, disk_full).
    pub fn fault(&self) -> Option<(String, FaultKind)> {
        if self.state.as_deref() == Some("stopped") {
            return Some((String::new(), FaultKind::Unresponsive));
        }
        self.fail
            .clone()
            .map(|e| (e, FaultKind::Fail))
            .or_else(|| self.timeout.clone().map(|e| (e, FaultKind::Timeout)))
            .or_else(|| self.missing.clone().map(|e| (e, FaultKind::Missing)))
            .or_else(|| self.disk_full.clone().map(|e| (e, FaultKind::DiskFull)))
    }
}

/// Applies the fault tags (`codedeck:fail`, `codedeck:timeout`,
/// `codedeck:missing`, `codedeck:disk-full`, `model::rules::FAULT_TAGS`) and
/// `codedeck:state` over a behaviour, for scripts that only speak the API.
/// The tags were checked where they were set (fleet file, AddTags...).
pub fn tag_faults(tags: &BTreeMap<String, String>, mut b: Behaviour) -> Behaviour {
    for (tag, fault) in FAULT_TAGS {
        let Some(v) = tags.get(tag) else { continue };
        let slot = match fault {
            "fail" => &mut b.fail,
            "timeout" => &mut b.timeout,
            "missing" => &mut b.missing,
            _ => &mut b.disk_full,
        };
        *slot = Some(v.clone());
    }
    if let Some(v) = tags.get("codedeck:state") {
        b.state = Some(v.clone());
    }
    if let Some(v) = tags.get(crate::model::rules::LOCAL_TAG) {
        b.local = Some(v.eq_ignore_ascii_case("true"));
    }
    b
}

/// Why a `codedeck:` fault tag on an on-premises instance cannot be set, if
/// it cannot: an unknown event, or a fault that event cannot have.
pub fn fault_tag_refusal(key: &str, value: &str) -> Option<String> {
    let (_, fault) = FAULT_TAGS.iter().find(|(tag, _)| *tag == key)?;
    if crate::model::lifecycle_event::LifecycleEventName::parse_among(
        value,
        &super::lifecycle::SERVER_IN_PLACE_LB,
    )
    .is_err()
    {
        return Some(format!(
            "{key}={value}: {value} is not a lifecycle event of EC2/on-premises deployments"
        ));
    }
    fault_refusal(fault, value).map(|why| format!("{key}={value}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_deterministic_and_bounded() {
        let b = Behaviour::default();
        let d1 = b.duration_millis("Install", 7);
        assert_eq!(d1, b.duration_millis("Install", 7));
        assert!((4000..=6000).contains(&d1));
    }
}
