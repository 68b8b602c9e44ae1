//! `codedeck watch`: a deployment's changes as lines, and its result as the
//! exit code.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::aws::Endpoint;
use crate::source::aws::logs::ScriptLogs;
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
#[command(group = clap::ArgGroup::new("target").required(true).args(["deployment_ids", "application"]))]
pub struct WatchArgs {
    /// The deployments to follow (several are followed together; the exit
    /// is the worst result).
    #[arg(value_name = "DEPLOYMENT_ID")]
    pub deployment_ids: Vec<String>,

    /// Follow this application's group's running deployment, or the next one
    /// created (with --deployment-group; both may be given several times).
    #[arg(long, value_name = "NAME", requires = "deployment_group")]
    pub application: Vec<String>,

    #[arg(long, value_name = "NAME", requires = "application")]
    pub deployment_group: Vec<String>,

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

    /// Write a JUnit XML report here when the watch ends: a testsuite per
    /// deployment, a testcase per target.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<std::path::PathBuf>,

    /// The CloudWatch Logs group the agent's deployment log is shipped to
    /// (one stream per instance): a failed hook's whole output is printed
    /// under its failure line. Its endpoint: $AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
    /// or $AWS_ENDPOINT_URL (never --endpoint-url, which is CodeDeploy's).
    #[arg(long, value_name = "NAME")]
    pub logs_group: Option<String>,

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

/// What to follow: every ID given, and every --application/--deployment-group
/// pair (in the order given); `None` when the pairs do not match up.
fn targets(args: &WatchArgs) -> Option<Vec<Target>> {
    if !args.deployment_ids.is_empty() && !args.application.is_empty() {
        return None;
    }
    if args.application.len() != args.deployment_group.len() {
        return None;
    }
    let mut all: Vec<Target> = args
        .deployment_ids
        .iter()
        .cloned()
        .map(Target::Deployment)
        .collect();
    all.extend(
        args.application
            .iter()
            .zip(&args.deployment_group)
            .map(|(app, group)| Target::Group {
                app: app.clone(),
                group: group.clone(),
                wait: args.wait_for_start,
            }),
    );
    Some(all)
}

fn watch_exit(args: WatchArgs) -> anyhow::Result<Exit> {
    let Some(targets) = targets(&args) else {
        eprintln!(
            "codedeck watch: give DEPLOYMENT_IDs, or --application with --deployment-group \
             (as many of one as of the other), not both"
        );
        return Ok(Exit::Usage);
    };
    let opts = args.endpoint.options(args.local)?;
    let terminal = std::io::stdout().is_terminal();
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let watch_opts = WatchOptions {
        targets,
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
        github,
        progress: terminal && args.output == Output::Text,
        heartbeat: (!args.quiet && !args.heartbeat.is_zero()).then_some(args.heartbeat),
        junit: args.junit.clone(),
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|p| github && !p.is_empty())
            .map(std::path::PathBuf::from),
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
        let logs = match &args.logs_group {
            Some(group) => Some(ScriptLogs::connect(&opts, group).await?),
            None => None,
        };
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        Ok(watch(&source, &watch_opts, logs.as_ref(), &mut out, &mut err).await)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &[&str]) -> WatchArgs {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            watch: WatchArgs,
        }
        let all = std::iter::once("watch").chain(line.iter().copied());
        <Cli as clap::Parser>::try_parse_from(all)
            .map(|c| c.watch)
            .expect("parses")
    }

    #[test]
    fn several_ids_or_several_groups_in_the_order_given() {
        let t = targets(&args(&["d-1", "d-2"])).expect("targets");
        assert_eq!(
            t,
            vec![
                Target::Deployment("d-1".into()),
                Target::Deployment("d-2".into())
            ]
        );
        let g = targets(&args(&[
            "--application",
            "a",
            "--deployment-group",
            "x",
            "--application",
            "b",
            "--deployment-group",
            "y",
        ]))
        .expect("targets");
        let names: Vec<(String, String)> = g
            .into_iter()
            .filter_map(|t| match t {
                Target::Group { app, group, .. } => Some((app, group)),
                Target::Deployment(_) => None,
            })
            .collect();
        assert_eq!(
            names,
            vec![("a".into(), "x".into()), ("b".into(), "y".into())]
        );
        assert!(targets(&args(&[
            "--application",
            "a",
            "--application",
            "b",
            "--deployment-group",
            "x"
        ]))
        .is_none());
    }

    #[test]
    fn durations_read_plainly() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
