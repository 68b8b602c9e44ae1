//! What a step of the clock changes on screen, in words: the difference of
//! the read view before and after it. The event log says what happens to
//! deployments and targets; this says what happens to their lifecycle
//! events (`i-0a1: Install succeeded, AfterInstall starts`) and waits —
//! the rows and lines the timeline draws.

use super::view::Detail;
use crate::model::*;

/// The changes from `before` to `after` (the views of the deployments
/// running before and after a step), each with the deployment it is about.
pub fn changes(before: &[Detail], after: &[Detail]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in after {
        let Some(id) = d.info.deployment_id.as_deref() else {
            continue;
        };
        let old = before
            .iter()
            .find(|b| b.info.deployment_id.as_deref() == Some(id));
        for text in deployment_changes(old, d) {
            out.push((id.to_string(), text));
        }
    }
    out
}

fn deployment_changes(old: Option<&Detail>, d: &Detail) -> Vec<String> {
    let mut out = Vec::new();
    for t in &d.targets {
        let was = old.and_then(|o| o.targets.iter().find(|x| x.id == t.id));
        let mut parts: Vec<String> = Vec::new();
        let mut skipped = 0;
        for e in &t.events {
            let name = e.lifecycle_event_name.as_deref().unwrap_or("-");
            let status = e.status.clone().unwrap_or(LifecycleEventStatus::Pending);
            let before = was
                .and_then(|w| {
                    w.events
                        .iter()
                        .find(|x| x.lifecycle_event_name.as_deref() == Some(name))
                })
                .and_then(|x| x.status.clone())
                .unwrap_or(LifecycleEventStatus::Pending);
            if before == status {
                continue;
            }
            match status {
                LifecycleEventStatus::InProgress => parts.push(format!("{name} starts")),
                LifecycleEventStatus::Succeeded => parts.push(format!("{name} succeeded")),
                LifecycleEventStatus::Failed => parts.push(format!("{name} failed")),
                LifecycleEventStatus::Skipped => skipped += 1,
                _ => {}
            }
        }
        if skipped > 0 {
            parts.push(format!("{skipped} event(s) skipped"));
        }
        if !parts.is_empty() {
            out.push(format!("{}: {}", t.id, parts.join(", ")));
        }
    }
    // Traffic steps are the event log's own lines already.
    out.extend(wait_change(old, d));
    out
}

fn wait_kind(d: &Detail) -> Option<DeploymentWaitType> {
    d.traffic
        .as_ref()
        .and_then(|t| t.wait.as_ref())
        .or_else(|| d.blue_green.as_ref().and_then(|b| b.wait.as_ref()))
        .map(|w| w.kind.clone())
}

fn wait_change(old: Option<&Detail>, d: &Detail) -> Option<String> {
    let (was, now) = (old.and_then(wait_kind), wait_kind(d));
    if was == now {
        return None;
    }
    let name = |k: &DeploymentWaitType| match k {
        DeploymentWaitType::ReadyWait => "the Ready wait (ContinueDeployment goes on)",
        _ => "the termination wait",
    };
    Some(match (was, now) {
        (_, Some(k)) => format!("{} starts", name(&k)),
        (Some(k), None) => format!("{} ends", name(&k)),
        (None, None) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::view::TargetView;

    fn detail(events: &[(&str, LifecycleEventStatus)]) -> Detail {
        let target = TargetView {
            id: "i-1".into(),
            host: "i-1".into(),
            status: TargetStatus::InProgress,
            events: events
                .iter()
                .map(|(n, s)| LifecycleEvent {
                    lifecycle_event_name: Some(n.to_string()),
                    status: Some(s.clone()),
                    ..Default::default()
                })
                .collect(),
            label: None,
            zone: None,
            scripts_log: None,
            terminated: None,
        };
        Detail {
            info: DeploymentInfo {
                deployment_id: Some("d-1".into()),
                ..Default::default()
            },
            targets: vec![target],
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

    #[test]
    fn an_event_ending_and_the_next_starting_is_one_line_for_its_host() {
        use LifecycleEventStatus::*;
        let a = detail(&[("Install", InProgress), ("AfterInstall", Pending)]);
        let b = detail(&[("Install", Succeeded), ("AfterInstall", InProgress)]);
        assert_eq!(
            changes(std::slice::from_ref(&a), &[b]),
            vec![(
                "d-1".to_string(),
                "i-1: Install succeeded, AfterInstall starts".to_string()
            )]
        );
        assert!(
            changes(std::slice::from_ref(&a), std::slice::from_ref(&a)).is_empty(),
            "nothing changed"
        );
    }
}
