use std::process::ExitCode;

use clap::Parser as _;
use codedeck::cli::{self, Cli};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    // The dashboard owns the terminal: its logs go to a file instead of
    // drawing over the screen.
    match cli.command.is_none().then(dashboard_log).flatten() {
        Some(file) => logs
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        None => logs.with_writer(std::io::stderr).init(),
    }
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the error's own formatting.
            eprintln!("codedeck: {}", cli::one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// `--help` and `--version` print and exit 0; a usage error prints clap's
/// message and exits 64 (EX_USAGE), a code no command gives a result, so a
/// pipeline tells a typo from a stopped deployment (`codedeck watch` exits
/// 0-4 with results).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        _ => ExitCode::from(codedeck::watch::Exit::Usage as u8),
    }
}

/// `$CODEDECK_LOG`, else `codedeck.log` in the temporary directory, appended to.
fn dashboard_log() -> Option<std::fs::File> {
    let path = std::env::var_os("CODEDECK_LOG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("codedeck.log"));
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()
}
