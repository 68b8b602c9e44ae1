use std::process::ExitCode;

use clap::Parser;
use codedeck::cli::{self, Cli};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
