//! Without a terminal (CI logs, pipes): no screen, no escape codes, one
//! timestamped line per change of the event log, until SIGINT or SIGTERM.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use super::theme;
use crate::source::{EventRow, Request, Source};
use crate::state::EventKind;

/// How often the event log is read when the source cannot push changes.
const POLL: Duration = Duration::from_millis(250);

/// Prints every new event log line of `source` to `out` until `stop`
/// resolves. History before the start is not repeated.
pub async fn run(
    source: &dyn Source,
    out: &mut (dyn Write + Send),
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut last = latest(source).await?;
    let mut changes = source.changes();
    tokio::pin!(stop);
    loop {
        let data = source
            .load(Request {
                events_after: last,
                ..Default::default()
            })
            .await?;
        for e in &data.events {
            if e.seq > last {
                writeln!(out, "{}", line(e))?;
                last = e.seq;
            }
        }
        out.flush()?;
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = wait(&mut changes) => {}
        }
    }
}

/// Sequence number of the newest event log entry now.
async fn latest(source: &dyn Source) -> anyhow::Result<u64> {
    let data = source.load(Request::default()).await?;
    Ok(data.events.last().map(|e| e.seq).unwrap_or(0))
}

/// Waits for the source to report a change, or the poll interval.
async fn wait(changes: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    match changes {
        Some(rx) => {
            if rx.changed().await.is_err() {
                *changes = None;
            }
        }
        None => tokio::time::sleep(POLL).await,
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
