//! The result: the one line a CI log ends with, read without scrolling —
//! status, error code, total duration, target counts and the first failure.

use serde::Serialize;

use super::read::{event_name, span};
use crate::model::time::Millis;
use crate::model::*;
use crate::source::Detail;

/// What a watch ended with, beyond the deployment's own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    Stopped,
    /// `--until ready`: a blue/green deployment waits in Ready.
    Ready,
    /// `--timeout` passed while the deployment still ran.
    TimedOut,
}

/// The result's figures (`kind: "result"` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// From creation to completion (or to now, while it runs).
    pub duration_ms: Millis,
    pub targets: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<Failure>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Pending, in progress, ready or unknown.
    pub other: usize,
}

/// The failed event that ended first: where to look.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub target: String,
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Summary {
    /// The result of `d` at `at` (the server's time; a finished deployment
    /// counts to its completion); `outcome` overrides what its status says
    /// (a timeout, or Ready with `--until ready`).
    pub fn of(d: &Detail, outcome: Option<Outcome>, at: Millis) -> Summary {
        let i = &d.info;
        let outcome = outcome.unwrap_or(match i.status {
            Some(DeploymentStatus::Succeeded) => Outcome::Succeeded,
            Some(DeploymentStatus::Stopped) => Outcome::Stopped,
            Some(DeploymentStatus::Ready) => Outcome::Ready,
            _ => Outcome::Failed,
        });
        let end = i.complete_time.map_or(at, |t| t.0);
        let start = i.create_time.map_or(end, |t| t.0);
        Summary {
            outcome,
            error_code: i
                .error_information
                .as_ref()
                .and_then(|e| e.code.as_ref())
                .map(|c| c.to_string()),
            duration_ms: (end - start).max(0),
            targets: counts(d),
            first_failure: first_failure(d),
        }
    }

    /// `Failed in 3m12s (HEALTH_CONSTRAINTS): 1 of 3 targets failed, 2
    /// skipped, first i-0abc ValidateService ScriptFailed scripts/validate.sh`.
    pub fn sentence(&self, status: &str) -> String {
        let head = match self.outcome {
            Outcome::TimedOut => {
                format!("timed out: still {status} after {}", span(self.duration_ms))
            }
            Outcome::Ready => format!(
                "Ready after {}, waiting for ContinueDeployment",
                span(self.duration_ms)
            ),
            _ => format!("{status} in {}", span(self.duration_ms)),
        };
        let code = self
            .error_code
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let mut s = format!("{head}{code}: {}", self.counts_words());
        if let Some(f) = &self.first_failure {
            s.push_str(&format!(", first {} {}", f.target, f.event));
            for part in [&f.error_code, &f.script].into_iter().flatten() {
                s.push(' ');
                s.push_str(part);
            }
        }
        s
    }

    fn counts_words(&self) -> String {
        let c = &self.targets;
        let (word, n) = match self.outcome {
            Outcome::Failed => ("failed", c.failed),
            Outcome::TimedOut | Outcome::Ready if c.failed > 0 => ("failed", c.failed),
            _ => ("succeeded", c.succeeded),
        };
        let noun = if c.total == 1 { "target" } else { "targets" };
        let mut s = format!("{n} of {} {noun} {word}", c.total);
        let rest = [
            ("succeeded", c.succeeded),
            ("failed", c.failed),
            ("skipped", c.skipped),
            ("unfinished", c.other),
        ];
        for (w, k) in rest {
            if w != word && k > 0 {
                s.push_str(&format!(", {k} {w}"));
            }
        }
        s
    }
}

fn counts(d: &Detail) -> Counts {
    let mut c = Counts {
        total: d.targets.len(),
        ..Counts::default()
    };
    for t in &d.targets {
        match t.status {
            TargetStatus::Succeeded => c.succeeded += 1,
            TargetStatus::Failed => c.failed += 1,
            TargetStatus::Skipped => c.skipped += 1,
            _ => c.other += 1,
        }
    }
    c
}

fn first_failure(d: &Detail) -> Option<Failure> {
    d.targets
        .iter()
        .flat_map(|t| t.events.iter().map(move |e| (t, e)))
        .filter(|(_, e)| e.status == Some(LifecycleEventStatus::Failed))
        .min_by_key(|(_, e)| e.end_time.or(e.start_time).map_or(Millis::MAX, |t| t.0))
        .map(|(t, e)| {
            let diag = e.diagnostics.as_ref();
            Failure {
                target: t.id.clone(),
                event: event_name(e),
                error_code: diag
                    .and_then(|x| x.error_code.as_ref())
                    .map(|c| c.to_string()),
                script: diag.and_then(|x| x.script_name.clone()),
                message: diag.and_then(|x| x.message.clone()),
            }
        })
}
