//! `codedeck lesson [NAME]`: a small world, one deployment, paused at its
//! start, with captions that say what to watch as the step key walks it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;

use super::terminal_signal;
use crate::source::lesson::LESSONS;
use crate::tui::app::{self, Options};
use crate::tui::ApiStatus;

#[derive(Debug, Args)]
pub struct LessonArgs {
    /// A lesson's name (see the list without one) or a lesson file's path.
    pub name: Option<String>,

    /// Virtual seconds per wall second once resumed [default: the lesson's].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub speed: Option<f64>,

    /// Check a lesson file (or a shipped lesson) and exit, no terminal
    /// needed: every problem with its line, exit 1 if there is one.
    #[arg(long, conflicts_with = "export")]
    pub check: bool,

    /// Print a shipped lesson's TOML, to start a lesson of your own from.
    #[arg(long, conflicts_with = "speed")]
    pub export: bool,
}

/// A shipped lesson's file as it ships.
fn export(name: &str) -> anyhow::Result<()> {
    match LESSONS.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => {
            print!("{text}");
            Ok(())
        }
        None => {
            let names: Vec<&str> = LESSONS.iter().map(|(n, _)| *n).collect();
            bail!("no shipped lesson {name:?}: they are {}", names.join(", "))
        }
    }
}

/// The lesson `name` (shipped, or a file), checked: each problem printed
/// as `FILE:LINE: message` on stderr.
fn checked(name: &str) -> anyhow::Result<crate::source::lesson::Lesson> {
    let text = crate::lessons::text(name)?;
    crate::lessons::check::check(&text).map_err(|problems| {
        for p in &problems {
            eprintln!("{name}:{}: {}", p.line, p.message);
        }
        anyhow::anyhow!(
            "{name}: {} problem(s); `codedeck lesson --export batches` prints a lesson that works",
            problems.len()
        )
    })
}

pub fn run(args: LessonArgs) -> anyhow::Result<()> {
    let Some(name) = args.name else {
        println!("Lessons (codedeck lesson NAME, or a lesson file's path):");
        for (name, text) in LESSONS {
            let lesson = crate::source::lesson::Lesson::parse(text)
                .map_err(|e| anyhow::anyhow!("lesson {name}: {e}"))?;
            println!("  {name:<11} {}", lesson.intro);
        }
        println!("A lesson pauses at its start: . steps, , steps back, space runs, q quits.");
        println!("The files are in assets/lessons/: copy one and change it.");
        return Ok(());
    };
    if args.export {
        return export(&name);
    }
    if let Some(s) = args.speed.filter(|s| !(s.is_finite() && *s > 0.0)) {
        bail!("--speed {s}: must be a positive number");
    }
    let lesson = checked(&name)?;
    if args.check {
        println!(
            "{name}: ok ({} calls, {} captions, {} actions)",
            lesson.calls.len(),
            lesson.captions.len(),
            lesson.actions.len()
        );
        return Ok(());
    }
    app::require_terminal()?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let _enter = tokio.enter();
    // A whole second, so the clock shown starts at :00 of a second.
    let origin = crate::model::time::wall_now() / 1000 * 1000;
    let opened = crate::lessons::open(lesson, args.speed, origin, &format!("lesson {name}"))?;
    let runtime = opened.runtime.clone();
    let opts = Options {
        read_only: false,
        mouse: false,
        api: ApiStatus::Off,
        start_at: Some((opened.app, opened.group_id, opened.deployment)),
    };
    let source = opened.source;
    let result = terminal_signal()
        .and_then(|signal| app::run(Arc::new(source), tokio.handle(), signal, opts));
    let closed = runtime.shutdown();
    drop(_enter);
    tokio.shutdown_timeout(Duration::from_secs(2));
    result.and(closed)
}
