//! How the simulated world behaves during a deployment: event durations drawn
//! from the seed, the faults a host's settings and `codedeck:` tags declare.
//! The fleet's data lives in `state::fleet`.

use std::collections::BTreeMap;

use crate::model::lifecycle_event::{LifecycleEventName, SERVER_IN_PLACE_LB};
use crate::model::rules::{fault_refusal, FAULT_TAGS};
use crate::state::fleet::{default_secs, Behaviour};
use crate::state::rng;
use crate::state::FaultKind;

impl Behaviour {
    /// Nominal virtual milliseconds for `event`, before jitter.
    pub fn nominal_millis(&self, event: LifecycleEventName) -> i64 {
        let secs = self
            .durations
            .get(event.as_str())
            .copied()
            .unwrap_or_else(|| {
                // An event without a default (none the engine times) takes a second.
                default_secs(event).map_or(1.0, |s| s as f64)
            });
        (secs * 1000.0).round() as i64
    }

    /// The duration of one run of `event`, jittered deterministically by `bits`.
    pub fn duration_millis(&self, event: LifecycleEventName, bits: u64) -> i64 {
        let nominal = self.nominal_millis(event);
        let spread = (nominal as f64 * self.jitter.unwrap_or(0.2)) as i64;
        rng::in_range(bits, nominal - spread, nominal + spread).max(0)
    }

    /// The fault this behaviour declares, if any (first of fail, timeout,
    /// missing, disk_full), with its event; a stopped host's has none (it
    /// fails whatever runs first). The names come from the fleet file and
    /// `codedeck:` tags, checked where they were set; one that is not a
    /// host's event declares nothing.
    pub fn fault(&self) -> Option<(Option<LifecycleEventName>, FaultKind)> {
        if self.state.as_deref() == Some("stopped") {
            return Some((None, FaultKind::Unresponsive));
        }
        let (event, kind) = [
            (&self.fail, FaultKind::Fail),
            (&self.timeout, FaultKind::Timeout),
            (&self.missing, FaultKind::Missing),
            (&self.disk_full, FaultKind::DiskFull),
        ]
        .into_iter()
        .find_map(|(event, kind)| Some((event.as_deref()?, kind)))?;
        let event = LifecycleEventName::parse_among(event, &SERVER_IN_PLACE_LB).ok()?;
        Some((Some(event), kind))
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
    let Ok(event) = LifecycleEventName::parse_among(value, &SERVER_IN_PLACE_LB) else {
        return Some(format!(
            "{key}={value}: {value} is not a lifecycle event of EC2/on-premises deployments"
        ));
    };
    fault_refusal(fault, event).map(|why| format!("{key}={value}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_deterministic_and_bounded() {
        let b = Behaviour::default();
        let d1 = b.duration_millis(LifecycleEventName::Install, 7);
        assert_eq!(d1, b.duration_millis(LifecycleEventName::Install, 7));
        assert!((4000..=6000).contains(&d1));
    }
}
