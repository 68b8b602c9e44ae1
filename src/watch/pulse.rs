//! Lines for the silences: a heartbeat when nothing has changed for a while
//! (what still runs, and for how long), and the one hint CodeDeploy users
//! need most — an event that never starts on a host usually means its agent
//! is not running.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::lines::{deployment_id, event_name, span, Kind, Line};
use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::time::{Millis, MINUTE};
use crate::model::*;
use crate::source::Detail;

/// How long an event may wait to start on a host before the hint: well
/// before CodeDeploy gives up on it (5 minutes, reference "Timeouts"), so
/// the hint comes while something can still be done.
pub const AGENT_HINT_AFTER: Millis = 2 * MINUTE;

/// Running events a heartbeat names before it counts the rest.
const NAMED: usize = 3;

pub struct Pulse {
    /// `None`: no heartbeat (`--quiet`).
    every: Option<Duration>,
    /// When the last line was printed.
    last_line: Instant,
    /// Per (target, event) waiting to start: since when (server time).
    waiting: HashMap<(String, String), Millis>,
    hinted: HashSet<(String, String)>,
}

impl Pulse {
    pub fn new(every: Option<Duration>, now: Instant) -> Pulse {
        Pulse {
            every,
            last_line: now,
            waiting: HashMap::new(),
            hinted: HashSet::new(),
        }
    }

    /// A line was printed at `now`: the silence starts again.
    pub fn heard(&mut self, now: Instant) {
        self.last_line = now;
    }

    /// The heartbeat and hint lines due for `d` at `local` (the watcher's
    /// clock) when the server's clock reads `server_now`.
    pub fn lines(&mut self, d: &Detail, server_now: Millis, local: Instant) -> Vec<Line> {
        let mut out = self.hints(d, server_now);
        let silent = self
            .every
            .is_some_and(|every| local.duration_since(self.last_line) >= every);
        let running = d.info.status.as_ref().is_some_and(|s| !s.is_final());
        if silent && running && out.is_empty() {
            out.push(heartbeat(d, server_now));
        }
        if !out.is_empty() {
            self.last_line = local;
        }
        out
    }

    fn hints(&mut self, d: &Detail, server_now: Millis) -> Vec<Line> {
        let id = deployment_id(d);
        let in_place = crate::model::rules::compute_platform(d.info.compute_platform.as_ref())
            == ComputePlatform::Server;
        if !in_place || d.info.status != Some(DeploymentStatus::InProgress) {
            return Vec::new();
        }
        let nothing_started = d
            .targets
            .iter()
            .all(|t| t.events.iter().all(|e| e.start_time.is_none()));
        let started = d.info.start_time.map(|t| t.0);
        let mut out = Vec::new();
        for t in d
            .targets
            .iter()
            .filter(|t| t.status == TargetStatus::InProgress)
        {
            let Some((event, since)) = next_unstarted(t) else {
                continue;
            };
            let key = (t.id.clone(), event.clone());
            // Since the event before it ended; for a first event, since the
            // deployment started if no host has begun (else since first seen:
            // a later batch's host may have just been given its turn).
            let since = since
                .or(started.filter(|_| nothing_started))
                .unwrap_or_else(|| *self.waiting.entry(key.clone()).or_insert(server_now));
            if server_now - since >= AGENT_HINT_AFTER && self.hinted.insert(key) {
                let mut l = Line::new(
                    server_now,
                    &id,
                    Kind::Hint,
                    format!(
                        "{} has not started {event} after {}: on AWS this usually means the \
                         CodeDeploy agent is not running or cannot reach CodeDeploy (CodeDeploy \
                         fails the event after 5 minutes)",
                        t.id,
                        span(server_now - since)
                    ),
                );
                l.target = Some(t.id.clone());
                l.event = Some(event);
                out.push(l);
            }
        }
        out
    }
}

/// A host's next event when none of its events runs and it is one the
/// agent runs, with the end of the event before it.
fn next_unstarted(t: &crate::source::TargetView) -> Option<(String, Option<Millis>)> {
    use LifecycleEventStatus as S;
    if t.events.iter().any(|e| e.status == Some(S::InProgress)) {
        return None;
    }
    let i = t
        .events
        .iter()
        .position(|e| matches!(e.status, None | Some(S::Pending)))?;
    let e = &t.events[i];
    let name = event_name(e);
    if !name.parse().map_or(true, LifecycleEventName::agent_runs) {
        return None;
    }
    let before = i
        .checked_sub(1)
        .and_then(|j| t.events[j].end_time)
        .map(|t| t.0);
    Some((name, before))
}

/// `still InProgress: i-0abc ApplicationStart running 4m10s`.
fn heartbeat(d: &Detail, now: Millis) -> Line {
    let status = d.info.status.clone().unwrap_or(DeploymentStatus::Created);
    let mut running: Vec<(String, Millis)> = d
        .targets
        .iter()
        .flat_map(|t| t.events.iter().map(move |e| (t, e)))
        .filter(|(_, e)| e.status == Some(LifecycleEventStatus::InProgress))
        .map(|(t, e)| {
            let since = e.start_time.map_or(now, |s| s.0);
            (format!("{} {}", t.id, event_name(e)), since)
        })
        .collect();
    running.sort_by_key(|(_, since)| *since);
    let mut what: Vec<String> = running
        .iter()
        .take(NAMED)
        .map(|(name, since)| format!("{name} running {}", span(now - since)))
        .collect();
    if running.len() > NAMED {
        what.push(format!("{} more running", running.len() - NAMED));
    }
    if running.is_empty() {
        let unstarted = d
            .targets
            .iter()
            .filter(|t| t.status == TargetStatus::InProgress)
            .filter_map(|t| {
                next_unstarted(t).map(|(event, _)| format!("{} {event} not started", t.id))
            });
        what.extend(unstarted.take(NAMED));
    }
    if let Some(w) = waiting(d, now) {
        what.push(w);
    }
    if what.is_empty() {
        let idle = if status.has_started() {
            "no event running"
        } else {
            "not started yet"
        };
        what.push(idle.into());
    }
    let mut l = Line::new(
        now,
        &deployment_id(d),
        Kind::Heartbeat,
        format!("still {status}: {}", what.join(", ")),
    );
    l.status = Some(status.to_string());
    l
}

/// The wait a deployment is in, or its next traffic shift.
fn waiting(d: &Detail, now: Millis) -> Option<String> {
    let wait = d
        .traffic
        .as_ref()
        .and_then(|t| t.wait.as_ref())
        .or_else(|| d.blue_green.as_ref().and_then(|b| b.wait.as_ref()));
    if let Some(w) = wait {
        let what = match w.kind {
            DeploymentWaitType::ReadyWait => "waiting for ContinueDeployment",
            _ => "termination wait",
        };
        return Some(match w.until {
            Some(until) if until > now => format!("{what}, ends in {}", span(until - now)),
            _ => what.to_string(),
        });
    }
    let t = d.traffic.as_ref()?;
    let (at, w) = t.steps.get(t.applied)?;
    Some(format!(
        "next traffic shift to {w}% in {}",
        span((at - now).max(0))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::TargetView;

    fn detail(events: Vec<LifecycleEvent>, start: Millis) -> Detail {
        let mut d = crate::watch::fixtures::detail(DeploymentStatus::InProgress, events);
        d.info.start_time = Some(Timestamp(start));
        d
    }

    fn ev(name: &str, status: LifecycleEventStatus, start: Option<Millis>) -> LifecycleEvent {
        LifecycleEvent {
            lifecycle_event_name: Some(name.into()),
            status: Some(status),
            start_time: start.map(Timestamp),
            ..Default::default()
        }
    }

    #[test]
    fn a_first_event_that_never_starts_gets_one_hint_after_two_minutes() {
        use LifecycleEventStatus::*;
        let t0 = 1_000_000;
        let d = detail(vec![ev("ApplicationStop", Pending, None)], t0);
        let now = Instant::now();
        let mut p = Pulse::new(None, now);
        assert!(p.lines(&d, t0 + MINUTE, now).is_empty());
        let hint = p.lines(&d, t0 + 2 * MINUTE, now);
        assert_eq!(hint.len(), 1, "{hint:?}");
        assert_eq!(hint[0].kind, Kind::Hint);
        assert!(
            hint[0]
                .message
                .starts_with("i-1 has not started ApplicationStop after 2m00s"),
            "{}",
            hint[0].message
        );
        assert!(p.lines(&d, t0 + 9 * MINUTE, now).is_empty(), "once");
    }

    #[test]
    fn a_later_batch_host_is_timed_from_when_it_was_first_seen_waiting() {
        use LifecycleEventStatus::*;
        let t0 = 1_000_000;
        let mut d = detail(vec![ev("ApplicationStop", Pending, None)], t0);
        // Another host has begun: this one's turn may have just come.
        d.targets.push(TargetView {
            id: "i-2".into(),
            host: "i-2".into(),
            status: TargetStatus::Succeeded,
            events: vec![ev("ApplicationStop", Succeeded, Some(t0))],
            label: None,
            zone: None,
            scripts_log: None,
            terminated: None,
        });
        let now = Instant::now();
        let mut p = Pulse::new(None, now);
        assert!(p.lines(&d, t0 + 10 * MINUTE, now).is_empty());
        assert!(p.lines(&d, t0 + 11 * MINUTE, now).is_empty());
        assert_eq!(p.lines(&d, t0 + 12 * MINUTE, now).len(), 1);
    }

    #[test]
    fn a_heartbeat_names_what_runs_after_a_silence() {
        use LifecycleEventStatus::*;
        let t0 = 1_000_000;
        let d = detail(vec![ev("ApplicationStart", InProgress, Some(t0))], t0);
        let start = Instant::now();
        let mut p = Pulse::new(Some(Duration::from_secs(60)), start);
        assert!(p
            .lines(&d, t0 + 30_000, start + Duration::from_secs(30))
            .is_empty());
        let beat = p.lines(&d, t0 + 250_000, start + Duration::from_secs(60));
        assert_eq!(beat.len(), 1);
        assert_eq!(
            beat[0].message,
            "still InProgress: i-1 ApplicationStart running 4m10s"
        );
        assert!(
            p.lines(&d, t0 + 260_000, start + Duration::from_secs(70))
                .is_empty(),
            "the silence starts again"
        );
        let mut quiet = Pulse::new(None, start);
        assert!(quiet
            .lines(&d, t0 + 250_000, start + Duration::from_secs(600))
            .is_empty());
    }
}
