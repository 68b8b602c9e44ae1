//! Without a terminal (CI logs, pipes): no screen, no escape codes, one
//! timestamped line per change of the event log, until SIGINT or SIGTERM.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::theme;
use crate::engine::EventKind;
use crate::source::{EventRow, Request, Source};

/// How often the event log is read when the source cannot push changes.
const POLL: Duration = Duration::from_millis(250);

/// Prints every new event log line of `source` to `out` until `stop` is set.
/// History before the start is not repeated.
pub fn run(source: &dyn Source, out: &mut dyn Write, stop: &Arc<AtomicBool>) -> anyhow::Result<()> {
    let mut last = latest(source)?;
    let mut changes = source.changes();
    while !stop.load(Ordering::SeqCst) {
        let data = source.load(&Request {
            events_after: last,
            ..Default::default()
        })?;
        for e in &data.events {
            if e.seq > last {
                writeln!(out, "{}", line(e))?;
                last = e.seq;
            }
        }
        out.flush()?;
        wait(&mut changes);
    }
    Ok(())
}

/// Sequence number of the newest event log entry now.
fn latest(source: &dyn Source) -> anyhow::Result<u64> {
    let data = source.load(&Request::default())?;
    Ok(data.events.last().map(|e| e.seq).unwrap_or(0))
}

/// Sleeps until the source reports a change or the poll interval passes.
fn wait(changes: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    let Some(rx) = changes else {
        return std::thread::sleep(POLL);
    };
    let deadline = std::time::Instant::now() + POLL;
    while std::time::Instant::now() < deadline {
        if rx.has_changed().unwrap_or(false) {
            rx.borrow_and_update();
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// `2026-11-22T21:37:00Z deployment  d-ABC started`.
pub fn line(e: &EventRow) -> String {
    let kind = match e.kind {
        EventKind::Deployment => "deployment",
        EventKind::Target => "target",
        EventKind::Notification => "trigger",
        EventKind::World => "world",
    };
    format!(
        "{}T{}Z {kind:<10} {}",
        theme::date(e.time),
        theme::clock_time(e.time),
        e.text
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timestamped_line_without_escape_codes() {
        let e = EventRow {
            seq: 3,
            time: 1_700_000_000_000,
            kind: EventKind::Deployment,
            text: "d-ABC started".into(),
        };
        assert_eq!(line(&e), "2023-11-14T22:13:20Z deployment d-ABC started");
    }
}
