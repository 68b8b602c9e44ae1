//! `codedeck watch`: follows deployments on CodeDeploy (AWS, or any endpoint
//! such as a local codedeck) and prints a line per change in the order
//! things happened, each deployment's result last among its lines, then
//! exits with the worst result, for CI. Reads go through the AWS source, so
//! throttling and short outages back off and are retried, never taken for
//! the result. When it ends it can leave a JUnit report and the GitHub
//! Actions step summary behind.

#[cfg(test)]
pub mod fixtures;
pub mod follow;
pub mod follower;
pub mod group;
pub mod lines;
pub mod options;
pub mod pulse;
pub mod read;
pub mod report;
pub mod result;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::model::time::Millis;
use crate::source::aws::logs::ScriptLogs;
use crate::source::aws::AwsSource;
use crate::source::Detail;
use follower::{Ctx, Follower};
use lines::{annotation, in_time_order, render, Kind, Line};
pub use options::{final_exit, say, Exit, Target, Until, WatchOptions};

/// Follows every target until each has ended, the timeout passes or
/// watching fails; every change is written to `out` in the order it
/// happened, each deployment's result last among its lines and, for several,
/// an overall line at the end; problems go to `err`. The worst exit.
pub async fn watch(
    source: &AwsSource,
    opts: &WatchOptions,
    logs: Option<&ScriptLogs>,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> Exit {
    let started = Instant::now();
    let mut followers: Vec<Follower> = opts
        .targets
        .iter()
        .map(|t| Follower::new(t.clone(), opts.heartbeat))
        .collect();
    let mut printer = Printer::new(out, opts);
    loop {
        let mut lines: Vec<Line> = Vec::new();
        for f in followers.iter_mut() {
            let ctx = Ctx {
                source,
                opts,
                logs,
                started,
                printed: printer.last_at,
            };
            lines.extend(f.step(&ctx, err).await);
        }
        in_time_order(&mut lines);
        printer.print(&lines);
        if followers.iter().all(|f| f.ended().is_some()) {
            break;
        }
        if opts.progress {
            printer.progress(&followers, source);
        }
        pause(source.next_poll()).await;
    }
    let exit = worst(followers.iter().filter_map(|f| f.ended()).map(|e| e.exit));
    if followers.len() > 1 {
        let overall = overall_line(&followers, exit, printer.last_at);
        printer.print(&[overall]);
    }
    printer.finish();
    write_reports(opts, &followers, err);
    exit
}

/// The worst of several exits: a failure, else a stop, else a deployment
/// that could not be watched, else a timeout, else success.
pub fn worst(exits: impl Iterator<Item = Exit>) -> Exit {
    let rank = |e: &Exit| match e {
        Exit::Failed => 5,
        Exit::Stopped => 4,
        Exit::CouldNotWatch => 3,
        Exit::TimedOut => 2,
        Exit::Usage => 1,
        Exit::Succeeded => 0,
    };
    exits.max_by_key(rank).unwrap_or(Exit::Succeeded)
}

/// `overall failed: 3 deployments, 1 failed (d-2), 2 succeeded`.
fn overall_line(followers: &[Follower], exit: Exit, at: Millis) -> Line {
    let word = |e: Exit| match e {
        Exit::Succeeded => "succeeded",
        Exit::Failed => "failed",
        Exit::Stopped => "stopped",
        Exit::TimedOut => "timed out",
        Exit::CouldNotWatch => "could not be watched",
        Exit::Usage => "usage error",
    };
    let mut parts: Vec<String> = Vec::new();
    for e in [
        Exit::Failed,
        Exit::Stopped,
        Exit::CouldNotWatch,
        Exit::TimedOut,
        Exit::Succeeded,
    ] {
        let ids: Vec<String> = followers
            .iter()
            .filter_map(|f| f.ended())
            .filter(|x| x.exit == e)
            .map(|x| {
                x.detail
                    .as_ref()
                    .map_or_else(|| "-".to_string(), lines::deployment_id)
            })
            .collect();
        if ids.is_empty() {
            continue;
        }
        let named = if e == Exit::Succeeded {
            String::new()
        } else {
            format!(" ({})", ids.join(", "))
        };
        parts.push(format!("{} {}{named}", ids.len(), word(e)));
    }
    let mut l = Line::new(
        at,
        "overall",
        Kind::Overall,
        format!(
            "{}: {} deployments, {}",
            word(exit),
            followers.len(),
            parts.join(", ")
        ),
    );
    l.status = Some(word(exit).to_string());
    l
}

/// The JUnit file and the step summary, from how each deployment ended.
fn write_reports(opts: &WatchOptions, followers: &[Follower], err: &mut dyn Write) {
    let owned: Vec<(Detail, Line, std::collections::HashMap<String, String>)> = followers
        .iter()
        .filter_map(|f| {
            let e = f.ended()?;
            Some((e.detail.clone()?, e.result.clone()?, f.outputs.clone()))
        })
        .collect();
    let views: Vec<report::Ended> = owned
        .iter()
        .map(|(detail, result, outputs)| report::Ended {
            detail,
            result,
            outputs,
        })
        .collect();
    if let Some(path) = &opts.junit {
        let written = report::junit(&views)
            .to_string()
            .map_err(|e| e.to_string())
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(e) = written {
            say(
                err,
                &format!(
                    "codedeck watch: cannot write the JUnit report {}: {e}",
                    path.display()
                ),
            );
        }
    }
    if let Some(path) = &opts.step_summary {
        let md = report::step_summary(&views);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(md.as_bytes()));
        if let Err(e) = appended {
            say(
                err,
                &format!(
                    "codedeck watch: cannot write the step summary {}: {e}",
                    path.display()
                ),
            );
        }
    }
}

/// Writes lines, remembering the latest time printed; on GitHub Actions
/// folds each target's consecutive lines into a group.
struct Printer<'a> {
    out: &'a mut (dyn Write + Send),
    opts: &'a WatchOptions,
    last_at: Millis,
    /// The target whose `::group::` is open.
    group: Option<String>,
}

impl<'a> Printer<'a> {
    fn new(out: &'a mut (dyn Write + Send), opts: &'a WatchOptions) -> Printer<'a> {
        Printer {
            out,
            opts,
            last_at: Millis::MIN,
            group: None,
        }
    }

    fn print(&mut self, lines: &[Line]) {
        if lines.is_empty() {
            return;
        }
        if self.opts.progress {
            let _ = write!(self.out, "\r\x1b[2K");
        }
        for l in lines {
            self.last_at = self.last_at.max(l.at);
            if self.opts.github && !self.opts.style.json {
                self.fold(l);
            }
            let _ = writeln!(self.out, "{}", render(l, self.opts.style));
            if self.opts.github {
                if let Some(a) = annotation(l) {
                    let _ = writeln!(self.out, "{a}");
                }
            }
        }
        let _ = self.out.flush();
    }

    /// Opens or closes a `::group::` so a target's run of lines folds.
    fn fold(&mut self, l: &Line) {
        let key = match (l.kind, &l.target) {
            (Kind::Event | Kind::Target, Some(t)) => Some(format!("{} {t}", l.deployment)),
            _ => None,
        };
        if key == self.group {
            return;
        }
        if self.group.take().is_some() {
            let _ = writeln!(self.out, "::endgroup::");
        }
        if let Some(k) = key {
            let _ = writeln!(self.out, "::group::{k}");
            self.group = Some(k);
        }
    }

    fn finish(&mut self) {
        if self.group.take().is_some() {
            let _ = writeln!(self.out, "::endgroup::");
        }
        if self.opts.progress {
            let _ = writeln!(self.out);
        }
        let _ = self.out.flush();
    }

    /// `▒ d-ABC InProgress 2/5 targets done · 8 calls/min`.
    fn progress(&mut self, followers: &[Follower], source: &AwsSource) {
        let parts: Vec<String> = followers.iter().filter_map(|f| f.progress()).collect();
        let _ = write!(
            self.out,
            "\r\x1b[2K▒ {} · {} calls/min",
            parts.join(" · "),
            source.calls_per_minute()
        );
        let _ = self.out.flush();
    }
}

async fn pause(d: Duration) {
    tokio::time::sleep(d.max(Duration::from_millis(50))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_exit_wins() {
        use Exit::*;
        assert_eq!(worst([Succeeded, Failed, Stopped].into_iter()), Failed);
        assert_eq!(worst([Succeeded, TimedOut, Stopped].into_iter()), Stopped);
        assert_eq!(worst([TimedOut, CouldNotWatch].into_iter()), CouldNotWatch);
        assert_eq!(worst([Succeeded, TimedOut].into_iter()), TimedOut);
        assert_eq!(worst([Succeeded, Succeeded].into_iter()), Succeeded);
    }
}
