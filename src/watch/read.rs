//! What a reading of a deployment says, as every kind of line needs it:
//! names, and the times it reports.

use crate::model::time::{duration_words, Millis};
use crate::model::*;
use crate::source::{Detail, TargetView};

/// The deployment's ID as the lines name it (`-` if the reading had none).
pub fn deployment_id(d: &Detail) -> String {
    d.info.deployment_id.clone().unwrap_or_else(|| "-".into())
}

/// An event's name as the lines name it (`-` if the reading had none).
pub fn event_name(e: &LifecycleEvent) -> String {
    e.lifecycle_event_name.clone().unwrap_or_else(|| "-".into())
}

/// The first start and the last end of a target's events.
pub fn target_times(t: &TargetView) -> (Option<Millis>, Option<Millis>) {
    let first = t.events.iter().filter_map(|e| e.start_time).min();
    let last = t.events.iter().filter_map(|e| e.end_time).max();
    (first.map(|t| t.0), last.map(|t| t.0))
}

/// The latest time a reading reports: what a line with no time of its own
/// (an event skipped without starting) is stamped with.
pub fn latest_time(d: &Detail) -> Millis {
    let i = &d.info;
    let events = d
        .targets
        .iter()
        .flat_map(|t| t.events.iter())
        .flat_map(|e| [e.start_time, e.end_time]);
    let steps = d
        .traffic
        .iter()
        .flat_map(|t| t.steps.iter().take(t.applied))
        .map(|(at, _)| Timestamp(*at));
    [i.create_time, i.start_time, i.complete_time]
        .into_iter()
        .chain(events)
        .flatten()
        .chain(steps)
        .map(|t| t.0)
        .max()
        .unwrap_or(0)
}

/// `4m10s` of a span, for heartbeats and results.
pub fn span(ms: Millis) -> String {
    duration_words(ms)
}
