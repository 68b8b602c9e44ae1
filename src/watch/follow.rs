//! Every deployment of a source, line by line: the dashboard without a
//! terminal and `codedeck serve --print-changes`. New event log entries say
//! which deployments moved; each of those is read and compared with its last
//! reading, so the lines are `codedeck watch`'s, for every deployment.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io::Write;
use std::time::Duration;

use super::lines::{diff, render, Style};
use crate::model::time::Millis;
use crate::source::{Detail, Request, Source};

/// How often to read when the source cannot push changes.
const POLL: Duration = Duration::from_millis(250);

/// Prints a line per change of every deployment until `stop` resolves.
/// What happened before the start is not repeated. `clock` reads the wall
/// clock (a test passes its own).
pub async fn follow(
    source: &dyn Source,
    out: &mut (dyn Write + Send),
    style: Style,
    clock: fn() -> Millis,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut last = source
        .load(Request::default())
        .await?
        .events
        .last()
        .map_or(0, |e| e.seq);
    let mut known: HashMap<String, Detail> = HashMap::new();
    // Finished: later entries about them (notifications) print nothing new.
    let mut done: HashSet<String> = HashSet::new();
    let mut changes = source.changes();
    tokio::pin!(stop);
    loop {
        let data = source
            .load(Request {
                events_after: last,
                ..Default::default()
            })
            .await?;
        let mut moved: Vec<String> = Vec::new();
        let since = last;
        for e in data.events.iter().filter(|e| e.seq > since) {
            last = e.seq;
            let fresh = |id: &String| !moved.contains(id) && !done.contains(id);
            if let Some(id) = e.deployment.clone().filter(fresh) {
                moved.push(id);
            }
        }
        for id in moved {
            let req = Request {
                deployment: Some(id.clone()),
                ..Default::default()
            };
            let Some(detail) = source.load(req).await?.detail else {
                continue;
            };
            for l in diff(known.get(&id), &detail, clock()) {
                writeln!(out, "{}", render(&l, style))?;
            }
            if detail.info.status.as_ref().is_some_and(|s| s.is_final()) {
                known.remove(&id);
                if done.len() > 10_000 {
                    done.clear();
                }
                done.insert(id);
            } else {
                known.insert(id, detail);
            }
        }
        out.flush()?;
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = wait(&mut changes) => {}
        }
    }
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
