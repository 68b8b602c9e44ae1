//! The app loop: turns input into messages, hands reads to the [`Loader`] and
//! actions to tasks (the only place actions are performed, and `--read-only`
//! is checked, once), and draws. It never waits on the source: it sleeps
//! until input, a read's result, an action's outcome, a resize, or (only while
//! something runs or a read is slow) a tick.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::backend::Backend;
use ratatui::Terminal;

use super::loader::{Loaded, Loader};
use super::model::{ApiStatus, Cmd, Model, Msg};
use super::{update, view};
use crate::source::{Action, Outcome, Source};

/// At most 30 frames per second.
const FRAME: Duration = Duration::from_millis(33);
/// Elapsed times move once a second while a deployment runs.
const TICK: Duration = Duration::from_secs(1);
/// A read slower than this shows a spinner, which turns at this pace.
const SLOW: Duration = Duration::from_millis(250);

pub struct Options {
    pub read_only: bool,
    pub mouse: bool,
    pub api: ApiStatus,
    /// Open on this deployment's timeline: (application, group ID, deployment).
    pub start_at: Option<(String, String, String)>,
}

/// Everything that wakes the loop.
pub enum Wake {
    Msg(Msg),
    Loaded(Box<Loaded>),
    /// SIGTERM (or SIGINT from outside): quit and restore the terminal.
    Signal,
}

/// Runs the dashboard on the terminal until the user quits or `shutdown`
/// resolves. Reads and actions run on `handle`. Refuses to start without a terminal.
pub fn run(
    source: Arc<dyn Source>,
    handle: &tokio::runtime::Handle,
    shutdown: impl Future<Output = ()> + Send + 'static,
    opts: Options,
) -> anyhow::Result<()> {
    require_terminal()?;
    let info = source.info();
    let mut model = Model::new(info.mode, opts.api, opts.read_only, info.local);
    if let Some((app, group, deployment)) = opts.start_at {
        model.open_at(app, group, deployment);
    }
    let (tx, rx) = mpsc::channel();
    let terminal = ratatui::init();
    if opts.mouse {
        let _ = crossterm::execute!(std::io::stdout(), event::EnableMouseCapture);
        // ratatui's panic hook restores raw mode and the screen, not the mouse.
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
            restore(info);
        }));
    }
    spawn_input(tx.clone());
    let signal = tx.clone();
    handle.spawn(async move {
        shutdown.await;
        let _ = signal.send(Wake::Signal);
    });
    let mut app = App::new(source, handle.clone(), tx);
    let result = app.run(terminal, &mut model, &rx, &mut sync_draw);
    if opts.mouse {
        let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// Both ends are a terminal: the dashboard can draw and read keys.
pub fn has_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// The dashboard draws on a terminal; say what to run instead when there is none.
pub fn require_terminal() -> anyhow::Result<()> {
    if !has_terminal() {
        bail!(
            "the dashboard needs a terminal (stdin and stdout are not one). \
             To run the CodeDeploy API without it, use `codedeck serve`"
        );
    }
    Ok(())
}

fn spawn_input(tx: Sender<Wake>) {
    std::thread::spawn(move || loop {
        let msg = match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
            Ok(Event::Mouse(m)) => Msg::Mouse(m),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(Wake::Msg(msg)).is_err() {
            return;
        }
    });
}

/// One frame inside a synchronized update: terminals never show half a frame.
fn sync_draw<B: Backend>(terminal: &mut Terminal<B>, model: &Model) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    crossterm::queue!(out, BeginSynchronizedUpdate)?;
    terminal
        .draw(|f| view::view(model, f))
        .map_err(|e| anyhow::anyhow!("cannot draw: {e}"))?;
    crossterm::execute!(out, EndSynchronizedUpdate)?;
    Ok(())
}

/// The loop's state: the source, the loading task, and the reads in flight.
pub struct App {
    source: Arc<dyn Source>,
    handle: tokio::runtime::Handle,
    tx: Sender<Wake>,
    loader: Loader,
    /// When the read the model waits for was asked for.
    loading: Option<Instant>,
    /// When the last read was asked for.
    last_read: Instant,
}

impl App {
    pub fn new(source: Arc<dyn Source>, handle: tokio::runtime::Handle, tx: Sender<Wake>) -> App {
        let loader = Loader::spawn(&handle, source.clone(), tx.clone(), |l| {
            Wake::Loaded(Box::new(l))
        });
        App {
            source,
            handle,
            tx,
            loader,
            loading: None,
            last_read: Instant::now(),
        }
    }

    /// Runs until quit; `draw` puts one frame on `terminal`.
    pub fn run<B: Backend>(
        &mut self,
        mut terminal: Terminal<B>,
        model: &mut Model,
        rx: &Receiver<Wake>,
        draw: &mut dyn FnMut(&mut Terminal<B>, &Model) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let size = terminal
            .size()
            .map_err(|e| anyhow::anyhow!("cannot read the terminal size: {e}"))
            .context("starting the dashboard")?;
        model.size = (size.width, size.height);
        self.reload(model);
        let mut last_frame = Instant::now() - FRAME;
        loop {
            self.spin(model);
            update(model, Msg::Tick(Instant::now()));
            draw(&mut terminal, model)?;
            last_frame = pace(last_frame);
            let first = match self.wait_for(model) {
                Some(timeout) => match rx.recv_timeout(timeout) {
                    Ok(w) => Some(w),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                },
                None => match rx.recv() {
                    Ok(w) => Some(w),
                    Err(_) => return Ok(()),
                },
            };
            // A tick while something runs means: read again (time moved),
            // at most once a second; otherwise it only redraws the clock.
            let due = self.last_read.elapsed() >= TICK;
            let mut stale = first.is_none() && model.needs_tick() && self.loading.is_none() && due;
            update(model, Msg::Tick(Instant::now()));
            for wake in first.into_iter().chain(rx.try_iter()) {
                match self.handle_wake(model, wake) {
                    LoopNext::Quit => return Ok(()),
                    LoopNext::Reload => stale = true,
                    LoopNext::Nothing => {}
                }
            }
            if stale {
                self.reload(model);
            }
        }
    }

    /// How long the loop may sleep: until the spinner turns, a running
    /// deployment's times move, or the header clock's second changes; for
    /// ever when nothing moves (paused, or a clock-less screen).
    fn wait_for(&self, model: &Model) -> Option<Duration> {
        let spin = self.loading.map(|_| SLOW);
        let tick = model.needs_tick().then_some(TICK);
        let clock = model.until_next_second().map(|d| d.max(FRAME));
        [spin, tick, clock].into_iter().flatten().min()
    }

    /// Shows a spinner in the header while the awaited read is slow.
    fn spin(&self, model: &mut Model) {
        model.spinner = self
            .loading
            .map(|since| since.elapsed())
            .filter(|e| *e >= SLOW)
            .map(|e| (e.as_millis() / SLOW.as_millis()) as usize);
    }

    fn handle_wake(&mut self, model: &mut Model, wake: Wake) -> LoopNext {
        match wake {
            Wake::Signal => LoopNext::Quit,
            Wake::Loaded(loaded) => {
                // A read for a selection the user has already left is dropped.
                if !loaded.request.same_selection(&model.request()) {
                    return LoopNext::Nothing;
                }
                self.loading = None;
                let msg = match loaded.result {
                    Ok(d) => Msg::Data(Box::new(d)),
                    Err(e) => Msg::LoadFailed(e),
                };
                self.perform_all(model, msg)
            }
            Wake::Msg(msg) => self.perform_all(model, msg),
        }
    }

    fn perform_all(&mut self, model: &mut Model, msg: Msg) -> LoopNext {
        let mut step = LoopNext::Nothing;
        for cmd in update::update(model, msg) {
            match self.perform(model, cmd) {
                LoopNext::Quit => return LoopNext::Quit,
                LoopNext::Reload => step = LoopNext::Reload,
                LoopNext::Nothing => {}
            }
        }
        step
    }

    fn perform(&mut self, model: &Model, cmd: Cmd) -> LoopNext {
        match cmd {
            Cmd::Quit => LoopNext::Quit,
            Cmd::Reload => LoopNext::Reload,
            Cmd::Copy(text) => {
                copy(&text);
                LoopNext::Nothing
            }
            Cmd::Find(what) => {
                let source = self.source.clone();
                let tx = self.tx.clone();
                self.handle.spawn(async move {
                    let found = source.find(what.clone()).await;
                    let _ = tx.send(Wake::Msg(Msg::Found(what, found)));
                });
                LoopNext::Nothing
            }
            Cmd::Output(q) => {
                let source = self.source.clone();
                let tx = self.tx.clone();
                self.handle.spawn(async move {
                    let got = source.script_output(q.clone()).await;
                    let _ = tx.send(Wake::Msg(Msg::Output(q, got)));
                });
                LoopNext::Nothing
            }
            Cmd::Act(action) => {
                let kind = action.kind();
                if let Err(refused) = permitted(model.read_only, &action) {
                    let _ = self.tx.send(Wake::Msg(Msg::Done(kind, Err(refused))));
                    return LoopNext::Nothing;
                }
                let source = self.source.clone();
                let tx = self.tx.clone();
                self.handle.spawn(async move {
                    let outcome = source.act(action).await;
                    let _ = tx.send(Wake::Msg(Msg::Done(kind, outcome)));
                });
                LoopNext::Nothing
            }
        }
    }

    fn reload(&mut self, model: &Model) {
        self.loading.get_or_insert_with(Instant::now);
        self.last_read = Instant::now();
        self.loader.request(model.request());
    }
}

/// What the app loop does after handling a wake.
enum LoopNext {
    Quit,
    Reload,
    Nothing,
}

/// The one place `--read-only` is enforced: actions that change deployments
/// or the world are refused (`ActionKind::changes_state`, one list).
pub fn permitted(read_only: bool, action: &Action) -> Result<(), String> {
    if read_only && action.kind().changes_state() {
        return Err(format!(
            "read-only: {} is disabled (started with --read-only)",
            action.kind().label()
        ));
    }
    Ok(())
}

/// The outcome of `action` on `source` after the read-only check, awaited
/// (for tests and tools that drive a model without the loop).
pub async fn dispatch(source: &dyn Source, read_only: bool, action: Action) -> Outcome {
    permitted(read_only, &action)?;
    source.act(action).await
}

/// Sleeps what is left of the frame budget, so bursts draw at most 30 fps.
fn pace(last: Instant) -> Instant {
    let since = last.elapsed();
    if since < FRAME {
        std::thread::sleep(FRAME - since);
    }
    Instant::now()
}

/// Copies to the clipboard through the terminal (OSC 52).
fn copy(text: &str) {
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
    let _ = out.flush();
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b"d-ABC"), "ZC1BQkM=");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
    }
}
