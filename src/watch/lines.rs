//! Change lines: what changed between two reads of a deployment, as one line
//! each (deployment status, every target and lifecycle event transition,
//! traffic steps, waits, failures with their diagnostics), printed plainly,
//! in colour, or as JSON with stable field names. `codedeck watch`, the
//! dashboard without a terminal and `serve --print-changes` all print these.

use serde::Serialize;

use crate::model::time::{iso, Millis};
use crate::model::*;
use crate::source::{Detail, TargetView};

/// One change. Field names are stable: scripts parse `--output json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Wall-clock epoch milliseconds when the change was seen.
    #[serde(skip)]
    pub wall: Millis,
    /// The deployment's own (virtual) time of the change, when it differs.
    #[serde(skip)]
    pub at: Option<Millis>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deployment,
    Target,
    Event,
    Traffic,
    Wait,
    Rollback,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Deployment => "deployment",
            Kind::Target => "target",
            Kind::Event => "event",
            Kind::Traffic => "traffic",
            Kind::Wait => "wait",
            Kind::Rollback => "rollback",
        }
    }
}

/// What changed from `before` (`None`: first sight) to `after`, seen at `wall`.
pub fn diff(before: Option<&Detail>, after: &Detail, wall: Millis) -> Vec<Line> {
    let id = after.info.deployment_id.clone().unwrap_or_default();
    let line = |kind, message: String| Line {
        wall,
        at: None,
        deployment: id.clone(),
        kind,
        target: None,
        event: None,
        status: None,
        message,
        diagnostics: None,
    };
    let mut out = Vec::new();
    let status = after
        .info
        .status
        .clone()
        .unwrap_or(DeploymentStatus::Created);
    let old_status = before.and_then(|b| b.info.status.clone());
    if old_status.as_ref() != Some(&status) {
        let mut l = line(Kind::Deployment, deployment_message(after, &status));
        l.status = Some(status.to_string());
        l.at = after
            .info
            .complete_time
            .or(after.info.start_time)
            .map(|t| t.0);
        out.push(l);
    }
    for t in &after.targets {
        let old = before.and_then(|b| b.targets.iter().find(|o| o.id == t.id));
        out.extend(target_lines(old, t, &line));
    }
    out.extend(traffic_lines(before, after, &line));
    out.extend(wait_lines(before, after, &line));
    if status.is_final() && old_status.as_ref() != Some(&status) {
        out.extend(rollback_line(after, &line));
    }
    out
}

fn deployment_message(d: &Detail, status: &DeploymentStatus) -> String {
    let i = &d.info;
    let mut m = status.to_string();
    if *status == DeploymentStatus::Created || *status == DeploymentStatus::InProgress {
        let config = i.deployment_config_name.as_deref().unwrap_or("-");
        m.push_str(&format!(
            " ({}/{}, {config}, {} target(s))",
            i.application_name.as_deref().unwrap_or("-"),
            i.deployment_group_name.as_deref().unwrap_or("-"),
            d.targets.len()
        ));
    }
    if let Some(e) = &i.error_information {
        m.push_str(&format!(
            ": {} {}",
            e.code.as_ref().map_or("", |c| c.as_str()),
            e.message.as_deref().unwrap_or("")
        ));
    }
    m.trim_end().to_string()
}

fn target_lines(
    old: Option<&TargetView>,
    t: &TargetView,
    line: &dyn Fn(Kind, String) -> Line,
) -> Vec<Line> {
    let mut out = Vec::new();
    if old.map(|o| &o.status) != Some(&t.status) && t.status != TargetStatus::Pending {
        let label = t
            .label
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        let mut l = line(Kind::Target, format!("{}{label} {}", t.id, t.status));
        l.target = Some(t.id.clone());
        l.status = Some(t.status.to_string());
        out.push(l);
    }
    for e in &t.events {
        let name = e.lifecycle_event_name.clone().unwrap_or_default();
        let status = e.status.clone().unwrap_or(LifecycleEventStatus::Pending);
        let was = old
            .and_then(|o| {
                o.events
                    .iter()
                    .find(|x| x.lifecycle_event_name.as_deref() == Some(name.as_str()))
            })
            .and_then(|x| x.status.clone());
        if was.as_ref() == Some(&status) || status == LifecycleEventStatus::Pending {
            continue;
        }
        let took = match (e.start_time, e.end_time) {
            (Some(s), Some(end)) => format!(" ({})", secs(end.0 - s.0)),
            _ => String::new(),
        };
        let mut l = line(Kind::Event, format!("{} {name} {status}{took}", t.id));
        l.target = Some(t.id.clone());
        l.event = Some(name);
        l.status = Some(status.to_string());
        l.at = e.end_time.or(e.start_time).map(|t| t.0);
        if status == LifecycleEventStatus::Failed {
            l.diagnostics = e.diagnostics.clone();
        }
        out.push(l);
    }
    out
}

fn secs(ms: Millis) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn traffic_lines(
    before: Option<&Detail>,
    after: &Detail,
    line: &dyn Fn(Kind, String) -> Line,
) -> Option<Line> {
    let t = after.traffic.as_ref()?;
    let old = before.and_then(|b| b.traffic.as_ref()).map(|o| o.weight);
    if old == Some(t.weight) || (old.is_none() && t.weight == 0.0) {
        return None;
    }
    Some(line(
        Kind::Traffic,
        format!(
            "{}% on {}, {}% on {}",
            t.weight,
            t.replacement,
            100.0 - t.weight,
            t.original
        ),
    ))
}

fn wait_of(d: &Detail) -> Option<&crate::source::WaitView> {
    d.traffic
        .as_ref()
        .and_then(|t| t.wait.as_ref())
        .or_else(|| d.blue_green.as_ref().and_then(|b| b.wait.as_ref()))
}

fn wait_lines(
    before: Option<&Detail>,
    after: &Detail,
    line: &dyn Fn(Kind, String) -> Line,
) -> Option<Line> {
    let w = wait_of(after)?;
    if before.and_then(wait_of).map(|o| &o.kind) == Some(&w.kind) {
        return None;
    }
    let what = match w.kind {
        DeploymentWaitType::ReadyWait => {
            "ready: replacement installed, waiting for ContinueDeployment (READY_WAIT)"
        }
        _ => "termination wait: originals are removed when it ends (TERMINATION_WAIT)",
    };
    Some(line(Kind::Wait, what.into()))
}

/// What became of automatic rollback when a deployment finished.
fn rollback_line(d: &Detail, line: &dyn Fn(Kind, String) -> Line) -> Option<Line> {
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
    Some(line(
        Kind::Rollback,
        message.trim_end_matches([' ', ':']).to_string(),
    ))
}

/// How lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub json: bool,
    pub color: bool,
    /// Print the deployment's own time beside the wall clock (a fast clock).
    pub virtual_time: bool,
}

/// The line as printed: `2026-12-03T10:00:00Z d-ABC event i-1 Install Succeeded (5.0 s)`,
/// a failed event's diagnostics and log tail indented below it.
pub fn render(l: &Line, style: Style) -> String {
    if style.json {
        let mut v = serde_json::to_value(l).unwrap_or(serde_json::Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("time".into(), iso(l.wall).into());
            if let Some(at) = l.at.filter(|_| style.virtual_time) {
                o.insert("virtual_time".into(), iso(at).into());
            }
        }
        return v.to_string();
    }
    let time = match l.at.filter(|_| style.virtual_time) {
        Some(at) => format!("{} [{}]", iso(l.wall), iso(at)),
        None => iso(l.wall),
    };
    let paint = |s: &str| -> String {
        if !style.color {
            return s.to_string();
        }
        let code = match l.status.as_deref() {
            Some("Succeeded") => "32",
            Some("Failed") => "31",
            Some("Stopped") | Some("Skipped") => "33",
            _ => "0",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    };
    let mut s = format!(
        "{time} {} {:<10} {}",
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
        for tail in d.log_tail.as_deref().unwrap_or("").lines() {
            s.push_str(&format!("\n    | {tail}"));
        }
    }
    s
}

/// A GitHub Actions annotation for a failure line (`::error::`).
pub fn annotation(l: &Line) -> Option<String> {
    let failed = l.status.as_deref() == Some("Failed") || l.status.as_deref() == Some("Stopped");
    if !failed || !matches!(l.kind, Kind::Deployment | Kind::Event) {
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
mod tests {
    use super::*;

    fn detail(status: DeploymentStatus, events: &[(&str, LifecycleEventStatus)]) -> Detail {
        Detail {
            info: DeploymentInfo {
                deployment_id: Some("d-ABCDEFGHI".into()),
                status: Some(status),
                ..Default::default()
            },
            targets: vec![TargetView {
                id: "i-1".into(),
                host: "i-1".into(),
                status: TargetStatus::InProgress,
                events: events
                    .iter()
                    .map(|(n, s)| LifecycleEvent {
                        lifecycle_event_name: Some(n.to_string()),
                        status: Some(s.clone()),
                        ..Default::default()
                    })
                    .collect(),
                label: None,
                zone: None,
                scripts_log: None,
            }],
            min_healthy: None,
            max_down: None,
            pending: 0,
            stopping: false,
            traffic: None,
            blue_green: None,
            hooks: Vec::new(),
            config: None,
            zone: None,
        }
    }

    #[test]
    fn one_line_per_transition_and_none_without_change() {
        use LifecycleEventStatus::*;
        let a = detail(DeploymentStatus::InProgress, &[("Install", InProgress)]);
        let first = diff(None, &a, 0);
        assert_eq!(first.len(), 3, "{first:?}");
        assert!(diff(Some(&a), &a, 0).is_empty());
        let b = detail(DeploymentStatus::InProgress, &[("Install", Succeeded)]);
        let lines = diff(Some(&a), &b, 0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].event.as_deref(), Some("Install"));
        assert_eq!(lines[0].status.as_deref(), Some("Succeeded"));
    }

    #[test]
    fn text_and_json_forms() {
        let a = detail(DeploymentStatus::Failed, &[]);
        let l = &diff(None, &a, 1_700_000_000_000)[0];
        let plain = Style {
            json: false,
            color: false,
            virtual_time: false,
        };
        assert_eq!(
            render(l, plain),
            "2023-11-14T22:13:20Z d-ABCDEFGHI deployment Failed"
        );
        let json: serde_json::Value = serde_json::from_str(&render(
            l,
            Style {
                json: true,
                ..plain
            },
        ))
        .expect("json");
        assert_eq!(json["deployment"], "d-ABCDEFGHI");
        assert_eq!(json["kind"], "deployment");
        assert_eq!(json["status"], "Failed");
        assert_eq!(json["time"], "2023-11-14T22:13:20Z");
        assert!(annotation(l).is_some_and(|a| a.starts_with("::error")));
    }
}
