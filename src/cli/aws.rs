//! `codedeck aws`: the dashboard on CodeDeploy through the AWS SDK, with
//! credentials from the usual chain.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;

use super::terminal_signal;
use crate::source::aws::logs::ScriptLogs;
use crate::source::aws::{AwsOptions, AwsSource};
use crate::tui::app::{self, Options};
use crate::tui::ApiStatus;

/// Where to find CodeDeploy (shared by `aws` and `watch`).
#[derive(Debug, Clone, Args)]
pub struct Endpoint {
    /// Named profile from ~/.aws/config [default: $AWS_PROFILE, else "default"].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region [default: $AWS_REGION, else the profile's].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Another CodeDeploy endpoint: a codedeck, LocalStack, a proxy
    /// [default: $AWS_ENDPOINT_URL_CODEDEPLOY or $AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Fastest poll, in seconds, while something changes (at least 2 on AWS).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub poll: Option<f64>,
}

impl Endpoint {
    pub fn options(&self, local: bool) -> anyhow::Result<AwsOptions> {
        let poll = match self.poll {
            Some(p) if !(p.is_finite() && p > 0.0) => {
                bail!("--poll {p}: must be a positive number of seconds")
            }
            Some(p) => Some(Duration::from_secs_f64(p)),
            None => None,
        };
        Ok(AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self
                .endpoint_url
                .clone()
                .or_else(|| local.then(|| crate::source::aws::LOCAL_ENDPOINT.to_string())),
            test_credentials: local,
            poll,
        })
    }
}

#[derive(Debug, Args)]
pub struct AwsArgs {
    #[command(flatten)]
    pub endpoint: Endpoint,

    /// Look only: the dashboard's keys that change deployments are off (the
    /// account itself is not: CI and the console still deploy).
    #[arg(long)]
    pub read_only: bool,

    /// Capture the mouse (scrolling); off by default so copy and paste work.
    #[arg(long)]
    pub mouse: bool,

    /// The CloudWatch Logs group the agent's deployment log is shipped to
    /// (a stream per instance): `l` on a failed hook shows its whole output.
    /// Its endpoint: $AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or $AWS_ENDPOINT_URL.
    #[arg(long, value_name = "NAME")]
    pub logs_group: Option<String>,
}

pub fn run(args: AwsArgs) -> anyhow::Result<()> {
    if !app::has_terminal() {
        bail!(
            "`codedeck aws` draws the dashboard and needs a terminal; in CI, follow a \
             deployment with `codedeck watch`"
        );
    }
    let opts = args.endpoint.options(false)?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let source = tokio.block_on(async {
        let source = AwsSource::connect(&opts).await?;
        anyhow::Ok(match &args.logs_group {
            Some(group) => source.with_logs(ScriptLogs::connect(&opts, group).await?),
            None => source,
        })
    })?;
    let signal = {
        let _enter = tokio.enter();
        terminal_signal()?
    };
    let result = app::run(
        Arc::new(source),
        tokio.handle(),
        signal,
        Options {
            read_only: args.read_only,
            mouse: args.mouse,
            api: ApiStatus::Remote,
            start_at: None,
        },
    );
    tokio.shutdown_timeout(Duration::from_secs(2));
    result
}
