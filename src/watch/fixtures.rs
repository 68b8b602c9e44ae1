//! Readings of made-up deployments for the watcher's unit tests.

use crate::model::time::Millis;
use crate::model::*;
use crate::source::{Detail, TargetView};

/// Deployment `d-ABCDEFGHI` in `status` with one target `i-1` holding `events`.
pub fn detail(status: DeploymentStatus, events: Vec<LifecycleEvent>) -> Detail {
    Detail {
        info: DeploymentInfo {
            deployment_id: Some("d-ABCDEFGHI".into()),
            status: Some(status),
            ..Default::default()
        },
        targets: vec![target("i-1", TargetStatus::InProgress, events)],
        min_healthy: None,
        max_down: None,
        pending: 0,
        stopping: false,
        traffic: None,
        blue_green: None,
        hooks: Vec::new(),
        config: None,
        zone: None,
    }
}

pub fn target(id: &str, status: TargetStatus, events: Vec<LifecycleEvent>) -> TargetView {
    TargetView {
        id: id.into(),
        host: id.into(),
        status,
        events,
        label: None,
        zone: None,
        scripts_log: None,
        terminated: None,
    }
}

/// Event `name` in `status`, started and ended when given.
pub fn event(
    name: &str,
    status: LifecycleEventStatus,
    start: Option<Millis>,
    end: Option<Millis>,
) -> LifecycleEvent {
    LifecycleEvent {
        lifecycle_event_name: Some(name.into()),
        status: Some(status),
        start_time: start.map(Timestamp),
        end_time: end.map(Timestamp),
        ..Default::default()
    }
}
