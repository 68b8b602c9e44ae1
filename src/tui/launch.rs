//! `codedeck` with no subcommand: opens the runtime, serves the API alongside
//! (or says in the header why not), and runs the dashboard over it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{self, Options};
use super::model::{ApiStatus, Msg};
use crate::cli::{self, DashboardArgs};
use crate::engine::world::Fleet;
use crate::runtime::{Runtime, RuntimeOptions, StateLocation};
use crate::source::demo;
use crate::source::local::LocalSource;
use crate::source::sim::SimSource;
use crate::source::Source;

/// The demo world's seed: the same world every time.
pub const DEMO_SEED: u64 = 7;

pub fn run(args: DashboardArgs) -> anyhow::Result<()> {
    let s = &args.serve;
    if !(s.speed.is_finite() && s.speed > 0.0) {
        bail!("--speed {}: must be a positive number", s.speed);
    }
    let addr = if args.no_api {
        None
    } else {
        Some(cli::listen_address(&s.listen, s.allow_remote)?)
    };
    let demo_file = args.demo.then(demo_path);
    let state = match &demo_file {
        Some(p) => StateLocation::Path(p.clone()),
        None => cli::state_location(s.state.as_deref())?,
    };
    let fleet = s.fleet.as_deref().map(cli::read_fleet).transpose()?;
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
            s.seed.unwrap_or_else(cli::random_seed)
        },
        fleet,
        speed: s.speed,
        strict: s.strict,
    })?;
    if args.demo {
        demo::seed(&mut runtime.clone());
    }
    let (api, stop) = start_api(&tokio, &runtime, addr);
    let source = LocalSource::new(runtime.clone());
    let result = if app::has_terminal() {
        app::run(
            Box::new(source),
            Options {
                read_only: args.read_only,
                mouse: args.mouse,
                api,
            },
        )
    } else {
        plain(&tokio, &source, &api)
    };
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
    let closed = runtime.shutdown();
    drop(_enter);
    tokio.shutdown_timeout(std::time::Duration::from_secs(2));
    if let Some(p) = demo_file {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
    result.and(closed)
}

/// No terminal: one line per change on stdout until SIGINT or SIGTERM.
fn plain(
    tokio: &tokio::runtime::Runtime,
    source: &LocalSource,
    api: &ApiStatus,
) -> anyhow::Result<()> {
    let api = match api {
        ApiStatus::Serving(a) => format!("API on http://{a}"),
        ApiStatus::Off => "API off".into(),
        ApiStatus::Busy(a) => format!("API off: {a} busy"),
    };
    eprintln!(
        "codedeck: no terminal, printing one line per change ({api}; SIGINT or SIGTERM stops)"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let signal = cli::shutdown_signal()?;
    let flag = stop.clone();
    tokio.spawn(async move {
        signal.await;
        flag.store(true, Ordering::SeqCst);
    });
    super::plain::run(source, &mut std::io::stdout().lock(), &stop)
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

/// The demo world on a fixed clock, as a source (snapshots, screenshot, benches).
pub fn demo_source() -> SimSource {
    let mut sim = SimSource::new(Fleet::sample(), DEMO_SEED);
    demo::seed(&mut sim);
    sim
}

/// Drives a model over `source` through `keys` and returns the final screen.
pub fn render(
    source: &mut dyn Source,
    model: &mut super::Model,
    width: u16,
    height: u16,
) -> anyhow::Result<ratatui::buffer::Buffer> {
    let data = source.load(&model.request())?;
    super::update(model, Msg::Resize(width, height));
    super::update(model, Msg::Data(Box::new(data)));
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    terminal.draw(|f| super::view(model, f))?;
    Ok(terminal.backend().buffer().clone())
}

/// Writes the README screenshot: the demo world's failed-and-rolled-back deployment.
pub fn screenshot(out: &Path) -> anyhow::Result<()> {
    let mut source = demo_source();
    let mut model = super::Model::new(
        source.mode(),
        ApiStatus::Serving(cli::DEFAULT_LISTEN.into()),
        false,
        true,
    );
    model.color = true;
    // web-shop, prod, the deployment before the newest (which is its rollback).
    let keys = "G\rjj\rj\r";
    for ch in keys.chars() {
        drive(&mut source, &mut model, ch)?;
    }
    let buf = render(&mut source, &mut model, 120, 40)?;
    std::fs::write(out, super::screenshot::svg(&buf))
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// Feeds one key to the model, performing its commands against `source` like the app loop.
pub fn drive(source: &mut dyn Source, model: &mut super::Model, ch: char) -> anyhow::Result<()> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let code = match ch {
        '\r' => KeyCode::Enter,
        '\x1b' => KeyCode::Esc,
        '\t' => KeyCode::Tab,
        c => KeyCode::Char(c),
    };
    let cmds = super::update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    for cmd in cmds {
        if let super::Cmd::Act(a) = cmd {
            let outcome = app::dispatch(source, model.read_only, &a);
            super::update(model, Msg::Done(outcome));
        }
        let data = source.load(&model.request())?;
        super::update(model, Msg::Data(Box::new(data)));
    }
    Ok(())
}
