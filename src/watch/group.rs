//! Which deployment of a group `codedeck watch` follows: the running one, or
//! the next to start — judged only by what the server says. Times are never
//! compared with the local clock: a sped-up codedeck runs ahead of it, and a
//! CI runner's clock may lag AWS's by minutes.

use std::collections::HashSet;

use crate::model::*;
use crate::source::aws::{AwsSource, CallError};

/// The group's deployments listed when watching began.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    seen: HashSet<String>,
}

impl Baseline {
    pub fn new(listed: &[String]) -> Baseline {
        Baseline {
            seen: listed.iter().cloned().collect(),
        }
    }

    /// The oldest deployment in `listed` (newest first, as CodeDeploy lists
    /// them) that was not listed when watching began: the next one created.
    pub fn first_new(&self, listed: &[String]) -> Option<String> {
        listed
            .iter()
            .rev()
            .find(|id| !self.seen.contains(*id))
            .cloned()
    }
}

/// Among a group's unfinished deployments: the one running (started: in
/// progress, baking or waiting in Ready), else the oldest waiting to start.
pub fn pick_active(active: &[DeploymentInfo]) -> Option<String> {
    let running = |d: &&DeploymentInfo| {
        d.status
            .as_ref()
            .is_some_and(|s| s.has_started() && !s.is_final())
    };
    let created = |d: &&DeploymentInfo| d.create_time.map_or(i64::MAX, |t| t.0);
    active
        .iter()
        .find(running)
        .or_else(|| {
            active
                .iter()
                .filter(|d| !d.status.as_ref().is_some_and(|s| s.is_final()))
                .min_by_key(created)
        })
        .and_then(|d| d.deployment_id.clone())
}

/// Where group mode is: the baseline listed, then the running one looked
/// for once (listed after the baseline, so one created in between is found
/// either way), then new ones looked for at each poll.
#[derive(Default)]
pub struct Look {
    baseline: Option<Baseline>,
    active_checked: bool,
}

impl Look {
    pub async fn next(
        &mut self,
        source: &AwsSource,
        app: &str,
        group: &str,
    ) -> Result<Option<String>, CallError> {
        if self.baseline.is_none() {
            let ids = source.recent_in(app, group).await?;
            self.baseline = Some(Baseline::new(&ids));
        }
        if !self.active_checked {
            let active = source.active_in(app, group).await?;
            self.active_checked = true;
            return Ok(pick_active(&active));
        }
        let ids = source.recent_in(app, group).await?;
        Ok(self.baseline.as_ref().and_then(|b| b.first_new(&ids)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, status: DeploymentStatus, created: i64) -> DeploymentInfo {
        DeploymentInfo {
            deployment_id: Some(id.into()),
            status: Some(status),
            create_time: Some(Timestamp(created)),
            ..Default::default()
        }
    }

    #[test]
    fn a_deployment_created_before_the_watch_is_followed_only_while_it_runs() {
        use DeploymentStatus::*;
        // Created before, still running: followed.
        assert_eq!(
            pick_active(&[info("d-QUEUED", Queued, 2), info("d-RUN", InProgress, 1)]),
            Some("d-RUN".into())
        );
        // Created before, finished: not a candidate, whatever its time says
        // (a server clock hours ahead makes it look "new" to a clock test).
        let before = Baseline::new(&["d-OLD".into()]);
        assert_eq!(before.first_new(&["d-OLD".into()]), None);
    }

    #[test]
    fn the_next_to_start_is_the_oldest_waiting_one() {
        use DeploymentStatus::*;
        assert_eq!(
            pick_active(&[
                info("d-B", Queued, 5),
                info("d-A", Created, 5),
                info("d-C", Created, 9)
            ]),
            Some("d-B".into()),
            "equal times keep the server's order"
        );
        assert_eq!(pick_active(&[]), None);
    }

    #[test]
    fn deployments_created_during_and_after_the_start_are_new() {
        let base = Baseline::new(&["d-3".into(), "d-2".into(), "d-1".into()]);
        // Two created in the same second after the start, listed newest first.
        let listed: Vec<String> = ["d-5", "d-4", "d-3", "d-2", "d-1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(base.first_new(&listed), Some("d-4".into()));
        // One created between the listing and the first check is new too.
        let empty = Baseline::new(&[]);
        assert_eq!(empty.first_new(&["d-9".into()]), Some("d-9".into()));
    }
}
