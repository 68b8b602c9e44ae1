//! Every deployment of a source, line by line: the dashboard without a
//! terminal and `codedeck serve --print-changes`. New event log entries say
//! which deployments moved; each of those is read and its transcript says
//! what is new, so the lines are `codedeck watch`'s, for every deployment:
//! in the order things happened (by the deployments' own clock), each
//! deployment's result last among its lines.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io::Write;
use std::time::Duration;

use super::lines::{in_time_order, render, Line, Style, Transcript};
use crate::source::{Request, Source};

/// How often to read when the source cannot push changes.
const POLL: Duration = Duration::from_millis(250);

/// Prints a line per change of every deployment until `stop` resolves.
/// Deployments that do not move after the start are not printed; one that
/// does is printed from its beginning.
pub async fn follow(
    source: &dyn Source,
    out: &mut (dyn Write + Send),
    style: Style,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut last = source
        .load(Request::default())
        .await?
        .events
        .last()
        .map_or(0, |e| e.seq);
    let mut known: HashMap<String, Transcript> = HashMap::new();
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
        // Every unfinished deployment is read at each wake, not only those
        // the log names (it names target changes, not every event): all
        // lines up to now are printed together, in time order.
        let mut moved: Vec<String> = known.keys().cloned().collect();
        let since = last;
        for e in data.events.iter().filter(|e| e.seq > since) {
            last = e.seq;
            let fresh = |id: &String| !moved.contains(id) && !done.contains(id);
            if let Some(id) = e.deployment.clone().filter(fresh) {
                moved.push(id);
            }
        }
        let mut lines: Vec<Line> = Vec::new();
        for id in moved {
            let req = Request {
                deployment: Some(id.clone()),
                ..Default::default()
            };
            let Some(detail) = source.load(req).await?.detail else {
                continue;
            };
            lines.extend(known.entry(id.clone()).or_default().lines(&detail));
            if detail.info.status.as_ref().is_some_and(|s| s.is_final()) {
                known.remove(&id);
                if done.len() > 10_000 {
                    done.clear();
                }
                done.insert(id);
            }
        }
        in_time_order(&mut lines);
        for l in &lines {
            writeln!(out, "{}", render(l, style))?;
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
