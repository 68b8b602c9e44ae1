//! `codedeck watch`: follows one deployment on CodeDeploy (AWS, or any
//! endpoint such as a local codedeck) and prints a line per change, then exits
//! with the result, for CI. Reads go through the AWS source, so throttling and
//! short outages back off and are retried, never taken for the result.

#[cfg(test)]
pub mod fixtures;
pub mod follow;
pub mod group;
pub mod lines;
pub mod pulse;
pub mod result;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::model::time::Millis;
use crate::model::*;
use crate::source::aws::AwsSource;
use crate::source::{Action, Detail, Source};
use lines::{annotation, latest_time, render, result_line, Line, Style, Transcript};
use pulse::Pulse;
use result::Outcome;

/// Exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Succeeded = 0,
    Failed = 1,
    Stopped = 2,
    TimedOut = 3,
    CouldNotWatch = 4,
    /// The command line was wrong (a typo, a missing or conflicting
    /// option): sysexits' EX_USAGE, never mistaken for a result.
    Usage = 64,
}

/// Which deployment to follow.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Deployment(String),
    /// The group's running deployment, else the next one created within `wait`.
    Group {
        app: String,
        group: String,
        wait: Duration,
    },
}

/// When watching ends successfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The deployment finished.
    Done,
    /// A blue/green deployment reached `Ready` (or finished).
    Ready,
}

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub target: Target,
    pub timeout: Option<Duration>,
    pub until: Until,
    /// Continue a deployment waiting as Ready (ContinueDeployment READY_WAIT).
    pub continue_ready: bool,
    pub style: Style,
    /// Also print failures as GitHub Actions `::error::` annotations.
    pub github: bool,
    /// A live progress line (stdout is a terminal).
    pub progress: bool,
    /// After this long with nothing new, a line says what still runs
    /// (`None`: never, `--quiet`).
    pub heartbeat: Option<Duration>,
}

/// Follows the deployment until it ends, the timeout passes or watching
/// fails; every change is written to `out` in the order it happened, the
/// result last; problems go to `err`.
pub async fn watch(
    source: &AwsSource,
    opts: &WatchOptions,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> Exit {
    let started = Instant::now();
    let id = match resolve(source, &opts.target, started, opts.timeout, err).await {
        Ok(id) => id,
        Err(exit) => return exit,
    };
    let mut printer = Printer {
        out,
        opts,
        transcript: Transcript::default(),
        pulse: Pulse::new(opts.heartbeat, started),
        last_at: Millis::MIN,
    };
    let mut last: Option<Detail> = None;
    let mut continued = false;
    let mut warned = false;
    loop {
        if opts.timeout.is_some_and(|t| started.elapsed() >= t) {
            if let Some(d) = &last {
                let at = printer.server_now(source, d);
                printer.print(vec![result_line(d, &id, Some(Outcome::TimedOut), at)]);
            }
            say(err, &format!("codedeck watch: timed out watching {id}"));
            return Exit::TimedOut;
        }
        let detail = match source.deployment(&id).await {
            Ok(d) => {
                warned = false;
                d
            }
            Err(e) if e.is_transient() => {
                if !warned {
                    say(
                        err,
                        &format!(
                            "codedeck watch: {e}; backing off, retrying in {} s",
                            source.next_poll().as_secs().max(1)
                        ),
                    );
                }
                warned = true;
                pause(source.next_poll()).await;
                continue;
            }
            Err(e) => {
                say(err, &format!("codedeck watch: cannot watch {id}: {e}"));
                return Exit::CouldNotWatch;
            }
        };
        let status = detail
            .info
            .status
            .clone()
            .unwrap_or(DeploymentStatus::Created);
        let mut lines = printer.transcript.lines(&detail);
        if status == DeploymentStatus::Ready && opts.until == Until::Ready {
            let at = lines.last().map_or_else(|| latest_time(&detail), |l| l.at);
            lines.push(result_line(&detail, &id, Some(Outcome::Ready), at));
            printer.print(lines);
            return Exit::Succeeded;
        }
        if !lines.is_empty() {
            printer.pulse.heard(Instant::now());
        }
        let now = printer.server_now(source, &detail);
        lines.extend(printer.pulse.lines(&detail, now, Instant::now()));
        printer.print(lines);
        if let Some(exit) = final_exit(&status) {
            return exit;
        }
        if status == DeploymentStatus::Ready && opts.continue_ready && !continued {
            continued = true;
            continue_ready(source, &id, err).await;
        }
        if opts.progress {
            let _ = write!(printer.out, "\r\x1b[2K{}", progress_line(&detail, source));
            let _ = printer.out.flush();
        }
        last = Some(detail);
        pause(source.next_poll()).await;
    }
}

fn final_exit(status: &DeploymentStatus) -> Option<Exit> {
    match status {
        DeploymentStatus::Succeeded => Some(Exit::Succeeded),
        DeploymentStatus::Failed => Some(Exit::Failed),
        DeploymentStatus::Stopped => Some(Exit::Stopped),
        _ => None,
    }
}

/// Writes lines, never one stamped earlier than a line before it.
struct Printer<'a> {
    out: &'a mut (dyn Write + Send),
    opts: &'a WatchOptions,
    transcript: Transcript,
    pulse: Pulse,
    last_at: Millis,
}

impl Printer<'_> {
    /// The server's time now (its replies' `Date`), never before what the
    /// deployment already reported or what was printed.
    fn server_now(&self, source: &AwsSource, d: &Detail) -> Millis {
        let known = latest_time(d).max(self.last_at);
        source.server_now().map_or(known, |now| now.max(known))
    }

    fn print(&mut self, lines: Vec<Line>) {
        if lines.is_empty() {
            return;
        }
        if self.opts.progress {
            let _ = write!(self.out, "\r\x1b[2K");
        }
        for l in &lines {
            self.last_at = self.last_at.max(l.at);
            let _ = writeln!(self.out, "{}", render(l, self.opts.style));
            if self.opts.github {
                if let Some(a) = annotation(l) {
                    let _ = writeln!(self.out, "{a}");
                }
            }
        }
        let _ = self.out.flush();
    }
}

/// `▒ d-ABC InProgress 2/5 targets done · 8 calls/min`.
fn progress_line(d: &Detail, source: &AwsSource) -> String {
    let done = d
        .targets
        .iter()
        .filter(|t| !matches!(t.status, TargetStatus::Pending | TargetStatus::InProgress))
        .count();
    format!(
        "▒ {} {} {done}/{} targets done · {} calls/min",
        d.info.deployment_id.as_deref().unwrap_or("-"),
        d.info.status.as_ref().map_or("-", |s| s.as_str()),
        d.targets.len(),
        source.calls_per_minute()
    )
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

/// The deployment to follow: the one named, or the group's running one, or
/// the next one created (see [`group`]).
async fn resolve(
    source: &AwsSource,
    target: &Target,
    started: Instant,
    timeout: Option<Duration>,
    err: &mut dyn Write,
) -> Result<String, Exit> {
    let (app, group, wait) = match target {
        Target::Deployment(id) => return Ok(id.clone()),
        Target::Group { app, group, wait } => (app, group, *wait),
    };
    let mut look = GroupLook::default();
    loop {
        let found = look.next(source, app, group).await;
        match found {
            Ok(Some(id)) => return Ok(id),
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
        let waited = started.elapsed();
        if timeout.is_some_and(|t| waited >= t) {
            say(
                err,
                "codedeck watch: timed out waiting for a deployment to start",
            );
            return Err(Exit::TimedOut);
        }
        if waited >= wait {
            say(err, &format!(
                "codedeck watch: no deployment running in {app}/{group}, and none started within {} s",
                wait.as_secs()
            ));
            return Err(Exit::CouldNotWatch);
        }
        pause(source.next_poll()).await;
    }
}

/// Where group mode is: the baseline listed, then the running one looked
/// for once (listed after the baseline, so one created in between is found
/// either way), then new ones looked for at each poll.
#[derive(Default)]
struct GroupLook {
    baseline: Option<group::Baseline>,
    active_checked: bool,
}

impl GroupLook {
    async fn next(
        &mut self,
        source: &AwsSource,
        app: &str,
        group: &str,
    ) -> Result<Option<String>, crate::source::aws::CallError> {
        if self.baseline.is_none() {
            let ids = source.recent_in(app, group).await?;
            self.baseline = Some(group::Baseline::new(&ids));
        }
        if !self.active_checked {
            let active = source.active_in(app, group).await?;
            self.active_checked = true;
            return Ok(group::pick_active(&active));
        }
        let ids = source.recent_in(app, group).await?;
        Ok(self.baseline.as_ref().and_then(|b| b.first_new(&ids)))
    }
}

async fn pause(d: Duration) {
    tokio::time::sleep(d.max(Duration::from_millis(50))).await;
}

fn say(err: &mut dyn Write, line: &str) {
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}
