//! Reads happen here, off the UI thread: a task that loads the newest
//! [`Request`] whenever the selection changes, the source reports a change, a
//! poll falls due, or a failed read is retried, and hands each result to the
//! app loop. A slow or failing source never holds up keys or frames.

use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::source::{Data, Request, Source};

/// First wait before retrying a failed read; doubles up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// A burst of changes (a fast clock) is read once per frame, not once per change.
const COALESCE: Duration = Duration::from_millis(33);

/// What one read gave, for the request it answered.
#[derive(Debug)]
pub struct Loaded {
    pub request: Request,
    pub result: Result<Data, String>,
}

/// The app loop's handle on the loading task.
pub struct Loader {
    requests: watch::Sender<Option<Request>>,
}

impl Loader {
    /// Starts the task on `handle`; results go to `out` (wrapped by `wrap`).
    pub fn spawn<W: Send + 'static>(
        handle: &tokio::runtime::Handle,
        source: Arc<dyn Source>,
        out: Sender<W>,
        wrap: fn(Loaded) -> W,
    ) -> Loader {
        let (requests, rx) = watch::channel(None);
        handle.spawn(run(source, rx, out, wrap));
        Loader { requests }
    }

    /// Reads `req` as soon as the task is free; a newer request replaces an
    /// older one that has not started yet.
    pub fn request(&self, req: Request) {
        self.requests.send_replace(Some(req));
    }
}

async fn run<W>(
    source: Arc<dyn Source>,
    mut requests: watch::Receiver<Option<Request>>,
    out: Sender<W>,
    wrap: fn(Loaded) -> W,
) {
    let mut changes = source.changes();
    let mut retry: Option<Duration> = None;
    loop {
        let wait = retry.or_else(|| source.poll_interval());
        tokio::select! {
            r = requests.changed() => if r.is_err() { return },
            _ = changed(&mut changes) => {
                tokio::time::sleep(COALESCE).await;
                if let Some(rx) = changes.as_mut() {
                    rx.borrow_and_update();
                }
            }
            _ = sleep(wait) => {}
        }
        let Some(request) = requests.borrow_and_update().clone() else {
            continue;
        };
        let result = source
            .load(request.clone())
            .await
            .map_err(|e| format!("{e:#}"));
        retry = match &result {
            Ok(_) => None,
            Err(_) => Some(retry.map_or(RETRY_FIRST, |r| (r * 2).min(RETRY_MAX))),
        };
        if out.send(wrap(Loaded { request, result })).is_err() {
            return;
        }
    }
}

/// Resolves when the source reports a change; never without push notifications.
async fn changed(changes: &mut Option<watch::Receiver<u64>>) {
    match changes {
        Some(rx) => {
            if rx.changed().await.is_err() {
                *changes = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

async fn sleep(wait: Option<Duration>) {
    match wait {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending::<()>().await,
    }
}
