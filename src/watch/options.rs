//! What `codedeck watch` is asked to do and how it ends: its options, its
//! targets and its exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::lines::Style;
use crate::model::*;

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
    /// What to follow: one deployment or group each, side by side.
    pub targets: Vec<Target>,
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
    /// Write a JUnit XML report here when the watch ends.
    pub junit: Option<PathBuf>,
    /// Append the GitHub Actions step summary here (`GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<PathBuf>,
}

pub fn final_exit(status: &DeploymentStatus) -> Option<Exit> {
    match status {
        DeploymentStatus::Succeeded => Some(Exit::Succeeded),
        DeploymentStatus::Failed => Some(Exit::Failed),
        DeploymentStatus::Stopped => Some(Exit::Stopped),
        _ => None,
    }
}

/// One line on the error stream.
pub fn say(err: &mut dyn Write, line: &str) {
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}
