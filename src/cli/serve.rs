//! `codedeck serve`: the API alone, without a terminal (CI, scripts). The
//! first line on stdout is the address it listens on, so a job can start it
//! on port 0 and read where it went; `GET /health` answers once it serves.

use anyhow::{bail, Context as _};
use clap::Args;

use super::{listen_address, random_seed, read_fleet, shutdown_signal, state_location, ServeArgs};
use crate::api::faults::Faults;
use crate::model::time::Millis;
use crate::runtime::{Runtime, RuntimeOptions};
use crate::source::format_speed;
use crate::source::local::LocalSource;
use crate::watch::follow::follow;
use crate::watch::lines::Style;

#[derive(Debug, Args)]
pub struct ServeCommand {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Print a line per change of every deployment on stdout (as `codedeck watch` does).
    #[arg(long)]
    pub print_changes: bool,

    /// Seed the demo world (in memory unless --state is given).
    #[arg(long)]
    pub demo: bool,

    /// Answer this share of requests (0.0-1.0) with ThrottlingException, to
    /// test clients against throttling.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub throttle: f64,

    /// Drop the connection mid-reply for this share of requests (0.0-1.0).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub drop: f64,

    /// Answer these operations with AccessDeniedException, as a missing IAM
    /// permission would (comma-separated, e.g. ListDeploymentTargets).
    #[arg(long, value_name = "OPERATIONS", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Test only: start the virtual clock this many seconds ahead of the
    /// wall clock (negative: behind), as a server whose clock disagrees
    /// with its clients'.
    #[arg(long, value_name = "SECONDS", hide = true, allow_hyphen_values = true)]
    pub clock_offset: Option<f64>,
}

pub fn run(cmd: ServeCommand) -> anyhow::Result<()> {
    let args = &cmd.serve;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!("--speed {}: must be a positive number", args.speed);
    }
    for (flag, share) in [("--throttle", cmd.throttle), ("--drop", cmd.drop)] {
        if !(0.0..=1.0).contains(&share) {
            bail!("{flag} {share}: must be a share between 0.0 and 1.0");
        }
    }
    if let Some(unknown) = cmd.deny.iter().find(|d| {
        crate::model::Operation::ALL
            .iter()
            .all(|op| op.name() != d.as_str())
    }) {
        bail!("--deny {unknown}: not a CodeDeploy operation (e.g. ListDeploymentTargets)");
    }
    let addr = listen_address(&args.listen, args.allow_remote)?;
    let state = match (&args.state, cmd.demo) {
        (None, true) => crate::runtime::StateLocation::Memory,
        _ => state_location(args.state.as_deref())?,
    };
    let fleet = args.fleet.as_deref().map(read_fleet).transpose()?;
    let seed = match cmd.demo {
        true => crate::demo::DEMO_SEED,
        false => args.seed.unwrap_or_else(random_seed),
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tokio.block_on(async {
        let runtime = Runtime::open(RuntimeOptions {
            state: state.clone(),
            seed,
            fleet,
            speed: args.speed,
            strict: args.strict,
            clock: match cmd.clock_offset {
                Some(secs) => crate::runtime::ClockStart::Offset((secs * 1000.0) as Millis),
                None => crate::runtime::ClockStart::Wall,
            },
            agent: args.agent_options()?,
        })?;
        if cmd.demo {
            crate::demo::seed(&runtime);
        }
        let served = serve(&cmd, &runtime, addr, &state.to_string()).await;
        let closed = runtime.shutdown();
        served?;
        closed
    })
}

async fn serve(
    cmd: &ServeCommand,
    runtime: &Runtime,
    addr: std::net::SocketAddr,
    state: &str,
) -> anyhow::Result<()> {
    let listener = crate::api::bind(addr).await?;
    let shutdown = shutdown_signal()?;
    let local = listener.local_addr().unwrap_or(addr);
    println!("http://{local}");
    eprintln!(
        "codedeck serving CodeDeploy on http://{local} (state: {state}, speed: {})",
        format_speed(runtime.clock_state().speed)
    );
    let faults = Faults::new(cmd.throttle, cmd.drop, cmd.deny.clone());
    if !faults.is_off() {
        eprintln!(
            "codedeck: injecting faults: {:.0} % throttled, {:.0} % dropped, denied: {}",
            cmd.throttle * 100.0,
            cmd.drop * 100.0,
            if cmd.deny.is_empty() {
                "none".to_string()
            } else {
                cmd.deny.join(", ")
            }
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let printer = cmd.print_changes.then(|| {
        let source = LocalSource::new(runtime.clone());
        let style = Style {
            json: false,
            color: false,
        };
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut out = std::io::stdout();
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = follow(&source, &mut out, style, stopped).await {
                tracing::error!("printing changes: {e:#}");
            }
        })
    });
    let stopping = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let served = crate::api::serve_with(listener, runtime.clone(), faults, stopping).await;
    if let Some(p) = printer {
        let _ = p.await;
    }
    served
}
