//! One instance target at a time: its record, the fault its host shows, and
//! its lifecycle events run one after another (a simulated event ends by its
//! timer, a local host's by its agent's report). In-place and blue/green
//! deployments both run their instances this way.

use super::lifecycle;
use super::selection::Candidate;
use super::Engine;
use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::rng;
use crate::state::*;

impl Engine {
    pub(super) fn new_target(
        &self,
        id: &str,
        index: u32,
        c: &Candidate,
        events: &[LifecycleEventName],
        skipped: bool,
        at: Millis,
    ) -> TargetRecord {
        let arn = if c.on_premises {
            self.arns().on_premises_instance(&c.id)
        } else {
            self.arns().ec2_instance(&c.id)
        };
        let status = if skipped {
            LifecycleEventStatus::Skipped
        } else {
            LifecycleEventStatus::Pending
        };
        let lifecycle_events = events
            .iter()
            .map(|e| LifecycleEvent {
                lifecycle_event_name: Some(e.to_string()),
                status: Some(status.clone()),
                ..Default::default()
            })
            .collect();
        TargetRecord {
            deployment_id: id.to_string(),
            target_id: c.id.clone(),
            index,
            target: DeploymentTarget {
                deployment_target_type: Some(DeploymentTargetType::InstanceTarget),
                instance_target: Some(InstanceTarget {
                    deployment_id: Some(id.to_string()),
                    target_id: Some(c.id.clone()),
                    target_arn: Some(arn),
                    status: Some(if skipped {
                        TargetStatus::Skipped
                    } else {
                        TargetStatus::Pending
                    }),
                    last_updated_at: Some(Timestamp(at)),
                    lifecycle_events: Some(lifecycle_events),
                    instance_label: None,
                }),
                ..Default::default()
            },
            run: TargetRun {
                host: c.id.clone(),
                zone: self
                    .fleet_hosts
                    .get(&c.id)
                    .map(|h| h.availability_zone.clone()),
                ..Default::default()
            },
        }
    }

    pub(super) fn start_target(&mut self, id: &str, index: u32, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let Some(target) = active.targets.get(index as usize) else {
            return;
        };
        let host_id = target.run.host.clone();
        let events = target.event_names();
        let group_id = active.rec.group_id.clone();
        let fault = self.take_fault(&host_id, &group_id, &events);
        if let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        {
            t.run.fault = fault;
            t.run.event = 0;
            t.set_status(TargetStatus::InProgress, at);
        }
        self.touch_target(id, index);
        self.refresh_overview(id);
        self.log(
            at,
            Some(id),
            Some(&host_id),
            EventKind::Target,
            format!("{host_id}: deployment started"),
        );
        self.trigger_instance(at, id, index, TriggerEventType::InstanceStart);
        self.begin_event(id, index, 0, at);
    }

    /// The fault a host shows in this deployment: a one-shot fault from the
    /// dashboard first, else the fleet file, else `codedeck:` tags.
    fn take_fault(
        &mut self,
        host_id: &str,
        group_id: &str,
        events: &[LifecycleEventName],
    ) -> Option<Fault> {
        if let Some(kind) = self
            .hosts
            .get_mut(host_id)
            .and_then(|h| h.next_fault.take())
        {
            self.dirty.hosts.insert(host_id.to_string());
            let event = self.fault_event(host_id, group_id, events, kind)?;
            return Some(Fault { event, kind });
        }
        match self.behaviour(host_id).fault()? {
            // A stopped host: whatever runs first never starts.
            (None, kind) => events.first().map(|&event| Fault { event, kind }),
            (Some(event), kind) => events.contains(&event).then_some(Fault { event, kind }),
        }
    }

    /// The event of `events` a one-shot fault of `kind` breaks on a host: the
    /// first that runs a script there (on a first install the previous
    /// revision's hooks have none, reference §13), the first reserved event
    /// for a full disk, whatever comes first for a host that never answers.
    pub(crate) fn fault_event(
        &self,
        host_id: &str,
        group_id: &str,
        events: &[LifecycleEventName],
        kind: FaultKind,
    ) -> Option<LifecycleEventName> {
        let first_install = self
            .hosts
            .get(host_id)
            .and_then(|h| h.groups.get(group_id))
            .is_none_or(|g| g.revision.is_none());
        events.iter().copied().find(|&e| match kind {
            FaultKind::Unresponsive => true,
            FaultKind::DiskFull => e.is_reserved(),
            _ => lifecycle::runs_script_here(e, first_install),
        })
    }

    /// A host's behaviour: fleet defaults, its own settings, then `codedeck:` tags.
    pub(crate) fn behaviour(
        &self,
        host_id: &str,
    ) -> std::borrow::Cow<'_, crate::state::fleet::Behaviour> {
        let defaults = &self.fleet.defaults;
        if let Some(host) = self.fleet_hosts.get(host_id) {
            return std::borrow::Cow::Borrowed(&host.behaviour);
        }
        let tags = self
            .instances
            .get(host_id)
            .map(|i| {
                i.info
                    .tags
                    .iter()
                    .flatten()
                    .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
                    .collect()
            })
            .unwrap_or_default();
        std::borrow::Cow::Owned(super::host_behaviour::tag_faults(&tags, defaults.clone()))
    }

    pub(super) fn begin_event(&mut self, id: &str, index: u32, event: u32, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let seq = active.rec.seq;
        let Some(target) = active.targets.get(index as usize) else {
            return;
        };
        let Some(name) = target.event_name(event) else {
            return;
        };
        let host = target.run.host.clone();
        if self.agent_runs_event(&host, name) {
            return self.order_event(id, index, event, name, at);
        }
        let fault = target.run.fault.clone().filter(|f| f.event == name);
        let duration = match fault.as_ref().map(|f| f.kind) {
            Some(FaultKind::Unresponsive) => lifecycle::START_TIMEOUT_MILLIS,
            Some(FaultKind::Timeout) => lifecycle::SCRIPT_TIMEOUT_SECS * 1000,
            _ => {
                let bits = rng::draw(self.meta.seed, &[id, &host, name.as_str()]);
                self.behaviour(&host).duration_millis(name, bits)
            }
        };
        let unresponsive = fault
            .as_ref()
            .is_some_and(|f| f.kind == FaultKind::Unresponsive);
        if let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        {
            t.run.event = event;
            t.run.due = Some(at + duration);
            if let Some(ev) = lifecycle_event_mut(t, event) {
                if !unresponsive {
                    ev.status = Some(LifecycleEventStatus::InProgress);
                    ev.start_time = Some(Timestamp(at));
                }
            }
            t.touch(at);
        }
        self.touch_target(id, index);
        self.schedule(at + duration, seq, index);
    }

    pub(super) fn fire_target(&mut self, id: &str, index: u32, at: Millis) {
        if self.is_blue_green(id) {
            return self.fire_blue_green_target(id, index, at);
        }
        let shift = self
            .active
            .get(id)
            .and_then(|a| a.rec.run.as_ref())
            .is_some_and(|r| r.shift.is_some());
        if shift {
            let due = self
                .active
                .get(id)
                .and_then(|a| a.targets.get(index as usize))
                .and_then(|t| t.run.due);
            if due == Some(at) {
                self.fire_shift(id, at);
            }
            return;
        }
        self.end_target_event(id, index, at, EventEnd::Timer);
    }

    /// A target's running event ended (its timer fired, or its agent
    /// reported): recorded, then the target goes on or ends.
    pub(super) fn end_target_event(&mut self, id: &str, index: u32, at: Millis, end: EventEnd) {
        let after = self.end_event(id, index, at, end);
        if self.is_blue_green(id) {
            return self.blue_green_after_event(id, index, at, after);
        }
        match after {
            Some(AfterEvent::Fail) => self.end_target(id, index, TargetStatus::Failed, at),
            Some(AfterEvent::Succeed) => self.end_target(id, index, TargetStatus::Succeeded, at),
            Some(AfterEvent::Next { event, .. }) => self.begin_event(id, index, event, at),
            None => {}
        }
    }

    /// A target's event timer fired: records how the event ended (logging a
    /// failure) and says how the target goes on; `None` for a stale timer.
    pub(super) fn end_event(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        end: EventEnd,
    ) -> Option<AfterEvent> {
        let active = self.active.get(id)?;
        let target = active.targets.get(index as usize)?;
        let current = match &end {
            EventEnd::Timer => target.run.due == Some(at),
            EventEnd::Reported(_) => target.run.agent,
        };
        if !current {
            return None;
        }
        let event = target.run.event;
        // A running event is one of the target's (its timer or order says so).
        let name = target.event_name(event)?;
        let last = event as usize + 1 >= target.events().len();
        let host = target.run.host.clone();
        // A simulated event fails by the fault the host shows; a reported
        // one as its agent says.
        let fault = match &end {
            EventEnd::Timer => target.run.fault.as_ref().filter(|f| f.event == name),
            EventEnd::Reported(_) => None,
        }
        .map(|f| f.kind);
        let (failed, diagnostics, log) = match end {
            EventEnd::Timer => match fault {
                Some(kind) => (true, lifecycle::failure(name, kind, &host), None),
                None => (false, lifecycle::success(), None),
            },
            EventEnd::Reported(r) => (!r.succeeded, r.diagnostics, r.scripts_log),
        };
        let ignore = failed
            && lifecycle::forgiven(
                active.rec.info.ignore_application_stop_failures == Some(true),
                name,
                fault,
            );
        let stopping = active.rec.run.as_ref().is_some_and(|r| r.stop.is_some());
        self.record_event_end(id, index, at, failed, diagnostics, log);
        self.touch_target(id, index);
        if failed {
            self.log(
                at,
                Some(id),
                Some(&host),
                EventKind::Target,
                format!("{host}: {name} failed"),
            );
        }
        let next = event + 1;
        Some(if failed && !ignore {
            AfterEvent::Fail
        } else if last {
            AfterEvent::Succeed
        } else if stopping {
            AfterEvent::Fail
        } else {
            AfterEvent::Next {
                event: next,
                ended: name,
                host,
            }
        })
    }

    /// Writes how a target's running event ended into its record.
    fn record_event_end(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        failed: bool,
        diagnostics: Diagnostics,
        log: Option<String>,
    ) {
        let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        else {
            return;
        };
        let event = t.run.event;
        t.run.due = None;
        t.run.agent = false;
        if log.is_some() {
            t.run.scripts_log = log;
        }
        if let Some(ev) = lifecycle_event_mut(t, event) {
            ev.end_time = Some(Timestamp(at));
            ev.status = Some(if failed {
                LifecycleEventStatus::Failed
            } else {
                LifecycleEventStatus::Succeeded
            });
            ev.diagnostics = Some(diagnostics);
        }
    }
}

pub(crate) fn lifecycle_event_mut(t: &mut TargetRecord, index: u32) -> Option<&mut LifecycleEvent> {
    t.event_mut(index)
}

/// What ended a target's running event.
pub(super) enum EventEnd {
    /// Its timer: a simulated event, with the fault the host shows, if any.
    Timer,
    /// Its local host's agent.
    Reported(crate::state::orders::EventReport),
}

/// How a target goes on after one of its lifecycle events ended.
pub(super) enum AfterEvent {
    Fail,
    Succeed,
    /// Run `event` next; `ended` is the event that just succeeded (or was forgiven).
    Next {
        event: u32,
        ended: LifecycleEventName,
        host: String,
    },
}
