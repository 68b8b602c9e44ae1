//! `codedeck` with no subcommand: opens the runtime, serves the API alongside
//! (or says in the header why not), and runs the dashboard over it; without a
//! terminal, one line per change instead.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};

use super::DashboardArgs;
use super::{
    listen_address, random_seed, read_fleet, shutdown_signal, state_location, terminal_signal,
};
use crate::demo::{self, DEMO_SEED};
use crate::runtime::{Runtime, RuntimeOptions, StateLocation};
use crate::source::local::LocalSource;
use crate::tui::app::{self, Options};
use crate::tui::ApiStatus;
use crate::watch::follow::follow;
use crate::watch::lines::Style;

pub fn run(args: DashboardArgs) -> anyhow::Result<()> {
    let s = &args.serve;
    if !(s.speed.is_finite() && s.speed > 0.0) {
        bail!("--speed {}: must be a positive number", s.speed);
    }
    let addr = if args.no_api {
        None
    } else {
        Some(listen_address(&s.listen, s.allow_remote)?)
    };
    // Removed however the dashboard ends (q, a signal, an error, a panic):
    // dropped last, after the runtime has closed the file.
    let demo_file = args.demo.then(|| DemoFile(demo_path()));
    let state = match &demo_file {
        Some(p) => StateLocation::Path(p.0.clone()),
        None => state_location(s.state.as_deref())?,
    };
    let fleet = s.fleet.as_deref().map(read_fleet).transpose()?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let _enter = tokio.enter();
    let runtime = Runtime::open(RuntimeOptions {
        state,
        seed: if args.demo {
            DEMO_SEED
        } else {
            s.seed.unwrap_or_else(random_seed)
        },
        fleet,
        speed: s.speed,
        strict: s.strict,
        clock: Default::default(),
        agent: s.agent_options()?,
    })?;
    if args.demo {
        demo::seed(&runtime);
    }
    let (api, stop) = start_api(&tokio, &runtime, addr);
    let source = Arc::new(LocalSource::new(runtime.clone()));
    let result = if app::has_terminal() {
        let opts = Options {
            read_only: args.read_only,
            mouse: args.mouse,
            api,
            start_at: None,
        };
        terminal_signal().and_then(|signal| app::run(source, tokio.handle(), signal, opts))
    } else {
        plain(&tokio, source.as_ref(), &api)
    };
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
    let closed = runtime.shutdown();
    drop(_enter);
    tokio.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(demo_file);
    result.and(closed)
}

/// The demo's throwaway state file: it and SQLite's companions are removed
/// when this is dropped.
struct DemoFile(PathBuf);

impl Drop for DemoFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// No terminal: one line per change on stdout until SIGINT or SIGTERM.
fn plain(
    tokio: &tokio::runtime::Runtime,
    source: &LocalSource,
    api: &ApiStatus,
) -> anyhow::Result<()> {
    let api = match api {
        ApiStatus::Serving(a) => format!("API on http://{a}"),
        ApiStatus::Off | ApiStatus::Remote => "API off".into(),
        ApiStatus::Busy(a) => format!("API off: {a} busy"),
    };
    eprintln!(
        "codedeck: no terminal, printing one line per change ({api}; SIGINT or SIGTERM stops)"
    );
    let signal = shutdown_signal()?;
    let mut out = std::io::stdout();
    let style = Style {
        json: false,
        color: false,
    };
    tokio.block_on(follow(source, &mut out, style, signal))
}

fn demo_path() -> PathBuf {
    std::env::temp_dir().join(format!("codedeck-demo-{}.db", std::process::id()))
}

/// Binds and serves the API; a busy port leaves the dashboard running without it.
fn start_api(
    tokio: &tokio::runtime::Runtime,
    runtime: &Runtime,
    addr: Option<SocketAddr>,
) -> (ApiStatus, Option<tokio::sync::oneshot::Sender<()>>) {
    let Some(addr) = addr else {
        return (ApiStatus::Off, None);
    };
    let listener = match tokio.block_on(crate::api::bind(addr)) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("API not served: {e:#}");
            return (ApiStatus::Busy(addr.to_string()), None);
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let rt = runtime.clone();
    tokio.spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        if let Err(e) = crate::api::serve(listener, rt, stop).await {
            tracing::error!("API server: {e:#}");
        }
    });
    (ApiStatus::Serving(local.to_string()), Some(tx))
}
