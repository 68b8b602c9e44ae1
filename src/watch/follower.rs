//! One deployment followed: found (named, or a group's), read at each poll,
//! turned into lines, ended with its exit. `codedeck watch` runs one per
//! deployment or group it is given, side by side.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use super::group;
use super::lines::{latest_time, result_line, Kind, Line, ScriptOutput, Transcript};
use super::options::{final_exit, say, Exit, Target, Until, WatchOptions};
use super::pulse::Pulse;
use super::result::Outcome;
use crate::model::time::Millis;
use crate::model::*;
use crate::source::aws::logs::{LogsError, ScriptLogs};
use crate::source::aws::{AwsSource, CallError};
use crate::source::{Action, Detail, Source};

/// How often and how long to wait for a failed hook's output to reach
/// CloudWatch Logs (the CloudWatch agent ships every few seconds).
const SHIPPING_TRIES: usize = 5;
const SHIPPING_PAUSE: Duration = Duration::from_secs(2);

pub struct Follower {
    target: Target,
    stage: Stage,
    /// A failed target's whole script output, for the reports.
    pub outputs: HashMap<String, String>,
}

enum Stage {
    Finding(group::Look),
    Following(Box<Following>),
    Ended(Box<Ended>),
}

struct Following {
    id: String,
    transcript: Transcript,
    pulse: Pulse,
    last: Option<Detail>,
    continued: bool,
    warned: bool,
}

/// How a deployment's watch ended: its exit, last reading and result line.
pub struct Ended {
    pub exit: Exit,
    pub detail: Option<Detail>,
    pub result: Option<Line>,
}

/// What a step needs besides the follower.
pub struct Ctx<'a> {
    pub source: &'a AwsSource,
    pub opts: &'a WatchOptions,
    pub logs: Option<&'a ScriptLogs>,
    pub started: Instant,
    /// The latest time printed (heartbeats never go back before it).
    pub printed: Millis,
}

impl Follower {
    pub fn new(target: Target, heartbeat: Option<Duration>) -> Follower {
        let stage = match &target {
            Target::Deployment(id) => {
                Stage::Following(Box::new(Following::new(id.clone(), heartbeat)))
            }
            Target::Group { .. } => Stage::Finding(group::Look::default()),
        };
        Follower {
            target,
            stage,
            outputs: HashMap::new(),
        }
    }

    pub fn ended(&self) -> Option<&Ended> {
        match &self.stage {
            Stage::Ended(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// `d-ABC InProgress 2/5 targets done` while it runs.
    pub fn progress(&self) -> Option<String> {
        let Stage::Following(f) = &self.stage else {
            return None;
        };
        let d = f.last.as_ref()?;
        let done = d
            .targets
            .iter()
            .filter(|t| !matches!(t.status, TargetStatus::Pending | TargetStatus::InProgress))
            .count();
        Some(format!(
            "{} {} {done}/{} targets done",
            f.id,
            d.info.status.as_ref().map_or("-", |s| s.as_str()),
            d.targets.len()
        ))
    }

    /// One poll: the lines it reveals (in time order across followers is
    /// the caller's work).
    pub async fn step(&mut self, ctx: &Ctx<'_>, err: &mut dyn Write) -> Vec<Line> {
        let timed_out = ctx.opts.timeout.is_some_and(|t| ctx.started.elapsed() >= t);
        match &mut self.stage {
            Stage::Ended(_) => Vec::new(),
            Stage::Finding(look) => {
                let found = find(look, &self.target, ctx, timed_out, err).await;
                match found {
                    Ok(Some(id)) => {
                        let f = Following::new(id, ctx.opts.heartbeat);
                        self.stage = Stage::Following(Box::new(f));
                        Box::pin(self.step(ctx, err)).await
                    }
                    Ok(None) => Vec::new(),
                    Err(exit) => {
                        self.stage = Stage::Ended(Box::new(Ended {
                            exit,
                            detail: None,
                            result: None,
                        }));
                        Vec::new()
                    }
                }
            }
            Stage::Following(f) => {
                // Seen as it happened (not on the first reading): the log
                // may still be on its way to CloudWatch.
                let live = f.last.is_some();
                let (lines, ended) = f.step(ctx, timed_out, err).await;
                let lines = self.attach_outputs(lines, ctx, live).await;
                if let Some(e) = ended {
                    self.stage = Stage::Ended(Box::new(e));
                }
                lines
            }
        }
    }

    /// Under each failed event's line, its whole output from CloudWatch Logs.
    async fn attach_outputs(
        &mut self,
        mut lines: Vec<Line>,
        ctx: &Ctx<'_>,
        live: bool,
    ) -> Vec<Line> {
        let Some(logs) = ctx.logs else {
            return lines;
        };
        for l in lines.iter_mut().filter(|l| is_failure(l)) {
            let (Some(target), Some(event)) = (l.target.clone(), l.event.clone()) else {
                continue;
            };
            // A hook runs an hour at most: its output is no older than that.
            let since = l.at - 2 * 3_600_000;
            let tries = if live { SHIPPING_TRIES } else { 1 };
            let output = script_output(logs, &target, &l.deployment, &event, since, tries).await;
            if output.error.is_none() {
                self.outputs.insert(target, output.lines.join("\n"));
            }
            l.output = Some(output);
        }
        lines
    }
}

fn is_failure(l: &Line) -> bool {
    l.kind == Kind::Event && l.status.as_deref() == Some("Failed")
}

/// The output of `event` on `target`, waiting a little for it to be shipped.
async fn script_output(
    logs: &ScriptLogs,
    target: &str,
    deployment: &str,
    event: &str,
    since: Millis,
    most: usize,
) -> ScriptOutput {
    let source = format!("{}/{target}", logs.group());
    let mut tries = 0;
    loop {
        tries += 1;
        match logs.output(target, deployment, event, since).await {
            Ok(o) => {
                return ScriptOutput {
                    source,
                    lines: o.lines,
                    more: o.more,
                    error: None,
                }
            }
            Err(LogsError::Nothing { .. } | LogsError::NoStream { .. }) if tries < most => {
                tokio::time::sleep(SHIPPING_PAUSE).await;
            }
            Err(e) => {
                return ScriptOutput {
                    source,
                    lines: Vec::new(),
                    more: 0,
                    error: Some(e.to_string()),
                }
            }
        }
    }
}

/// Group mode: the deployment to follow, once there is one.
async fn find(
    look: &mut group::Look,
    target: &Target,
    ctx: &Ctx<'_>,
    timed_out: bool,
    err: &mut dyn Write,
) -> Result<Option<String>, Exit> {
    let Target::Group { app, group, wait } = target else {
        return Err(Exit::CouldNotWatch);
    };
    match look.next(ctx.source, app, group).await {
        Ok(Some(id)) => return Ok(Some(id)),
        Ok(None) => {}
        Err(e) if e.is_transient() => {}
        Err(e) => {
            say(
                err,
                &format!("codedeck watch: cannot watch {app}/{group}: {e}"),
            );
            return Err(Exit::CouldNotWatch);
        }
    }
    if timed_out {
        say(
            err,
            &format!(
                "codedeck watch: timed out waiting for a deployment to start in {app}/{group}"
            ),
        );
        return Err(Exit::TimedOut);
    }
    if ctx.started.elapsed() >= *wait {
        say(
            err,
            &format!(
            "codedeck watch: no deployment running in {app}/{group}, and none started within {} s",
            wait.as_secs()
        ),
        );
        return Err(Exit::CouldNotWatch);
    }
    Ok(None)
}

impl Following {
    fn new(id: String, heartbeat: Option<Duration>) -> Following {
        Following {
            id,
            transcript: Transcript::default(),
            pulse: Pulse::new(heartbeat, Instant::now()),
            last: None,
            continued: false,
            warned: false,
        }
    }

    async fn step(
        &mut self,
        ctx: &Ctx<'_>,
        timed_out: bool,
        err: &mut dyn Write,
    ) -> (Vec<Line>, Option<Ended>) {
        if timed_out {
            return self.time_out(ctx, err);
        }
        let detail = match ctx.source.deployment(&self.id).await {
            Ok(d) => {
                self.warned = false;
                d
            }
            Err(e) => return (Vec::new(), self.failed_read(e, ctx, err)),
        };
        let status = detail
            .info
            .status
            .clone()
            .unwrap_or(DeploymentStatus::Created);
        let mut lines = self.transcript.lines(&detail);
        if status == DeploymentStatus::Ready && ctx.opts.until == Until::Ready {
            let at = lines.last().map_or_else(|| latest_time(&detail), |l| l.at);
            let result = result_line(&detail, &self.id, Some(Outcome::Ready), at);
            lines.push(result.clone());
            return (lines, Some(self.end(Exit::Succeeded, detail, Some(result))));
        }
        if let Some(exit) = final_exit(&status) {
            let result = lines.iter().find(|l| l.kind == Kind::Result).cloned();
            return (lines, Some(self.end(exit, detail, result)));
        }
        if !lines.is_empty() {
            self.pulse.heard(Instant::now());
        }
        let now = server_now(ctx, &detail);
        lines.extend(self.pulse.lines(&detail, now, Instant::now()));
        if status == DeploymentStatus::Ready && ctx.opts.continue_ready && !self.continued {
            self.continued = true;
            continue_ready(ctx.source, &self.id, err).await;
        }
        self.last = Some(detail);
        (lines, None)
    }

    fn end(&mut self, exit: Exit, detail: Detail, result: Option<Line>) -> Ended {
        Ended {
            exit,
            detail: Some(detail),
            result,
        }
    }

    fn time_out(&mut self, ctx: &Ctx<'_>, err: &mut dyn Write) -> (Vec<Line>, Option<Ended>) {
        say(
            err,
            &format!("codedeck watch: timed out watching {}", self.id),
        );
        let Some(d) = self.last.take() else {
            return (
                Vec::new(),
                Some(Ended {
                    exit: Exit::TimedOut,
                    detail: None,
                    result: None,
                }),
            );
        };
        let at = server_now(ctx, &d);
        let result = result_line(&d, &self.id, Some(Outcome::TimedOut), at);
        let ended = self.end(Exit::TimedOut, d, Some(result.clone()));
        (vec![result], Some(ended))
    }

    /// A read failed: transient ones are retried (said once), others end
    /// the watch of this deployment.
    fn failed_read(&mut self, e: CallError, ctx: &Ctx<'_>, err: &mut dyn Write) -> Option<Ended> {
        if e.is_transient() {
            if !self.warned {
                say(
                    err,
                    &format!(
                        "codedeck watch: {e}; backing off, retrying in {} s",
                        ctx.source.next_poll().as_secs().max(1)
                    ),
                );
            }
            self.warned = true;
            return None;
        }
        say(
            err,
            &format!("codedeck watch: cannot watch {}: {e}", self.id),
        );
        Some(Ended {
            exit: Exit::CouldNotWatch,
            detail: self.last.take(),
            result: None,
        })
    }
}

/// The server's time now (its replies' `Date`), never before what the
/// deployment already reported or what was printed.
fn server_now(ctx: &Ctx<'_>, d: &Detail) -> Millis {
    let known = latest_time(d).max(ctx.printed);
    ctx.source.server_now().map_or(known, |now| now.max(known))
}

async fn continue_ready(source: &AwsSource, id: &str, err: &mut dyn Write) {
    let action = Action::Continue {
        id: id.to_string(),
        wait: DeploymentWaitType::ReadyWait,
    };
    if let Err(e) = source.act(action).await {
        say(err, &format!("codedeck watch: cannot continue {id}: {e}"));
    }
}
