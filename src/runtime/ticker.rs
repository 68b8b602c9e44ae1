//! The ticker: sleeps until the wall time at which the engine's next timer
//! falls due (per the virtual clock), or until woken; then advances the engine
//! to now and commits. With nothing scheduled (or the clock paused) it sleeps
//! until woken: an idle codedeck does no work at all.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use super::{bump, read, wall_now, Inner};

/// Longest single sleep. Only bounds the arithmetic; a wake-up before the
/// timer is due simply advances nothing and sleeps again.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);

pub(super) async fn run(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        // How long to sleep, decided under the locks, which are then released.
        let sleep = {
            let Some(inner) = inner.upgrade() else { return };
            if inner.is_closed() {
                return;
            }
            let wall = wall_now();
            let due = read(&inner.engine).next_due();
            let clock = *read(&inner.clock);
            due.and_then(|due| clock.wall_until(wall, due))
                .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(MAX_SLEEP))
        };
        match sleep {
            Some(d) => {
                tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    _ = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
        let Some(inner) = inner.upgrade() else { return };
        if inner.tick(true) {
            bump(&inner);
        }
    }
}
