//! Running an event's appspec scripts as the agent does (reference §13.2):
//! in listed order, each in its own process group with stdin closed, its
//! output written line by line to `scripts.log`, killed at its timeout (TERM
//! to the group, KILL 5 s later), and failed when a child it left behind
//! keeps stdout or stderr open.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::appspec::Script;
use super::users;
use super::Failure;
use crate::model::time::{clock_time, date};
use crate::model::LifecycleErrorCode;

/// How long a timed-out group has between TERM and KILL (the 2.x agent's 5 s).
const KILL_GRACE: Duration = Duration::from_secs(5);
/// The longest line kept whole; longer output is split.
const MAX_LINE: u64 = 8192;

/// `scripts.log`, the agent's deployments log, and the tail sent with a failure.
pub struct ScriptLog {
    scripts: Option<File>,
    deployments: Option<File>,
    deployment_id: String,
    tail: VecDeque<String>,
    tail_bytes: usize,
    tail_limit: usize,
}

impl ScriptLog {
    pub fn open(
        scripts: &Path,
        deployments: &Path,
        deployment_id: &str,
        tail_limit: usize,
    ) -> ScriptLog {
        let open = |p: &Path| {
            p.parent().map(std::fs::create_dir_all);
            OpenOptions::new().create(true).append(true).open(p).ok()
        };
        ScriptLog {
            scripts: open(scripts),
            deployments: open(deployments),
            deployment_id: deployment_id.to_string(),
            tail: VecDeque::new(),
            tail_bytes: 0,
            tail_limit,
        }
    }

    /// One line in the agent's format: `YYYY-MM-DD HH:MM:SS <text>`.
    pub fn line(&mut self, text: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let stamp = format!("{} {}", date(now), clock_time(now));
        if let Some(f) = self.scripts.as_mut() {
            let _ = writeln!(f, "{stamp} {text}");
        }
        if let Some(f) = self.deployments.as_mut() {
            let _ = writeln!(f, "[{}]{stamp} {text}", self.deployment_id);
        }
    }

    fn output(&mut self, stream: &str, text: &str) {
        let entry = format!("[{stream}]{text}");
        self.line(&entry);
        let mut entry = entry + "\n";
        if entry.len() > self.tail_limit {
            let mut cut = entry.len() - self.tail_limit;
            while !entry.is_char_boundary(cut) {
                cut += 1;
            }
            entry = entry[cut..].to_string();
        }
        self.tail_bytes += entry.len();
        self.tail.push_back(entry);
        while self.tail_bytes > self.tail_limit {
            let Some(old) = self.tail.pop_front() else {
                break;
            };
            self.tail_bytes -= old.len();
        }
    }

    /// The newest output, at most the tail limit in bytes.
    pub fn tail(&self) -> String {
        self.tail.iter().map(String::as_str).collect()
    }
}

/// What the scripts see beyond codedeck's own environment.
pub struct ScriptEnv {
    pub vars: Vec<(String, String)>,
}

/// Runs `scripts` (one event's) from `archive`, stopping at the first failure.
pub async fn run_scripts(
    scripts: &[Script],
    archive: &Path,
    env: &ScriptEnv,
    log: &mut ScriptLog,
) -> Result<(), Failure> {
    for s in scripts {
        run_script(s, archive, env, log).await?;
    }
    Ok(())
}

fn fail(code: LifecycleErrorCode, s: &Script, message: String) -> Failure {
    Failure {
        code,
        script: s.location.clone(),
        message,
    }
}

/// "Script at specified location: <loc>[ run as user <u>]".
fn at(s: &Script) -> String {
    match &s.runas {
        Some(u) => format!(
            "Script at specified location: {} run as user {u}",
            s.location
        ),
        None => format!("Script at specified location: {}", s.location),
    }
}

/// The program and arguments that run a script, or why they cannot.
fn command_line(s: &Script, abs: &Path) -> Result<(PathBuf, Vec<String>), String> {
    let other_user = s.runas.as_ref().filter(|u| **u != users::me());
    let root = users::is_root();
    if let Some(u) = other_user.filter(|_| !root) {
        return Err(format!("{} needs root to run as user {u}, and codedeck runs as {} (the CodeDeploy agent runs as root). Run codedeck as root, or remove runas from the appspec.", at(s), users::me()));
    }
    if s.sudo && !root {
        return Err(format!("{} asks for sudo, and codedeck runs as {} without it (the CodeDeploy agent runs as root). Run codedeck as root, or remove sudo from the appspec.", at(s), users::me()));
    }
    Ok(match other_user {
        Some(u) => (
            "su".into(),
            vec![u.clone(), "-c".into(), abs.display().to_string()],
        ),
        None => (abs.to_path_buf(), Vec::new()),
    })
}

/// Makes a script executable as the agent does (`chmod +x`), or fails.
fn make_executable(s: &Script, abs: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let not_executable = || {
        fail(
            LifecycleErrorCode::ScriptNotExecutable,
            s,
            format!(
                "Unable to set script at specified location: {} as executable",
                s.location
            ),
        )
    };
    let mode = abs
        .metadata()
        .map_err(|_| not_executable())?
        .permissions()
        .mode();
    if mode & 0o111 == 0o111 {
        return Ok(());
    }
    std::fs::set_permissions(abs, std::fs::Permissions::from_mode(mode | 0o111))
        .map_err(|_| not_executable())
}

async fn run_script(
    s: &Script,
    archive: &Path,
    env: &ScriptEnv,
    log: &mut ScriptLog,
) -> Result<(), Failure> {
    let abs = archive.join(&s.location);
    log.line(&format!("Script - {}", s.location));
    if !abs.is_file() {
        return Err(fail(
            LifecycleErrorCode::ScriptMissing,
            s,
            format!(
                "Script does not exist at specified location: {}",
                abs.display()
            ),
        ));
    }
    make_executable(s, &abs)?;
    let child = spawn(s, &abs, env)?;
    let status = supervise(s, child, log).await?;
    if status.success() {
        return Ok(());
    }
    let code = status
        .code()
        .map_or_else(|| exit_signal(&status), |c| c.to_string());
    Err(fail(
        LifecycleErrorCode::ScriptFailed,
        s,
        format!("{} failed with exit code {code}", at(s)),
    ))
}

/// Starts a script in its own process group, stdin closed, outputs piped.
fn spawn(s: &Script, abs: &Path, env: &ScriptEnv) -> Result<Child, Failure> {
    let (program, args) =
        command_line(s, abs).map_err(|m| fail(LifecycleErrorCode::UnknownError, s, m))?;
    Command::new(&program)
        .args(&args)
        .envs(env.vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| {
            fail(
                LifecycleErrorCode::UnknownError,
                s,
                format!("{} could not be started: {e}", at(s)),
            )
        })
}

/// Logs a running script's output until it exits and its outputs close;
/// ends its group at the timeout, or when a child it left holds them open.
async fn supervise(
    s: &Script,
    mut child: Child,
    log: &mut ScriptLog,
) -> Result<ExitStatus, Failure> {
    let group = child.id().map(|pid| pid as i32);
    let (tx, mut rx) = mpsc::channel::<(&'static str, String)>(256);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, "stdout", tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, "stderr", tx.clone()));
    }
    drop(tx);
    let timeout = Duration::from_secs(s.timeout_secs);
    let deadline = Instant::now() + timeout;
    let status = loop {
        tokio::select! {
            Some((stream, line)) = rx.recv() => log.output(stream, &line),
            status = child.wait() => break status,
            _ = tokio::time::sleep_until(deadline) => {
                signal(group, libc::SIGTERM);
                if tokio::time::timeout(KILL_GRACE, child.wait()).await.is_err() {
                    signal(group, libc::SIGKILL);
                    let _ = child.wait().await;
                }
                drain(&mut rx, log);
                return Err(fail(LifecycleErrorCode::ScriptTimedOut, s, format!("{} failed to complete in {} seconds", at(s), s.timeout_secs)));
            }
        }
    };
    // The script is gone; what it left behind may still hold its outputs.
    let closed = tokio::time::timeout(timeout, async {
        while let Some((stream, line)) = rx.recv().await {
            log.output(stream, &line);
        }
    })
    .await;
    if closed.is_err() {
        // DECISION: the agent leaves such children running; codedeck ends
        // the group, so a test or a teaching session leaves nothing behind.
        signal(group, libc::SIGTERM);
        drain(&mut rx, log);
        return Err(fail(
            LifecycleErrorCode::UnknownError,
            s,
            format!("{} failed to close STDOUT/STDERR", at(s)),
        ));
    }
    status.map_err(|e| {
        fail(
            LifecycleErrorCode::UnknownError,
            s,
            format!("{} could not be waited for: {e}", at(s)),
        )
    })
}

fn exit_signal(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    status.signal().map_or_else(
        || "unknown".into(),
        |sig| format!("{} (killed by signal {sig})", 128 + sig),
    )
}

fn signal(group: Option<i32>, sig: i32) {
    if let Some(pgid) = group.filter(|g| *g > 0) {
        // SAFETY: kill(2) with a negative pid signals that process group; it
        // has no memory effects and an error only means the group is gone.
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

fn drain(rx: &mut mpsc::Receiver<(&'static str, String)>, log: &mut ScriptLog) {
    while let Ok((stream, line)) = rx.try_recv() {
        log.output(stream, &line);
    }
}

async fn read_lines<R: AsyncRead + Unpin>(
    out: R,
    stream: &'static str,
    tx: mpsc::Sender<(&'static str, String)>,
) {
    let mut reader = BufReader::new(out);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match (&mut reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut buf)
            .await
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf)
                    .trim_end_matches(['\n', '\r'])
                    .to_string();
                if tx.send((stream, line)).await.is_err() {
                    return;
                }
            }
        }
    }
}
