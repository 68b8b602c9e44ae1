//! The app loop: the only place that performs actions against the Source (and
//! checks `--read-only`, once), reads data, and draws. It sleeps until input,
//! a change from the source, a resize, or (only while something runs) a 1 s tick.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::DefaultTerminal;

use super::model::{ApiStatus, Cmd, Model, Msg};
use super::{update, view};
use crate::source::{Action, Source};

/// At most 30 frames per second.
const FRAME: Duration = Duration::from_millis(33);
/// Elapsed times move once a second while a deployment runs.
const TICK: Duration = Duration::from_secs(1);

pub struct Options {
    pub read_only: bool,
    pub mouse: bool,
    pub api: ApiStatus,
}

enum Wake {
    Msg(Msg),
    Changed,
    /// SIGTERM (or SIGINT from outside): quit and restore the terminal.
    Signal,
}

/// Runs the dashboard until the user quits. Refuses to start without a terminal.
pub fn run(mut source: Box<dyn Source>, opts: Options) -> anyhow::Result<()> {
    require_terminal()?;
    let mut model = Model::new(source.mode(), opts.api, opts.read_only, source.is_local());
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
    spawn_signals(tx.clone());
    if let Some(changes) = source.changes() {
        spawn_changes(changes, tx);
    }
    let result = run_loop(terminal, source.as_mut(), &mut model, &rx);
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

/// Forwards SIGTERM/SIGINT to the loop so the terminal is restored, when an
/// async runtime is there to listen (the launcher enters one).
fn spawn_signals(tx: Sender<Wake>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let Ok(signal) = crate::cli::shutdown_signal() else {
        return;
    };
    handle.spawn(async move {
        signal.await;
        let _ = tx.send(Wake::Signal);
    });
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

/// Forwards the source's change counter; the loop coalesces bursts.
fn spawn_changes(mut changes: tokio::sync::watch::Receiver<u64>, tx: Sender<Wake>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
            return;
        };
        rt.block_on(async move {
            while changes.changed().await.is_ok() {
                if tx.send(Wake::Changed).is_err() {
                    return;
                }
            }
        });
    });
}

fn run_loop(
    mut terminal: DefaultTerminal,
    source: &mut dyn Source,
    model: &mut Model,
    rx: &Receiver<Wake>,
) -> anyhow::Result<()> {
    let size = terminal.size().context("cannot read the terminal size")?;
    model.size = (size.width, size.height);
    reload(source, model);
    let mut last_frame = Instant::now() - FRAME;
    loop {
        draw(&mut terminal, model)?;
        last_frame = pace(last_frame);
        let first = if model.needs_tick() {
            match rx.recv_timeout(TICK) {
                Ok(w) => Some(w),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        } else {
            match rx.recv() {
                Ok(w) => Some(w),
                Err(_) => return Ok(()),
            }
        };
        // A tick or a change means: read again. Drain everything pending first.
        let mut stale = first.is_none();
        for wake in first.into_iter().chain(rx.try_iter()) {
            match wake {
                Wake::Changed => stale = true,
                Wake::Signal => return Ok(()),
                Wake::Msg(msg) => {
                    for cmd in update::update(model, msg) {
                        match perform(source, model, cmd) {
                            Step::Quit => return Ok(()),
                            Step::Reload => stale = true,
                            Step::Nothing => {}
                        }
                    }
                }
            }
        }
        if stale {
            reload(source, model);
        }
    }
}

/// Sleeps what is left of the frame budget, so bursts draw at most 30 fps.
fn pace(last: Instant) -> Instant {
    let since = last.elapsed();
    if since < FRAME {
        std::thread::sleep(FRAME - since);
    }
    Instant::now()
}

fn draw(terminal: &mut DefaultTerminal, model: &Model) -> anyhow::Result<()> {
    // One synchronized update per frame: terminals never show half a frame.
    let mut out = std::io::stdout();
    crossterm::queue!(out, BeginSynchronizedUpdate)?;
    terminal.draw(|f| view::view(model, f))?;
    crossterm::execute!(out, EndSynchronizedUpdate)?;
    Ok(())
}

enum Step {
    Quit,
    Reload,
    Nothing,
}

fn perform(source: &mut dyn Source, model: &mut Model, cmd: Cmd) -> Step {
    match cmd {
        Cmd::Quit => Step::Quit,
        Cmd::Reload => Step::Reload,
        Cmd::Copy(text) => {
            copy(&text);
            Step::Nothing
        }
        Cmd::Act(action) => {
            let outcome = dispatch(source, model.read_only, &action);
            for c in update::update(model, Msg::Done(outcome)) {
                if c == Cmd::Quit {
                    return Step::Quit;
                }
            }
            Step::Reload
        }
    }
}

/// The one place `--read-only` is enforced.
pub fn dispatch(
    source: &mut dyn Source,
    read_only: bool,
    action: &Action,
) -> crate::source::Outcome {
    if read_only && action.changes_state() {
        return Err("read-only: changes are disabled (started with --read-only)".into());
    }
    source.act(action)
}

fn reload(source: &dyn Source, model: &mut Model) {
    let msg = match source.load(&model.request()) {
        Ok(d) => Msg::Data(Box::new(d)),
        Err(e) => Msg::LoadFailed(format!("{e:#}")),
    };
    update::update(model, msg);
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
