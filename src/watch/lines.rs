//! Change lines: what a deployment's readings reveal, one line per
//! transition (deployment status, every target and lifecycle event, traffic
//! steps, waits, rollback), each stamped with the time CodeDeploy reports for
//! it, printed plainly, in colour, or as JSON with stable field names.
//! `codedeck watch`, the dashboard without a terminal and `serve
//! --print-changes` all print these.
//!
//! A [`Transcript`] turns successive readings into lines: each transition is
//! printed once, whichever reading first shows it, so the lines are the
//! deployment's history in time order however often (or late) it was read.

use std::collections::HashSet;

use serde::Serialize;

pub use super::read::{deployment_id, event_name, latest_time, span, target_times};
use super::result::{Outcome, Summary};
use crate::model::time::{iso, iso_millis, Millis};
use crate::model::*;
use crate::source::{Detail, TargetView};

/// One change. Field names are stable: scripts parse `--output json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// When it happened, as the deployment reports it (epoch milliseconds).
    #[serde(rename = "time", serialize_with = "as_iso")]
    pub at: Millis,
    pub deployment: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub message: String,
    /// A failed event's diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    /// The result's figures (`kind: "result"` only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub result: Option<Summary>,
    /// A failed event's whole script output, from CloudWatch Logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<ScriptOutput>,
}

/// A failed hook's output as CloudWatch Logs holds it (`--logs-group`), or
/// why it could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptOutput {
    /// `group/stream`.
    pub source: String,
    pub lines: Vec<String>,
    /// Lines past the limit, left in the log.
    pub more: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn as_iso<S: serde::Serializer>(at: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso_millis(*at))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deployment,
    Wait,
    Traffic,
    Event,
    Target,
    Rollback,
    Heartbeat,
    Hint,
    Result,
    /// Several deployments watched: the worst of their results.
    Overall,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Deployment => "deployment",
            Kind::Target => "target",
            Kind::Event => "event",
            Kind::Traffic => "traffic",
            Kind::Wait => "wait",
            Kind::Rollback => "rollback",
            Kind::Heartbeat => "heartbeat",
            Kind::Hint => "hint",
            Kind::Result => "result",
            Kind::Overall => "overall",
        }
    }
}

impl Line {
    pub fn new(at: Millis, deployment: &str, kind: Kind, message: String) -> Line {
        Line {
            at,
            deployment: deployment.to_string(),
            kind,
            target: None,
            event: None,
            status: None,
            message,
            diagnostics: None,
            result: None,
            output: None,
        }
    }

    /// Among lines of the same time: a deployment's start first, then what
    /// ended (an event before its target's verdict), waits and traffic, what
    /// started (a target before its first event), the deployment's end and
    /// the result last.
    fn rank(&self) -> u8 {
        let status = self.status.as_deref();
        let ends = status
            .is_some_and(|s| matches!(s, "Succeeded" | "Failed" | "Stopped" | "Skipped" | "Ready"));
        match self.kind {
            Kind::Deployment if ends => 6,
            Kind::Deployment => 0,
            Kind::Event | Kind::Target if ends => 1,
            Kind::Wait | Kind::Traffic => 2,
            Kind::Event | Kind::Target => 3,
            Kind::Heartbeat | Kind::Hint => 4,
            Kind::Rollback => 7,
            Kind::Result => 8,
            Kind::Overall => 9,
        }
    }
}

/// Puts lines in the order things happened (stable: lines of one time keep
/// the order of [`Line::rank`], then the order they were made in).
pub fn in_time_order(lines: &mut [Line]) {
    lines.sort_by_key(|l| (l.at, l.rank()));
}

/// What has been printed of one deployment.
#[derive(Debug, Default)]
pub struct Transcript {
    printed: HashSet<Key>,
    /// The deployment status printed last.
    status: Option<DeploymentStatus>,
    /// The latest time printed.
    horizon: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Target(String, String),
    Event(String, String, String),
    Traffic(String),
    TrafficBack,
    Wait(String),
    Started,
    Ended,
}

impl Transcript {
    /// True before the first reading.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
    }

    /// The lines reading `d` reveals that earlier readings did not, in time
    /// order; when `d` has finished, its rollback and result lines end them.
    pub fn lines(&mut self, d: &Detail) -> Vec<Line> {
        let id = deployment_id(d);
        let latest = latest_time(d);
        let mut out = self.deployment_lines(d, &id, latest);
        for t in &d.targets {
            out.extend(self.target_lines(t, &id, latest));
        }
        out.extend(self.traffic_lines(d, &id, latest));
        out.extend(self.wait_lines(d, &id));
        if d.info.status.as_ref().is_some_and(|s| s.is_final()) && self.fresh(Key::Ended) {
            out.extend(rollback_line(d, &id));
            out.push(result_line(d, &id, None, latest));
        }
        in_time_order(&mut out);
        if let Some(l) = out.last() {
            self.horizon = self.horizon.max(l.at);
        }
        out
    }

    /// True (and remembered) the first time `key` is asked about.
    fn fresh(&mut self, key: Key) -> bool {
        self.printed.insert(key)
    }

    fn deployment_lines(&mut self, d: &Detail, id: &str, latest: Millis) -> Vec<Line> {
        use DeploymentStatus as D;
        let i = &d.info;
        let status = i.status.clone().unwrap_or(D::Created);
        if self.status.as_ref() == Some(&status) {
            return Vec::new();
        }
        let first = self.status.is_none();
        let mut out = Vec::new();
        let push = |s: D, at: Millis, out: &mut Vec<Line>| {
            let details = first && out.is_empty();
            let mut l = Line::new(at, id, Kind::Deployment, deployment_message(d, &s, details));
            l.status = Some(s.to_string());
            out.push(l);
        };
        let created = i.create_time.map_or(latest, |t| t.0);
        if first && status != D::Created {
            push(D::Created, created, &mut out);
        }
        let started = i.start_time.map(|t| t.0);
        // The first InProgress is the deployment's start; a later one (after
        // Ready) happened when it was seen.
        let start_unprinted = !self.printed.contains(&Key::Started);
        if !matches!(status, D::Created | D::Queued | D::InProgress) && start_unprinted {
            if let Some(at) = started {
                self.printed.insert(Key::Started);
                push(D::InProgress, at, &mut out);
            }
        }
        let at = match status {
            D::Created | D::Queued => created,
            D::InProgress if self.fresh(Key::Started) => started.unwrap_or(latest),
            // Going on after Ready: when the first event after the wait began.
            D::InProgress => resumed(d, self.horizon).unwrap_or(latest),
            ref s if s.is_final() => i.complete_time.map_or(latest, |t| t.0),
            _ => latest,
        };
        push(status.clone(), at, &mut out);
        self.status = Some(status);
        out
    }

    fn target_lines(&mut self, t: &TargetView, id: &str, latest: Millis) -> Vec<Line> {
        let (first_start, last_end) = target_times(t);
        let fallback = last_end.or(first_start).unwrap_or(latest);
        let mut out = Vec::new();
        let began = match t.status {
            TargetStatus::Pending => None,
            TargetStatus::InProgress => Some(first_start.unwrap_or(latest)),
            _ => first_start,
        };
        if let Some(at) = began {
            out.extend(self.verdict(t, &TargetStatus::InProgress, at, id));
        }
        for e in &t.events {
            out.extend(self.event_lines(t, e, id, fallback));
        }
        if !matches!(t.status, TargetStatus::Pending | TargetStatus::InProgress) {
            out.extend(self.verdict(t, &t.status, fallback, id));
        }
        out
    }

    /// `i-1 (Green) Succeeded`, once per target and status.
    fn verdict(
        &mut self,
        t: &TargetView,
        status: &TargetStatus,
        at: Millis,
        id: &str,
    ) -> Option<Line> {
        if !self.fresh(Key::Target(t.id.clone(), status.to_string())) {
            return None;
        }
        let label = t
            .label
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        let mut l = Line::new(at, id, Kind::Target, format!("{}{label} {status}", t.id));
        l.target = Some(t.id.clone());
        l.status = Some(status.to_string());
        Some(l)
    }

    fn event_lines(
        &mut self,
        t: &TargetView,
        e: &LifecycleEvent,
        id: &str,
        fallback: Millis,
    ) -> Vec<Line> {
        use LifecycleEventStatus as S;
        let name = event_name(e);
        let status = e.status.clone().unwrap_or(S::Pending);
        let start = e.start_time.map(|t| t.0);
        let mut steps: Vec<(S, Millis)> = Vec::new();
        if matches!(status, S::InProgress | S::Succeeded | S::Failed) {
            if let Some(at) = start {
                steps.push((S::InProgress, at));
            }
        }
        if !matches!(status, S::Pending | S::InProgress) {
            steps.push((
                status.clone(),
                e.end_time.map(|t| t.0).or(start).unwrap_or(fallback),
            ));
        }
        let mut out = Vec::new();
        for (s, at) in steps {
            if !self.fresh(Key::Event(t.id.clone(), name.clone(), s.to_string())) {
                continue;
            }
            let took = match (s == S::InProgress, e.start_time, e.end_time) {
                (false, Some(a), Some(b)) => format!(" ({})", secs(b.0 - a.0)),
                _ => String::new(),
            };
            let mut l = Line::new(at, id, Kind::Event, format!("{} {name} {s}{took}", t.id));
            l.target = Some(t.id.clone());
            l.event = Some(name.clone());
            l.status = Some(s.to_string());
            if s == S::Failed {
                l.diagnostics = e.diagnostics.clone();
            }
            out.push(l);
        }
        out
    }

    fn traffic_lines(&mut self, d: &Detail, id: &str, latest: Millis) -> Vec<Line> {
        let Some(t) = d.traffic.as_ref() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let message = |w: f64| {
            format!(
                "{w}% on {}, {}% on {}",
                t.replacement,
                100.0 - w,
                t.original
            )
        };
        for &(at, w) in t.steps.iter().take(t.applied) {
            if self.fresh(Key::Traffic(w.to_string())) {
                out.push(Line::new(at, id, Kind::Traffic, message(w)));
            }
        }
        if t.restored && self.fresh(Key::TrafficBack) {
            out.push(Line::new(latest, id, Kind::Traffic, message(t.weight)));
        }
        out
    }

    fn wait_lines(&mut self, d: &Detail, id: &str) -> Option<Line> {
        let w = wait_of(d)?;
        if !self.fresh(Key::Wait(w.kind.to_string())) {
            return None;
        }
        let what = match w.kind {
            DeploymentWaitType::ReadyWait => {
                "ready: replacement installed, waiting for ContinueDeployment (READY_WAIT)"
            }
            _ => "termination wait: originals are removed when it ends (TERMINATION_WAIT)",
        };
        // A wait starts when the events before it end.
        let at = d
            .targets
            .iter()
            .filter_map(|t| target_times(t).1)
            .max()
            .unwrap_or_else(|| latest_time(d));
        Some(Line::new(at, id, Kind::Wait, what.into()))
    }
}

/// The result line of `d` at `at`; `outcome` as in [`Summary::of`].
pub fn result_line(d: &Detail, id: &str, outcome: Option<Outcome>, at: Millis) -> Line {
    let status = d.info.status.clone().unwrap_or(DeploymentStatus::Created);
    let s = Summary::of(d, outcome, at);
    let mut l = Line::new(at, id, Kind::Result, s.sentence(status.as_str()));
    l.status = Some(status.to_string());
    l.result = Some(s);
    l
}

/// The first event start after `after`: when a deployment went on.
fn resumed(d: &Detail, after: Millis) -> Option<Millis> {
    d.targets
        .iter()
        .flat_map(|t| t.events.iter())
        .filter_map(|e| e.start_time.map(|t| t.0))
        .filter(|&t| t > after)
        .min()
}

/// `Created (app/group, config, N target(s))` with `details`, and a final
/// status's error.
fn deployment_message(d: &Detail, status: &DeploymentStatus, details: bool) -> String {
    let i = &d.info;
    let mut m = status.to_string();
    if details {
        let config = i.deployment_config_name.as_deref().unwrap_or("-");
        // Targets are known once the deployment has chosen them.
        let targets = match d.targets.len() {
            0 => String::new(),
            1 => ", 1 target".into(),
            n => format!(", {n} targets"),
        };
        m.push_str(&format!(
            " ({}/{}, {config}{targets})",
            i.application_name.as_deref().unwrap_or("-"),
            i.deployment_group_name.as_deref().unwrap_or("-"),
        ));
    }
    if let Some(e) = i.error_information.as_ref().filter(|_| status.is_final()) {
        m.push_str(&format!(
            ": {} {}",
            e.code.as_ref().map_or("", |c| c.as_str()),
            e.message.as_deref().unwrap_or("")
        ));
    }
    m.trim_end().to_string()
}

fn secs(ms: Millis) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn wait_of(d: &Detail) -> Option<&crate::source::WaitView> {
    d.traffic
        .as_ref()
        .and_then(|t| t.wait.as_ref())
        .or_else(|| d.blue_green.as_ref().and_then(|b| b.wait.as_ref()))
}

/// What became of automatic rollback when a deployment finished.
fn rollback_line(d: &Detail, id: &str) -> Option<Line> {
    let r = d.info.rollback_info.as_ref()?;
    let message = match (
        &r.rollback_deployment_id,
        &r.rollback_triggering_deployment_id,
    ) {
        (Some(rb), _) => format!(
            "rolled back by {rb}: {}",
            r.rollback_message.as_deref().unwrap_or("")
        ),
        (None, Some(of)) => format!("rolls back {of}"),
        (None, None) => format!(
            "no rollback: {}",
            r.rollback_message.as_deref().unwrap_or("no reason given")
        ),
    };
    let at = latest_time(d);
    Some(Line::new(
        at,
        id,
        Kind::Rollback,
        message.trim_end_matches([' ', ':']).to_string(),
    ))
}

/// How lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub json: bool,
    pub color: bool,
}

/// The line as printed: `2026-12-03T10:00:00Z d-ABC event      i-1 Install Succeeded (5.0 s)`,
/// a failed event's diagnostics and log tail indented below it; the result
/// reads `2026-12-03T10:03:12Z d-ABC Failed in 3m12s (HEALTH_CONSTRAINTS): …`.
pub fn render(l: &Line, style: Style) -> String {
    if style.json {
        return serde_json::to_string(l).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    }
    let paint = |s: &str| -> String {
        if !style.color {
            return s.to_string();
        }
        let code = match l.status.as_deref() {
            Some("Succeeded") => "32",
            Some("Failed") => "31",
            Some("Stopped") | Some("Skipped") => "33",
            _ if l.kind == Kind::Hint => "33",
            _ => "0",
        };
        let bold = if matches!(l.kind, Kind::Result | Kind::Overall) {
            "1;"
        } else {
            ""
        };
        format!("\x1b[{bold}{code}m{s}\x1b[0m")
    };
    if matches!(l.kind, Kind::Result | Kind::Overall) {
        return format!("{} {} {}", iso(l.at), l.deployment, paint(&l.message));
    }
    let mut s = format!(
        "{} {} {:<10} {}",
        iso(l.at),
        l.deployment,
        l.kind.word(),
        paint(&l.message)
    );
    if let Some(d) = &l.diagnostics {
        s.push_str(&format!(
            "\n    {} {}: {}",
            d.error_code.as_ref().map_or("", |c| c.as_str()),
            d.script_name.as_deref().unwrap_or("-"),
            d.message.as_deref().unwrap_or("")
        ));
        if l.output.as_ref().is_none_or(|o| o.error.is_some()) {
            for tail in d.log_tail.as_deref().unwrap_or("").lines() {
                s.push_str(&format!("\n    | {tail}"));
            }
        }
    }
    if let Some(o) = &l.output {
        s.push_str(&render_output(o));
    }
    s
}

/// The whole output under its failure line, or the one line saying why not.
fn render_output(o: &ScriptOutput) -> String {
    if let Some(e) = &o.error {
        return format!("\n    CloudWatch Logs: {e}");
    }
    let mut s = format!(
        "\n    output from CloudWatch Logs {} ({} lines):",
        o.source,
        o.lines.len() + o.more
    );
    for line in &o.lines {
        s.push_str(&format!("\n    | {line}"));
    }
    if o.more > 0 {
        s.push_str(&format!(
            "\n    | … {} more lines: see {}",
            o.more, o.source
        ));
    }
    s
}

/// A GitHub Actions annotation for a failure line (`::error::`).
pub fn annotation(l: &Line) -> Option<String> {
    let failed = l.status.as_deref() == Some("Failed") || l.status.as_deref() == Some("Stopped");
    if !failed || !matches!(l.kind, Kind::Result | Kind::Event) {
        return None;
    }
    let mut text = format!("{} {}", l.deployment, l.message);
    if let Some(d) = &l.diagnostics {
        text.push_str(&format!(
            " — {} {}: {}",
            d.error_code.as_ref().map_or("", |c| c.as_str()),
            d.script_name.as_deref().unwrap_or("-"),
            d.message.as_deref().unwrap_or("")
        ));
    }
    // Annotations are one line; GitHub decodes %0A as a newline.
    Some(format!(
        "::error title=CodeDeploy::{}",
        text.replace('%', "%25").replace('\n', "%0A")
    ))
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
