//! The dashboard never waits on its source: the app loop, on a test
//! terminal, answers keys and draws frames while a read is held up, shows a
//! spinner for a slow read, and keeps the last good data when a read fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codedeck::model::ComputePlatform;
use codedeck::source::{Action, AppRow, Data, Outcome, Pending, Request, Source, SourceInfo};
use codedeck::tui::app::{App, Wake};
use codedeck::tui::model::Popup;
use codedeck::tui::{ApiStatus, Model, Msg};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::{watch, Semaphore};

fn data(apps: &[&str]) -> Data {
    Data {
        speed: 1.0,
        apps: apps
            .iter()
            .map(|a| AppRow {
                name: a.to_string(),
                platform: ComputePlatform::Server,
                groups: 1,
                last: None,
            })
            .collect(),
        ..Default::default()
    }
}

/// Reads wait until the test lets them through (at least two seconds, as a
/// slow network would); the first read may pass at once.
struct Slow {
    gate: Semaphore,
    done: AtomicUsize,
}

impl Source for Slow {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            mode: "slow".into(),
            local: false,
        }
    }
    fn load(&self, _: Request) -> Pending<'_, anyhow::Result<Data>> {
        Box::pin(async move {
            let started = Instant::now();
            let permit = self.gate.acquire().await?;
            permit.forget();
            if let Some(rest) = Duration::from_secs(2).checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            self.done.fetch_add(1, Ordering::SeqCst);
            Ok(data(&["one", "two", "three"]))
        })
    }
    fn act(&self, _: Action) -> Pending<'_, Outcome> {
        Box::pin(async { Ok(String::new()) })
    }
    fn changes(&self) -> Option<watch::Receiver<u64>> {
        None
    }
}

/// The first read succeeds, every later one fails.
struct Failing {
    reads: AtomicUsize,
}

impl Source for Failing {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            mode: "flaky".into(),
            local: false,
        }
    }
    fn load(&self, _: Request) -> Pending<'_, anyhow::Result<Data>> {
        Box::pin(async move {
            match self.reads.fetch_add(1, Ordering::SeqCst) {
                0 => Ok(data(&["one", "two"])),
                _ => anyhow::bail!("connection refused"),
            }
        })
    }
    fn act(&self, _: Action) -> Pending<'_, Outcome> {
        Box::pin(async { Ok(String::new()) })
    }
    fn changes(&self) -> Option<watch::Receiver<u64>> {
        None
    }
}

/// What one drawn frame showed.
#[derive(Debug, Clone)]
struct Frame {
    help: bool,
    spinner: bool,
    apps: usize,
    selected: usize,
    header: String,
}

/// The frames the loop has drawn so far.
type Frames = Arc<Mutex<Vec<Frame>>>;
type Running = std::thread::JoinHandle<anyhow::Result<()>>;

/// Runs the app loop on a 100x30 test terminal in a thread; the sender that
/// feeds it keys, the frames it draws, and the thread.
fn start(source: Arc<dyn Source>, rt: &tokio::runtime::Runtime) -> (Sender<Wake>, Frames, Running) {
    let (tx, rx) = mpsc::channel();
    let frames = Arc::new(Mutex::new(Vec::new()));
    let seen = frames.clone();
    let handle = rt.handle().clone();
    let app_tx = tx.clone();
    let thread = std::thread::spawn(move || {
        let info = source.info();
        let mut model = Model::new(info.mode, ApiStatus::Off, false, info.local);
        let mut app = App::new(source, handle, app_tx);
        let terminal = Terminal::new(TestBackend::new(100, 30))?;
        let mut draw = |t: &mut Terminal<TestBackend>, m: &Model| -> anyhow::Result<()> {
            t.draw(|f| codedeck::tui::view(m, f))?;
            let buf = t.backend().buffer();
            let header: String = (0..buf.area.width).map(|x| buf[(x, 0)].symbol()).collect();
            seen.lock().expect("frames").push(Frame {
                help: matches!(m.popup, Some(Popup::Help)),
                spinner: m.spinner.is_some(),
                apps: m.data.apps.len(),
                selected: m.apps.selected,
                header,
            });
            Ok(())
        };
        app.run(terminal, &mut model, &rx, &mut draw)
    });
    (tx, frames, thread)
}

fn key(c: char) -> Wake {
    Wake::Msg(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

/// Waits (up to a minute: the machine may be busy) for a frame that passes.
fn frame_where(frames: &Mutex<Vec<Frame>>, what: &str, pred: impl Fn(&Frame) -> bool) -> Frame {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(f) = frames.lock().expect("frames").iter().find(|f| pred(f)) {
            return f.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no frame {what}: {:?}",
            frames.lock().expect("frames").last()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn keys_and_frames_go_on_while_a_read_is_held_up() {
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let slow = Arc::new(Slow {
        gate: Semaphore::new(0),
        done: AtomicUsize::new(0),
    });
    let (tx, frames, thread) = start(slow.clone(), &rt);
    // The first read is held: help opens and closes, frames are drawn.
    tx.send(key('?')).expect("send");
    frame_where(&frames, "with help open", |f| f.help);
    frame_where(&frames, "with the spinner", |f| f.spinner);
    tx.send(key('?')).expect("send");
    frame_where(&frames, "with help closed again", |f| !f.help && f.spinner);
    assert_eq!(
        slow.done.load(Ordering::SeqCst),
        0,
        "no read finished meanwhile"
    );
    // Let it through: the data arrives and the spinner goes.
    slow.gate.add_permits(1);
    frame_where(&frames, "with the data", |f| f.apps == 3 && !f.spinner);
    // The next read (after a selection change) is held too: the cursor still moves.
    tx.send(key('j')).expect("send");
    frame_where(&frames, "with the cursor moved", |f| f.selected == 1);
    tx.send(key('q')).expect("send");
    let ended = thread.join().expect("the loop does not panic");
    ended.expect("the loop ends cleanly");
    slow.gate.add_permits(100);
}

#[test]
fn a_failed_read_shows_the_error_and_keeps_the_data() {
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let source = Arc::new(Failing {
        reads: AtomicUsize::new(0),
    });
    let (tx, frames, thread) = start(source.clone(), &rt);
    frame_where(&frames, "with the first data", |f| f.apps == 2);
    // Enter opens the application: a new read, which fails.
    tx.send(Wake::Msg(Msg::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))))
    .expect("send");
    let f = frame_where(&frames, "with the error", |f| {
        f.header.contains("connection refused")
    });
    assert_eq!(f.apps, 2, "the last good data stays");
    assert!(f.header.contains('⚠'), "{}", f.header);
    // It is retried on its own (with backoff), and the loop keeps answering.
    let deadline = Instant::now() + Duration::from_secs(60);
    while source.reads.load(Ordering::SeqCst) < 3 {
        assert!(Instant::now() < deadline, "the failed read was not retried");
        std::thread::sleep(Duration::from_millis(20));
    }
    tx.send(key('q')).expect("send");
    thread.join().expect("no panic").expect("clean end");
}
