//! The command line, and the wiring at the top: `codedeck` (the dashboard,
//! with the API alongside) and `codedeck serve` (the API alone). Startup (open
//! the runtime, bind the API, seed the demo, start a front end) lives here and
//! nowhere below.

mod aws;
mod dashboard;
mod lesson;
mod local;
pub mod screenshot;
mod serve;
mod watch;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

use crate::runtime::StateLocation;
use crate::state::fleet::Fleet;

/// The default API address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4599";

/// `--state` value meaning a private in-memory state.
pub const MEMORY_STATE: &str = ":memory:";

#[derive(Debug, Parser)]
#[command(
    name = "codedeck",
    version,
    about = "A terminal dashboard for AWS CodeDeploy with a faithful local CodeDeploy engine",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub dashboard: DashboardArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the CodeDeploy API (JSON 1.1) on a local port.
    Serve(serve::ServeCommand),
    /// The dashboard on AWS CodeDeploy (or any CodeDeploy endpoint).
    Aws(aws::AwsArgs),
    /// A lesson: a small world and one deployment to step through, with captions.
    Lesson(lesson::LessonArgs),
    /// Follow one deployment, a line per change, and exit with its result (CI).
    #[command(after_help = watch::EXIT_CODES)]
    Watch(watch::WatchArgs),
    /// Run a revision's appspec and hooks on this machine, like AWS's codedeploy-local.
    Local(local::LocalArgs),
    /// Print the dashboard's keys as a Markdown table (for the README).
    #[command(hide = true)]
    Keys,
    /// Render the demo world's dashboard to an SVG file: the still picture
    /// (assets/screenshot.svg), or with --tour the animated one (assets/demo.svg).
    #[command(hide = true)]
    Screenshot {
        /// Where to write; default assets/screenshot.svg, with --tour assets/demo.svg.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Play the scripted tour of the demo world and write it animated.
        #[arg(long)]
        tour: bool,
    },
}

/// `codedeck` with no subcommand: the dashboard, serving the API alongside.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Do not serve the API.
    #[arg(long)]
    pub no_api: bool,

    /// Look only: the dashboard's keys that change deployments or the world
    /// are disabled. The API (unless --no-api) still accepts changes, so CI
    /// or scripts can drive it while you watch.
    #[arg(long)]
    pub read_only: bool,

    /// Capture the mouse (scrolling); off by default so copy and paste work.
    #[arg(long)]
    pub mouse: bool,

    /// Open a seeded demo world in a throwaway state file.
    #[arg(long, conflicts_with = "state")]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only unless --allow-remote).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: String,

    /// State file [default: $CODEDECK_STATE, else the platform data directory,
    /// e.g. ~/.local/share/codedeck/state.db]. `:memory:` keeps nothing.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Virtual seconds per wall second (60 makes a 5-minute canary take 5 s).
    // Negative numbers parse, so `--speed -5` is told it must be positive.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub speed: f64,

    /// Fleet file describing the simulated EC2 world (see assets/fleet.toml).
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,

    /// Reject a second deployment to a busy group (as AWS does) instead of queueing it.
    #[arg(long)]
    pub strict: bool,

    /// Seed for generated IDs and durations (only used when creating a state file).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Allow listening on a non-loopback address (the API has no authentication).
    #[arg(long)]
    pub allow_remote: bool,

    /// Local hosts find S3 revisions at DIR/<bucket>/<key> [default: the
    /// fleet file's s3_root].
    #[arg(long, value_name = "DIR")]
    pub s3_root: Option<PathBuf>,

    /// Local hosts find GitHub revisions at DIR/<owner>/<repo>@<commit>
    /// [default: the fleet file's github_root; without one they fail: no network].
    #[arg(long, value_name = "DIR")]
    pub github_root: Option<PathBuf>,
}

impl ServeArgs {
    /// How local hosts run, from `--s3-root` and `--github-root`.
    pub fn agent_options(&self) -> anyhow::Result<crate::runtime::AgentOptions> {
        for (flag, dir) in [
            ("--s3-root", &self.s3_root),
            ("--github-root", &self.github_root),
        ] {
            if let Some(d) = dir.as_ref().filter(|d| !d.is_dir()) {
                anyhow::bail!("{flag} {}: not a directory", d.display());
            }
        }
        Ok(crate::runtime::AgentOptions {
            s3_root: self.s3_root.clone(),
            github_root: self.github_root.clone(),
            ..Default::default()
        })
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => dashboard::run(cli.dashboard),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Aws(args)) => aws::run(args),
        Some(Command::Watch(args)) => watch::run(args),
        Some(Command::Lesson(args)) => lesson::run(args),
        Some(Command::Local(args)) => local::run(args),
        Some(Command::Keys) => {
            print!("{}", crate::tui::keymap::markdown());
            Ok(())
        }
        Some(Command::Screenshot { out, tour }) => screenshot::run(out, tour),
    }
}

/// The state location: `--state`, else `$CODEDECK_STATE`, else the data directory.
pub fn state_location(flag: Option<&Path>) -> anyhow::Result<StateLocation> {
    let chosen = match flag {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::var_os("CODEDECK_STATE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    if let Some(path) = chosen {
        if path.as_os_str() == MEMORY_STATE {
            return Ok(StateLocation::Memory);
        }
        return Ok(StateLocation::Path(path));
    }
    let Some(dir) = dirs::data_dir() else {
        bail!("cannot find a data directory for the state file; pass --state PATH or set CODEDECK_STATE");
    };
    Ok(StateLocation::Path(dir.join("codedeck").join("state.db")))
}

/// Reads and parses a fleet file.
pub fn read_fleet(path: &Path) -> anyhow::Result<Fleet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read fleet file {}", path.display()))?;
    Fleet::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "fleet file {}: {}",
            path.display(),
            one_line(&e.to_string())
        )
    })
}

/// Folds a multi-line message (e.g. a TOML error with its source snippet) into
/// one line, dropping the snippet's gutter lines.
pub fn one_line(message: &str) -> String {
    let is_snippet = |l: &str| {
        let t = l.trim_start();
        t.starts_with('|')
            || t.split_once(" |")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
    };
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_snippet(l))
        .collect::<Vec<_>>()
        .join(": ")
}

/// Resolves `--listen` and applies the loopback rule.
pub fn listen_address(listen: &str, allow_remote: bool) -> anyhow::Result<SocketAddr> {
    let addr = match listen.parse::<SocketAddr>() {
        Ok(a) => a,
        Err(_) => listen
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .with_context(|| {
                format!("--listen {listen:?}: expected HOST:PORT, e.g. {DEFAULT_LISTEN}")
            })?,
    };
    if !addr.ip().is_loopback() {
        if !allow_remote {
            bail!(
                "refusing to listen on {addr}: it is not a loopback address and the API has no \
                 authentication (pass --allow-remote to do it anyway)"
            );
        }
        eprintln!(
            "codedeck: warning: listening on {addr}, a non-loopback address: anyone who can reach \
             it can drive this CodeDeploy without credentials"
        );
    }
    Ok(addr)
}

/// A seed for a new state file when none is given.
pub fn random_seed() -> u64 {
    let v = uuid::Uuid::new_v4().as_u64_pair();
    v.0 ^ v.1
}

/// Installs the SIGINT/SIGTERM handlers now (so a signal that arrives right
/// after the banner is already handled) and returns a future completing on either.
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    signals(false)
}

/// [`shutdown_signal`] for a front end on a terminal: SIGHUP (the terminal
/// closed) also ends it the orderly way, cleaning up as `q` does. Only here:
/// `nohup codedeck serve` must keep ignoring it.
pub fn terminal_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    signals(true)
}

fn signals(hangup: bool) -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut hup = if hangup {
            Some(signal(SignalKind::hangup()).context("cannot handle SIGHUP")?)
        } else {
            None
        };
        Ok(async move {
            let hung_up = async {
                match hup.as_mut() {
                    Some(h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hung_up => {}
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        let _ = hangup;
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            tracing::info!("shutting down");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rule() {
        assert!(listen_address("127.0.0.1:4599", false).is_ok());
        assert!(listen_address("[::1]:4599", false).is_ok());
        let e = listen_address("0.0.0.0:4599", false).expect_err("refused");
        assert!(format!("{e}").contains("--allow-remote"));
        assert!(listen_address("0.0.0.0:4599", true).is_ok());
        assert!(listen_address("nonsense", false).is_err());
    }

    #[test]
    fn toml_errors_fold_into_one_line() {
        let e = Fleet::parse("[[instance]]\nid = 5\n").expect_err("bad fleet");
        let line = one_line(&e.to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("line 2"), "{line}");
        assert!(line.contains("expected a string"), "{line}");
    }

    #[test]
    fn memory_state() {
        assert_eq!(
            state_location(Some(Path::new(":memory:"))).expect("memory"),
            StateLocation::Memory
        );
        assert_eq!(
            state_location(Some(Path::new("/tmp/x.db"))).expect("path"),
            StateLocation::Path(PathBuf::from("/tmp/x.db"))
        );
    }

    #[test]
    fn parses_serve() {
        let cli =
            Cli::try_parse_from(["codedeck", "serve", "--speed", "60", "--strict"]).expect("parse");
        match cli.command {
            Some(Command::Serve(a)) => {
                assert_eq!(a.serve.speed, 60.0);
                assert!(a.serve.strict);
                assert_eq!(a.serve.listen, DEFAULT_LISTEN);
                assert!(!a.print_changes);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parses_watch() {
        let cli = Cli::try_parse_from([
            "codedeck",
            "watch",
            "--application",
            "a",
            "--deployment-group",
            "g",
            "--local",
            "--timeout",
            "10m",
            "--until",
            "ready",
            "--output",
            "json",
        ])
        .expect("parse");
        let Some(Command::Watch(w)) = cli.command else {
            panic!("not watch");
        };
        assert_eq!(w.timeout.map(|d| d.as_secs()), Some(600));
        assert!(w.local);
        let e = Cli::try_parse_from(["codedeck", "watch"]).expect_err("needs a target");
        assert!(e.to_string().contains("DEPLOYMENT_ID"), "{e}");
    }
}
