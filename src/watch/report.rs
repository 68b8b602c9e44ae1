//! What a watch leaves behind for CI when it ends: a JUnit XML report (one
//! `<testsuite>` per deployment, one `<testcase>` per target: GitLab,
//! Jenkins, Azure DevOps and CircleCI show it as a test report) and the
//! GitHub Actions step summary (the result, a table of targets by lifecycle
//! event, the failing script's output).

use std::collections::HashMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::lines::{event_name, target_times, Line};
use crate::model::labels::glyph;
use crate::model::time::duration_words;
use crate::model::*;
use crate::source::{Detail, TargetView};

/// One deployment as the watch ended it.
pub struct Ended<'a> {
    pub detail: &'a Detail,
    /// Its result line (`kind: "result"`).
    pub result: &'a Line,
    /// A failed target's whole script output (CloudWatch Logs), by target ID.
    pub outputs: &'a HashMap<String, String>,
}

/// The JUnit report of the deployments watched.
pub fn junit(ended: &[Ended]) -> Report {
    let mut report = Report::new("codedeck watch");
    for e in ended {
        report.add_test_suite(suite(e));
    }
    report
}

fn suite(e: &Ended) -> TestSuite {
    let i = &e.detail.info;
    let id = i.deployment_id.as_deref().unwrap_or("-");
    let class = format!(
        "{}/{}",
        i.application_name.as_deref().unwrap_or("-"),
        i.deployment_group_name.as_deref().unwrap_or("-")
    );
    let mut suite = TestSuite::new(id);
    if let Some(s) = &e.result.result {
        suite.set_time(Duration::from_millis(s.duration_ms.max(0) as u64));
    }
    for t in &e.detail.targets {
        let mut case = TestCase::new(t.id.as_str(), status(t, e));
        case.set_classname(class.as_str());
        if let (Some(a), Some(b)) = target_times(t) {
            case.set_time(Duration::from_millis((b - a).max(0) as u64));
        }
        suite.add_test_case(case);
    }
    suite
}

fn status(t: &TargetView, e: &Ended) -> TestCaseStatus {
    match t.status {
        TargetStatus::Succeeded | TargetStatus::Ready => TestCaseStatus::success(),
        TargetStatus::Skipped => TestCaseStatus::skipped(),
        TargetStatus::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            match failed_event(t) {
                Some(ev) => {
                    let d = ev.diagnostics.as_ref();
                    let code = d
                        .and_then(|d| d.error_code.as_ref())
                        .map_or("failed", |c| c.as_str());
                    s.set_message(format!("{} {code}", event_name(ev)));
                    s.set_type(code);
                    s.set_description(failure_body(t, ev, e));
                }
                None => {
                    s.set_message("the target failed");
                }
            }
            s
        }
        ref other => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(format!("{other} when the watch ended"));
            s
        }
    }
}

/// The first failed event of a target.
pub fn failed_event(t: &TargetView) -> Option<&LifecycleEvent> {
    t.events
        .iter()
        .find(|e| e.status == Some(LifecycleEventStatus::Failed))
}

/// Script, message and output of a failed event: CloudWatch's whole output
/// when there is one, else the API's log tail.
fn failure_body(t: &TargetView, ev: &LifecycleEvent, e: &Ended) -> String {
    let d = ev.diagnostics.as_ref();
    let mut body = format!(
        "script: {}\nmessage: {}\n",
        d.and_then(|d| d.script_name.as_deref()).unwrap_or("-"),
        d.and_then(|d| d.message.as_deref()).unwrap_or("-")
    );
    let output = e
        .outputs
        .get(&t.id)
        .cloned()
        .or_else(|| d.and_then(|d| d.log_tail.clone()));
    if let Some(out) = output {
        body.push('\n');
        body.push_str(&out);
    }
    body
}

/// The step summary's Markdown for the deployments watched.
pub fn step_summary(ended: &[Ended]) -> String {
    let mut md = String::new();
    for e in ended {
        md.push_str(&deployment_summary(e));
    }
    md
}

fn deployment_summary(e: &Ended) -> String {
    let status = e.result.status.as_deref().unwrap_or("-");
    let mut md = format!(
        "### {} `{}` {}\n\n",
        glyph(status),
        e.result.deployment,
        e.result.message
    );
    let events: Vec<String> = columns(e.detail);
    if !events.is_empty() {
        md.push_str(&format!("| target | {} |\n", events.join(" | ")));
        md.push_str(&format!("|---|{}\n", "---|".repeat(events.len())));
        for t in &e.detail.targets {
            let cells: Vec<String> = events.iter().map(|name| cell(t, name)).collect();
            let label = t
                .label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            md.push_str(&format!(
                "| {} `{}`{label} | {} |\n",
                glyph(t.status.as_str()),
                t.id,
                cells.join(" | ")
            ));
        }
        md.push('\n');
    }
    for t in e
        .detail
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Failed)
    {
        let Some(ev) = failed_event(t) else { continue };
        let d = ev.diagnostics.as_ref();
        let script = d.and_then(|d| d.script_name.as_deref()).unwrap_or("-");
        let output = e
            .outputs
            .get(&t.id)
            .cloned()
            .or_else(|| d.and_then(|d| d.log_tail.clone()));
        md.push_str(&format!(
            "**{} {} failed** (`{script}`): {}\n\n",
            t.id,
            event_name(ev),
            d.and_then(|d| d.message.as_deref()).unwrap_or("-")
        ));
        if let Some(out) = output {
            md.push_str(&fenced(&out));
        }
    }
    md
}

/// The lifecycle events of the deployment's targets, in their order.
fn columns(d: &Detail) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for t in &d.targets {
        for e in &t.events {
            let n = event_name(e);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// `✔ 4s` of a target's event, empty if the target has no such event.
fn cell(t: &TargetView, name: &str) -> String {
    let Some(e) = t.events.iter().find(|e| event_name(e) == name) else {
        return String::new();
    };
    let status = e.status.as_ref().map_or("Pending", |s| s.as_str());
    match (e.start_time, e.end_time) {
        (Some(a), Some(b)) => format!("{} {}", glyph(status), duration_words(b.0 - a.0)),
        _ => glyph(status).to_string(),
    }
}

/// A fenced block that no backtick run inside `text` can close early.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n\n", text.trim_end())
}
