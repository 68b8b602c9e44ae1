//! `codedeck watch`: a deployment's changes as lines, and its result as the
//! exit code.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::aws::Endpoint;
use crate::source::aws::AwsSource;
use crate::watch::lines::Style;
use crate::watch::{watch, Exit, Target, Until, WatchOptions};

pub const EXIT_CODES: &str = "Exit codes:
  0  the deployment succeeded (or, with --until ready, reached Ready)
  1  the deployment failed
  2  the deployment was stopped
  3  --timeout passed first
  4  could not watch: credentials, access denied, no such deployment or group
 64  usage error: an unknown or missing option, or a bad value (nothing was watched)";

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["deployment_id", "application"]))]
pub struct WatchArgs {
    /// The deployment to follow.
    #[arg(value_name = "DEPLOYMENT_ID")]
    pub deployment_id: Option<String>,

    /// Follow this application's group's running deployment (with --deployment-group).
    #[arg(long, value_name = "NAME", requires = "deployment_group")]
    pub application: Option<String>,

    #[arg(long, value_name = "NAME", requires = "application")]
    pub deployment_group: Option<String>,

    /// With a group: how long to wait for a deployment to start when none runs.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub wait_for_start: Duration,

    /// Give up after this long (exit 3), e.g. 30s, 15m, 1h [default: never].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// `ready`: exit 0 as soon as a blue/green deployment waits in Ready.
    #[arg(long, value_enum, default_value = "done")]
    pub until: UntilArg,

    /// Continue a deployment waiting in Ready (ContinueDeployment READY_WAIT).
    #[arg(long = "continue")]
    pub continue_ready: bool,

    /// After this long with nothing new, one line says what still runs and
    /// for how long (a silent CI log reads as a hung job).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub heartbeat: Duration,

    /// No heartbeat lines.
    #[arg(long)]
    pub quiet: bool,

    /// `json`: one JSON object per line.
    #[arg(long, value_enum, default_value = "text")]
    pub output: Output,

    /// Watch a local codedeck: http://127.0.0.1:4599 with test credentials.
    #[arg(long)]
    pub local: bool,

    #[command(flatten)]
    pub endpoint: Endpoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UntilArg {
    Done,
    Ready,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// `90`, `30s`, `15m`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 30s, 15m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: the unit is s, m or h")),
    };
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(format!("{s:?}: must not be negative"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(args: WatchArgs) -> anyhow::Result<()> {
    let exit = match watch_exit(args) {
        Ok(exit) => exit,
        Err(e) => {
            // Not a result: the watch could not begin (configuration).
            eprintln!("codedeck watch: {}", super::one_line(&format!("{e:#}")));
            Exit::CouldNotWatch
        }
    };
    std::process::exit(exit as i32)
}

fn watch_exit(args: WatchArgs) -> anyhow::Result<Exit> {
    let target = match (
        &args.deployment_id,
        &args.application,
        &args.deployment_group,
    ) {
        (Some(id), None, None) => Target::Deployment(id.clone()),
        (None, Some(app), Some(group)) => Target::Group {
            app: app.clone(),
            group: group.clone(),
            wait: args.wait_for_start,
        },
        _ => {
            eprintln!(
                "codedeck watch: give a DEPLOYMENT_ID, or --application with --deployment-group \
                 (not both)"
            );
            return Ok(Exit::Usage);
        }
    };
    let opts = args.endpoint.options(args.local)?;
    let terminal = std::io::stdout().is_terminal();
    let watch_opts = WatchOptions {
        target,
        timeout: args.timeout,
        until: match args.until {
            UntilArg::Done => Until::Done,
            UntilArg::Ready => Until::Ready,
        },
        continue_ready: args.continue_ready,
        style: Style {
            json: args.output == Output::Json,
            color: terminal
                && args.output == Output::Text
                && std::env::var_os("NO_COLOR").is_none(),
        },
        github: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        progress: terminal && args.output == Output::Text,
        heartbeat: (!args.quiet && !args.heartbeat.is_zero()).then_some(args.heartbeat),
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tokio.block_on(async {
        let source = match AwsSource::connect(&opts).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("codedeck watch: {e:#}");
                return Ok(Exit::CouldNotWatch);
            }
        };
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        let exit = watch(&source, &watch_opts, &mut out, &mut err).await;
        if watch_opts.progress {
            println!();
        }
        Ok(exit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_plainly() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
