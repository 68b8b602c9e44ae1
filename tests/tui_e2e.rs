//! End to end: the real `codedeck` binary in a pseudo-terminal (portable-pty),
//! its output parsed by a terminal emulator (vt100). Real keys go in, the
//! screen is read back, and after quitting the terminal must be restored:
//! alternate screen left, cursor shown, raw mode off.
//!
//! Every wait polls the screen against a generous deadline and nothing asserts
//! on timing, so a slow shared machine makes these tests slower, not flaky.

#![cfg(unix)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize, SlavePty};

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// How long any one thing may take to show up on a slow, shared machine.
const PATIENCE: Duration = Duration::from_secs(60);

const ENTER: &str = "\r";
const TAB: &str = "\t";
const RIGHT: &str = "\x1b[C";
const CTRL_C: &str = "\x03";
const ESC: &str = "\x1b";
const UP: &str = "\x1b[A";

/// What the terminal received: the emulated screen and every raw byte.
struct Output {
    parser: vt100::Parser,
    bytes: Vec<u8>,
}

/// `codedeck` running in a 120x40 pseudo-terminal.
struct Tui {
    out: Arc<Mutex<Output>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    /// Held until the child has exited, so the pty's settings stay readable.
    slave: Option<Box<dyn SlavePty + Send>>,
    reader: Option<JoinHandle<()>>,
    /// The pty's local modes before the child started (cooked).
    cooked_lflag: libc::tcflag_t,
}

impl Tui {
    fn spawn(args: &[&str], tmp: &Path) -> Tui {
        Tui::spawn_env(args, tmp, &[])
    }

    fn spawn_env(args: &[&str], tmp: &Path, env: &[(&str, &str)]) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_codedeck"));
        cmd.args(args);
        cmd.cwd(tmp);
        cmd.env("TERM", "xterm-256color");
        // The demo's throwaway state file goes under TMPDIR; keep it in ours.
        cmd.env("TMPDIR", tmp);
        cmd.env("HOME", tmp);
        cmd.env("XDG_DATA_HOME", tmp);
        cmd.env_remove("CODEDECK_STATE");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("RUST_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let cooked_lflag = lflag(pair.master.as_ref()).expect("termios before start");
        let child = pair.slave.spawn_command(cmd).expect("spawn codedeck");
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let out = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new(
                NonZeroU16::new(ROWS).expect("rows"),
                NonZeroU16::new(COLS).expect("cols"),
                0,
            ),
            bytes: Vec::new(),
        }));
        let sink = Arc::clone(&out);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        let mut o = sink.lock().expect("output lock");
                        o.parser.process(&buf[..n]);
                        o.bytes.extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Tui {
            out,
            writer,
            child,
            master: pair.master,
            slave: Some(pair.slave),
            reader: Some(reader),
            cooked_lflag,
        }
    }

    /// Types `keys` (raw bytes, as a terminal sends them).
    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// The screen as text, one line per row.
    fn text(&self) -> String {
        self.out
            .lock()
            .expect("output lock")
            .parser
            .screen()
            .contents()
    }

    /// Polls the screen until `pred` holds; panics with the screen after `PATIENCE`.
    fn wait<T>(&mut self, what: &str, mut pred: impl FnMut(&vt100::Screen) -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            {
                let o = self.out.lock().expect("output lock");
                if let Some(v) = pred(o.parser.screen()) {
                    return v;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // One last look: the frame may have arrived with the exit.
                std::thread::sleep(Duration::from_millis(200));
                let o = self.out.lock().expect("output lock");
                if let Some(v) = pred(o.parser.screen()) {
                    return v;
                }
                panic!(
                    "codedeck exited ({status:?}) while waiting for {what}; screen:\n{}",
                    o.parser.screen().contents()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {PATIENCE:?} waiting for {what}; screen:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` is on the screen.
    fn wait_text(&mut self, needle: &str) {
        self.wait(&format!("{needle:?}"), |s| {
            s.contents().contains(needle).then_some(())
        });
    }

    /// Waits for the process to end; its exit status.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "codedeck did not exit within {PATIENCE:?}; screen:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After exit: the pty settings are the cooked ones again, and once the
    /// output is drained, the screen and the bytes show a restored terminal.
    fn assert_restored(&mut self) {
        let now = lflag(self.master.as_ref()).expect("termios after exit");
        let modes = libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN;
        assert_eq!(
            now & modes,
            self.cooked_lflag & modes,
            "raw mode left on: local modes {now:#o}, before start {:#o}",
            self.cooked_lflag
        );
        // Closing our end of the slave lets the reader see the end of the output.
        drop(self.slave.take());
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader thread");
        }
        let o = self.out.lock().expect("output lock");
        let screen = o.parser.screen();
        assert!(
            !screen.alternate_screen(),
            "still on the alternate screen:\n{}",
            screen.contents()
        );
        assert!(!screen.hide_cursor(), "cursor left hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture left on"
        );
        let entered = rfind(&o.bytes, b"\x1b[?1049h").expect("entered the alternate screen");
        let after = &o.bytes[entered..];
        assert!(
            rfind(after, b"\x1b[?1049l").is_some(),
            "no bytes leaving the alternate screen after entering it"
        );
        assert!(
            rfind(after, b"\x1b[?25h").is_some(),
            "no bytes showing the cursor after entering the alternate screen"
        );
        // Nothing but the end of the session may follow the restore.
        let left = rfind(&o.bytes, b"\x1b[?1049l").expect("left the alternate screen");
        assert!(
            rfind(&o.bytes[left..], b"\x1b[?1049h").is_none(),
            "re-entered the alternate screen after leaving it"
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // A failed test must not leave a dashboard running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The pty's local mode flags (ICANON, ECHO, ...), read through the master.
fn lflag(master: &dyn MasterPty) -> Option<libc::tcflag_t> {
    let fd = master.as_raw_fd()?;
    // SAFETY: termios is plain data; tcgetattr fills it or fails.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is the open master of the pty for as long as `master` lives.
    (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t.c_lflag)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The screen's rows as text.
fn rows(s: &vt100::Screen) -> Vec<String> {
    s.rows(0, COLS).collect()
}

/// The row of the deployment list that shows `id`.
fn row_of(s: &vt100::Screen, id: &str) -> Option<String> {
    rows(s).into_iter().find(|r| r.contains(id))
}

/// Deployment IDs on the screen (`d-` and nine letters or digits).
fn ids(s: &vt100::Screen) -> Vec<String> {
    let text = s.contents();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("d-") {
        let cand: String = rest[i + 2..].chars().take(9).collect();
        if cand.len() == 9 && cand.chars().all(|c| c.is_ascii_alphanumeric()) {
            let id = format!("d-{cand}");
            if !out.contains(&id) {
                out.push(id);
            }
        }
        rest = &rest[i + 2..];
    }
    out
}

/// The ID in the flash line `✔ created d-XXXXXXXXX`.
fn created_id(s: &vt100::Screen) -> Option<String> {
    let text = s.contents();
    let at = text.find("created d-")?;
    let id: String = text[at + "created ".len()..].chars().take(11).collect();
    (id.len() == 11).then_some(id)
}

/// Where `needle` starts on the screen, by cells.
fn find(s: &vt100::Screen, needle: &str) -> Option<(u16, u16)> {
    let want: Vec<char> = needle.chars().collect();
    for row in 0..ROWS {
        let cells: Vec<String> = (0..COLS)
            .map(|c| {
                // A cell never written (cleared) reads as a space.
                match s.cell(row, c).map(|cell| cell.contents()) {
                    Some("") | None => " ".to_string(),
                    Some(text) => text.to_string(),
                }
            })
            .collect();
        'col: for col in 0..COLS as usize {
            for (k, ch) in want.iter().enumerate() {
                let Some(cell) = cells.get(col + k) else {
                    continue 'col;
                };
                if cell.chars().eq(std::iter::once(*ch)) {
                    continue;
                }
                continue 'col;
            }
            return Some((row, col as u16));
        }
    }
    None
}

/// True when the button labelled `label` is drawn focused (reversed).
fn focused(s: &vt100::Screen, label: &str) -> Option<bool> {
    let (row, col) = find(s, &format!("[ {label}"))?;
    s.cell(row, col).map(|c| c.inverse())
}

fn demo_args(speed: &str) -> Vec<String> {
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fleet.toml");
    ["--demo", "--no-api", "--speed", speed, "--fleet", fleet]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The demo world: create a deployment with the form and watch it succeed;
/// create another, stop it with roll back on and watch the rollback appear;
/// quit with q and find the terminal restored.
#[test]
fn create_succeeds_stop_rolls_back_quit_restores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = demo_args("60");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut tui = Tui::spawn(&args, tmp.path());

    tui.wait_text("Applications[3]");
    tui.wait("the alternate screen", |s| {
        s.alternate_screen().then_some(())
    });
    tui.wait("the mouse left alone (no --mouse)", |s| {
        (s.mouse_protocol_mode() == vt100::MouseProtocolMode::None).then_some(())
    });
    // web-shop is the last application; prod its third group (api, blue-green, prod, staging).
    tui.press("G");
    tui.wait("web-shop selected", |s| {
        focused_row(s, "web-shop").then_some(())
    });
    tui.press(ENTER);
    tui.wait_text("Groups(web-shop)[4]");
    tui.press("jj");
    tui.wait("prod selected", |s| focused_row(s, "prod ").then_some(()));
    tui.press(ENTER);
    tui.wait_text("Deployments(web-shop/prod)[4]");

    // 1. Create through the form: it opens at the top (the group), on the
    // group's revision, with the configs of its platform; Create is not focused.
    tui.press("n");
    tui.wait_text("New deployment of web-shop");
    tui.wait_text("Revision: demo-artifacts/web-v2.zip");
    tui.wait_text("3 to choose from");
    tui.wait("the group focused", |s| {
        focused_row(s, "◂ prod ▸").then_some(())
    });
    assert!(
        !tui.wait("the form's buttons", |s| focused(s, "Create deployment")),
        "Create must not be focused when the form opens"
    );
    // Group -> revision -> config -> description -> rollback -> Cancel -> Create.
    tui.press(&TAB.repeat(6));
    tui.wait("Create focused", |s| {
        focused(s, "Create deployment").filter(|f| *f)
    });
    tui.press(ENTER);
    // The new deployment opens on its timeline; esc lists it in its group.
    let first = tui.wait("the created deployment's ID", created_id);
    tui.wait_text(&format!("Deployment({first})"));
    tui.wait(&format!("{first} to succeed"), |s| {
        s.contents()
            .contains("✔ Succeeded  web-shop/prod")
            .then_some(())
    });
    tui.press(ESC);
    tui.wait_text("Deployments(web-shop/prod)[5]");
    tui.wait(&format!("{first} listed as succeeded"), |s| {
        row_of(s, &first)
            .filter(|r| r.contains("✔ Succeeded"))
            .map(|_| ())
    });

    // 2. Pause the clock so the next one stays in progress while we stop it.
    tui.press(" ");
    tui.wait_text("PAUSED");
    tui.press("n");
    tui.wait_text("New deployment of web-shop");
    tui.press(&TAB.repeat(6));
    tui.wait("Create focused", |s| {
        focused(s, "Create deployment").filter(|f| *f)
    });
    tui.press(ENTER);
    let second = tui.wait("the second deployment's ID", |s| {
        created_id(s).filter(|id| *id != first)
    });
    tui.wait_text(&format!("Deployment({second})"));
    tui.press(ESC);
    tui.wait(&format!("{second} in progress"), |s| {
        row_of(s, &second)
            .filter(|r| r.contains("◌ InProgress"))
            .map(|_| ())
    });
    let known = tui.wait("the list", |s| Some(ids(s)));

    // Stop: Cancel is the default; toggle roll back; move to the stop button.
    tui.press("X");
    tui.wait_text(&format!("Stop {second}?"));
    let cancel = tui.wait("the confirmation's buttons", |s| focused(s, "Cancel"));
    assert!(cancel, "Cancel must be focused when the confirmation opens");
    assert!(
        !tui.wait("the stop button", |s| focused(s, &format!("Stop {second}"))),
        "the stop button must not be focused when the confirmation opens"
    );
    tui.wait_text("[ ] roll back");
    tui.press("r");
    tui.wait_text("[x] roll back");
    tui.press(RIGHT);
    tui.wait("the stop button focused", |s| {
        focused(s, &format!("Stop {second}")).filter(|f| *f)
    });
    tui.press(ENTER);
    tui.wait_text(&format!("stop {second}"));
    // Resume: the stop completes and CodeDeploy creates the rollback deployment.
    tui.press(" ");
    tui.wait(&format!("{second} stopped"), |s| {
        row_of(s, &second)
            .filter(|r| r.contains("■ Stopped"))
            .map(|_| ())
    });
    let rollback = tui.wait("a rollback deployment", |s| {
        rows(s).into_iter().find_map(|r| {
            let id = r.split_whitespace().find(|w| w.starts_with("d-"))?;
            (r.contains("codeDeployRollback") && !known.iter().any(|k| k == id))
                .then(|| id.to_string())
        })
    });
    assert_ne!(rollback, second);
    tui.wait_text("Deployments(web-shop/prod)[7]");

    // 3. Quit with q.
    tui.press("q");
    let status = tui.wait_exit();
    assert!(status.success(), "codedeck exited with {status:?}");
    tui.assert_restored();
}

/// The list row containing `name` is the highlighted one.
fn focused_row(s: &vt100::Screen, name: &str) -> bool {
    find(s, name)
        .and_then(|(row, col)| s.cell(row, col))
        .is_some_and(|c| c.inverse())
}

/// ctrl-c quits from anywhere, even with a popup open, and restores the
/// terminal, mouse capture (`--mouse`) included.
#[test]
fn ctrl_c_quits_and_restores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state.db");
    let state = state.to_str().expect("utf-8 path");
    let mut tui = Tui::spawn(
        &[
            "--state",
            state,
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "60",
            "--mouse",
        ],
        tmp.path(),
    );
    tui.wait_text("Applications[0]");
    tui.wait_text("API http://127.0.0.1:");
    tui.wait("the alternate screen", |s| {
        s.alternate_screen().then_some(())
    });
    tui.wait("the cursor hidden", |s| s.hide_cursor().then_some(()));
    tui.wait("mouse capture (--mouse)", |s| {
        (s.mouse_protocol_mode() != vt100::MouseProtocolMode::None).then_some(())
    });
    tui.press("?");
    tui.wait_text("Keys (esc closes");
    tui.press(CTRL_C);
    let status = tui.wait_exit();
    assert!(status.success(), "codedeck exited with {status:?}");
    tui.assert_restored();
    assert!(Path::new(state).exists(), "the state file was not created");
}

/// Raw mode is really on while the dashboard runs (so the restore check means something).
#[test]
fn raw_mode_while_running() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state.db");
    let state = state.to_str().expect("utf-8 path");
    let mut tui = Tui::spawn(&["--state", state, "--no-api"], tmp.path());
    tui.wait_text("API off");
    let running = lflag(tui.master.as_ref()).expect("termios while running");
    assert_eq!(running & libc::ICANON, 0, "canonical mode on while running");
    assert_eq!(running & libc::ECHO, 0, "echo on while running");
    assert_ne!(
        tui.cooked_lflag & libc::ICANON,
        0,
        "pty was not cooked before"
    );
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

/// SIGTERM (a closing CI runner, `kill`) also quits cleanly and restores the terminal.
#[test]
fn sigterm_quits_and_restores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state.db");
    let state = state.to_str().expect("utf-8 path");
    let mut tui = Tui::spawn(&["--state", state, "--no-api"], tmp.path());
    tui.wait_text("Applications[0]");
    tui.wait("the alternate screen", |s| {
        s.alternate_screen().then_some(())
    });
    let pid = tui.child.process_id().expect("pid");
    let pid = libc::pid_t::try_from(pid).expect("pid");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tui.wait_exit();
    assert!(status.success(), "codedeck exited with {status:?}");
    tui.assert_restored();
}

/// `:` on a real terminal: an ID read off one screen, typed from the first
/// screen, opens its timeline; `:failed` lists failures of every
/// application; ↑ recalls; esc cancels.
#[test]
fn colon_goes_anywhere_from_the_first_screen() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = demo_args("1");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut tui = Tui::spawn(&args, tmp.path());
    tui.wait_text("Applications[3]");
    tui.wait_text(": go");
    // Read the failed deployment's ID in web-shop/prod, then go home.
    tui.press("G");
    tui.wait("web-shop selected", |s| {
        focused_row(s, "web-shop").then_some(())
    });
    tui.press(ENTER);
    tui.wait_text("Groups(web-shop)[4]");
    tui.press("jj");
    tui.wait("prod selected", |s| focused_row(s, "prod ").then_some(()));
    tui.press(ENTER);
    let failed = tui.wait("the failed deployment", |s| {
        let row = rows(s).into_iter().find(|r| r.contains("✖ Failed"))?;
        row.split_whitespace()
            .find(|w| w.starts_with("d-"))
            .map(String::from)
    });
    tui.press(ESC);
    tui.wait_text("Groups(web-shop)");
    tui.press(ESC);
    tui.wait_text("Applications[3]");
    // Type it after `:`.
    tui.press(":");
    tui.wait_text("failed, running · Tab · ↑ · esc");
    tui.press(&failed);
    tui.press(ENTER);
    tui.wait_text(&format!("Deployment({failed})"));
    tui.wait_text("✖ Failed  web-shop/prod");
    // :failed from there: every application's failures, each with its place.
    tui.press(":failed");
    tui.press(ENTER);
    tui.wait_text("Deployments(failed · every application)");
    tui.wait(&format!("{failed} listed with its place"), |s| {
        row_of(s, &failed)
            .filter(|r| r.contains("web-shop/prod"))
            .map(|_| ())
    });
    // ↑ recalls the last entry; esc cancels without going anywhere.
    tui.press(":");
    tui.press(UP);
    tui.wait_text(":failed█");
    tui.press(ESC);
    tui.wait("the command line closed", |s| {
        (!s.contents().contains(":failed█")).then_some(())
    });
    assert!(tui
        .text()
        .contains("Deployments(failed · every application)"));
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

/// The demo's throwaway state files in `dir` (the state file, -wal, -shm, .lock).
fn demo_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read tmp")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("codedeck-demo-"))
        .collect()
}

/// Every way out removes the demo's throwaway state file and its companions:
/// the terminal closing (SIGHUP), SIGTERM, SIGINT from outside, and `q`.
#[test]
fn every_way_out_removes_the_demo_state() {
    for how in ["SIGHUP", "SIGTERM", "SIGINT", "q"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let args = demo_args("1");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut tui = Tui::spawn(&args, tmp.path());
        tui.wait_text("Applications[3]");
        assert!(
            !demo_files(tmp.path()).is_empty(),
            "the demo state is in TMPDIR while it runs"
        );
        let signal = match how {
            "SIGHUP" => Some(libc::SIGHUP),
            "SIGTERM" => Some(libc::SIGTERM),
            "SIGINT" => Some(libc::SIGINT),
            _ => None,
        };
        match signal {
            Some(sig) => {
                let pid = tui.child.process_id().expect("pid");
                let pid = libc::pid_t::try_from(pid).expect("pid");
                // SAFETY: sending a signal to our own child process.
                assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
            }
            None => tui.press(how),
        }
        let status = tui.wait_exit();
        assert!(status.success(), "{how}: codedeck exited with {status:?}");
        assert_eq!(
            demo_files(tmp.path()),
            Vec::<String>::new(),
            "{how} left them"
        );
    }
}

/// `codedeck aws --endpoint-url` on a real terminal: the dashboard reads
/// another codedeck through the AWS SDK, says who it reads and what it
/// costs, explains the keys that only the local engine has, and restores the
/// terminal on quit.
#[test]
fn the_dashboard_on_a_codedeploy_endpoint() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("codedeck serve");
    let mut first = String::new();
    std::io::BufReader::new(serve.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("address line");
    let url = first.trim().to_string();
    let mut tui = Tui::spawn_env(
        &["aws", "--endpoint-url", &url],
        tmp.path(),
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    tui.wait_text(&format!("aws {url} us-east-1"));
    tui.wait_text("web-shop");
    tui.wait("no clock speed for AWS", |s| {
        (!s.contents().contains("▶ 1x")).then_some(())
    });
    tui.wait_text("calls/min");
    tui.press("\r");
    tui.wait_text("Groups(checkout-fn)[1]");
    tui.press("a");
    tui.wait_text("alarms are switches only on the local engine");
    tui.press("q");
    let status = tui.wait_exit();
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(status.success(), "codedeck aws exited with {status:?}");
    tui.assert_restored();
}

/// A teacher's run of the `batches` lesson on a real terminal: it opens on
/// the deployment, paused, with the first caption; the step key walks it to
/// the end; the captions and the final why-line are read off the screen;
/// `,` goes back a step (the lesson replayed) and `.` forward again.
#[test]
fn the_batches_lesson_steps_to_its_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut tui = Tui::spawn(&["lesson", "batches"], tmp.path());
    tui.wait_text("Batches: The deployment is created");
    tui.wait_text("PAUSED");
    tui.wait_text("Deployment(d-");
    let mut seen = Vec::new();
    for _ in 0..400 {
        let screen = tui.text();
        for caption in [
            "A batch runs",
            "DownloadBundle: the agent",
            "ValidateService: each host",
        ] {
            if screen.contains(caption) && !seen.contains(&caption) {
                seen.push(caption);
            }
        }
        if screen.contains("Succeeded anyway") {
            break;
        }
        tui.press(".");
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    tui.wait_text("Succeeded anyway: one host failed");
    tui.wait_text("Why     Succeeded: 3 of 4 hosts healthy, minimum 2 (Half at a time)");
    assert!(seen.len() >= 2, "captions on the way: {seen:?}");
    tui.press(",");
    tui.wait_text("back at step");
    tui.wait_text("ValidateService: each host checks itself");
    tui.wait_text("◌ InProgress");
    tui.press(".");
    tui.wait_text("Succeeded anyway: one host failed");
    tui.press("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    tui.assert_restored();
}
