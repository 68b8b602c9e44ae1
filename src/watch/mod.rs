//! `codedeck watch`: follows one deployment on CodeDeploy (AWS, or any
//! endpoint such as a local codedeck) and prints a line per change, then exits
//! with the result, for CI. Reads go through the AWS source, so throttling and
//! short outages back off and are retried, never taken for the result.

pub mod follow;
pub mod lines;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::model::*;
use crate::source::aws::AwsSource;
use crate::source::{Action, Detail, Source};
use lines::{annotation, diff, render, Style};

/// Exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Succeeded = 0,
    Failed = 1,
    Stopped = 2,
    TimedOut = 3,
    CouldNotWatch = 4,
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
}

/// Follows the deployment until it ends, the timeout passes or watching
/// fails; every change is written to `out`, problems to `err`.
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
    let mut last: Option<Detail> = None;
    let mut continued = false;
    let mut warned = false;
    loop {
        if opts.timeout.is_some_and(|t| started.elapsed() >= t) {
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
        print_changes(out, opts, last.as_ref(), &detail);
        let status = detail
            .info
            .status
            .clone()
            .unwrap_or(DeploymentStatus::Created);
        if let Some(exit) = final_exit(&status) {
            return exit;
        }
        if status == DeploymentStatus::Ready {
            if opts.until == Until::Ready {
                return Exit::Succeeded;
            }
            if opts.continue_ready && !continued {
                continued = true;
                continue_ready(source, &id, err).await;
            }
        }
        if opts.progress {
            let _ = write!(out, "\r\x1b[2K{}", progress_line(&detail, source));
            let _ = out.flush();
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

fn print_changes(out: &mut dyn Write, opts: &WatchOptions, last: Option<&Detail>, now: &Detail) {
    let lines = diff(last, now, crate::runtime::wall_now());
    if lines.is_empty() {
        return;
    }
    if opts.progress {
        let _ = write!(out, "\r\x1b[2K");
    }
    for l in &lines {
        let _ = writeln!(out, "{}", render(l, opts.style));
        if opts.github {
            if let Some(a) = annotation(l) {
                let _ = writeln!(out, "{a}");
            }
        }
    }
    let _ = out.flush();
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

/// The deployment to follow: the one named, or the group's.
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
    let since = crate::runtime::wall_now();
    let mut first = true;
    loop {
        // The running one first; then one created since watching began.
        let statuses: &[DeploymentStatus] = if first {
            &DeploymentStatus::ACTIVE
        } else {
            &[]
        };
        let since_filter = (!first).then_some(since - 1000);
        match source.newest_in(app, group, statuses, since_filter).await {
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
        first = false;
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

async fn pause(d: Duration) {
    tokio::time::sleep(d.max(Duration::from_millis(50))).await;
}

fn say(err: &mut dyn Write, line: &str) {
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}
