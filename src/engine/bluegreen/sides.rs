//! A blue/green target after one of its events: which side it is on (taking
//! traffic or blocked) decides how it goes on, ends, and what it does to its
//! host's health.

use crate::engine::deployment::revision_key;
use crate::engine::host_events::{AfterEvent, EventEnd};
use crate::engine::Engine;
use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

/// Which side of a blue/green deployment a target is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Allow,
    Block,
}

impl Engine {
    fn side(&self, id: &str, index: u32) -> Side {
        match self.bg(id) {
            Some(b) if b.block.contains(&index) => Side::Block,
            _ => Side::Allow,
        }
    }

    /// A lifecycle event of a blue/green target ended (its timer fired).
    pub(crate) fn fire_blue_green_target(&mut self, id: &str, index: u32, at: Millis) {
        self.end_target_event(id, index, at, EventEnd::Timer);
    }

    /// How a blue/green target goes on after an event ended.
    pub(in crate::engine) fn blue_green_after_event(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        after: Option<AfterEvent>,
    ) {
        if after.is_some() {
            // Blue/green targets report progress event by event.
            if let Some(t) = self
                .active
                .get_mut(id)
                .and_then(|a| a.targets.get_mut(index as usize))
            {
                t.touch(at);
            }
        }
        match after {
            Some(AfterEvent::Fail) => {
                self.end_blue_green_target(id, index, TargetStatus::Failed, at)
            }
            Some(AfterEvent::Succeed) => {
                self.end_blue_green_target(id, index, TargetStatus::Succeeded, at)
            }
            Some(AfterEvent::Next {
                event,
                ended: LifecycleEventName::ValidateService,
                host,
            }) => {
                self.installed(id, index, event, &host, at);
                self.pump_blue_green(id, at);
            }
            Some(AfterEvent::Next { event, .. }) => self.begin_event(id, index, event, at),
            None => {}
        }
    }

    /// A replacement instance has the revision installed; it waits for rerouting.
    fn installed(&mut self, id: &str, index: u32, next: u32, host: &str, at: Millis) {
        let Some(a) = self.active.get_mut(id) else {
            return;
        };
        let group_id = a.rec.group_id.clone();
        let rev_key = a.rec.info.revision.as_ref().map(revision_key);
        if let Some(t) = a.targets.get_mut(index as usize) {
            t.run.event = next;
        }
        let state = self.host_in_group(host, &group_id);
        state.healthy = true;
        state.revision = rev_key;
        self.touch_target(id, index);
        self.log(
            at,
            Some(id),
            Some(host),
            EventKind::Target,
            format!("{host}: revision installed, waiting to take traffic"),
        );
    }

    fn end_blue_green_target(&mut self, id: &str, index: u32, status: TargetStatus, at: Millis) {
        let side = self.side(id, index);
        let rollback = self.bg(id).is_some_and(|b| b.rollback_of.is_some());
        let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        else {
            return;
        };
        t.run.due = None;
        let host = t.run.host.clone();
        t.set_status(status.clone(), at);
        t.skip_unfinished_events();
        self.touch_target(id, index);
        self.refresh_overview(id);
        let ok = status == TargetStatus::Succeeded;
        // Health follows the side that serves traffic: the replacement (or, in a
        // rollback, the original) instances. Blocking does not change a host's health.
        if side == Side::Allow && (!ok || rollback) {
            self.note_allow_health(id, &host, ok);
        }
        let (word, event) = if ok {
            ("succeeded", TriggerEventType::InstanceSuccess)
        } else {
            ("failed", TriggerEventType::InstanceFailure)
        };
        self.log(
            at,
            Some(id),
            Some(&host),
            EventKind::Target,
            format!("{host}: deployment {word}"),
        );
        self.trigger_instance(at, id, index, event);
        self.pump_blue_green(id, at);
    }

    /// Health of a host on the side that takes traffic, in the deployment's group.
    pub(super) fn note_allow_health(&mut self, id: &str, host: &str, healthy: bool) {
        let Some(group_id) = self.active.get(id).map(|a| a.rec.group_id.clone()) else {
            return;
        };
        self.host_in_group(host, &group_id).healthy = healthy;
    }
}
