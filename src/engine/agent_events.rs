//! Local hosts: hosts whose lifecycle events run the revision's real appspec
//! scripts. The engine stays free of I/O: where a simulated host would get a
//! timer, a local host's event becomes an [`EventOrder`] (an effect the
//! runtime takes with [`Engine::take_orders`] and hands to the `agent`
//! module), and its end comes back as an [`EventReport`] through
//! [`Engine::agent_event_done`], then goes on under the same rules as a
//! simulated event's end.

use super::host_events::{lifecycle_event_mut, EventEnd};
use super::*;
use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::rules::AGENT_RESTART_MESSAGE;
use crate::model::*;
pub use crate::state::orders::{EventOrder, EventReport};

impl Engine {
    /// The agent root of `host` when it is a local host (`Some(None)`: local,
    /// at the runtime's default root); `None` for a simulated host.
    pub(crate) fn local_root(&self, host: &str) -> Option<Option<String>> {
        if let Some(h) = self.fleet_hosts.get(host) {
            let local = h.behaviour.local.or(self.fleet.defaults.local);
            return (local == Some(true)).then(|| h.root.clone());
        }
        let local = self.behaviour(host).local.or(self.fleet.defaults.local);
        (self.instances.contains_key(host) && local == Some(true)).then_some(None)
    }

    /// True when a local host's agent runs `event` (else it is simulated).
    pub(crate) fn agent_runs_event(&self, host: &str, event: LifecycleEventName) -> bool {
        event.agent_runs() && self.local_root(host).is_some()
    }

    /// The orders issued since the last call, for the runtime to carry out.
    pub fn take_orders(&mut self) -> Vec<EventOrder> {
        std::mem::take(&mut self.orders)
    }

    /// Starts event `event` (named `name`) of target `index` on its local
    /// host: the event is InProgress, no timer runs, and an order goes out.
    pub(super) fn order_event(
        &mut self,
        id: &str,
        index: u32,
        event: u32,
        name: LifecycleEventName,
        at: Millis,
    ) {
        let Some(active) = self.active.get_mut(id) else {
            return;
        };
        let info = &active.rec.info;
        let group_id = active.rec.group_id.clone();
        let (app, group) = (
            info.application_name.clone().unwrap_or_default(),
            info.deployment_group_name.clone().unwrap_or_default(),
        );
        let (revision, behaviour) = (info.revision.clone(), info.file_exists_behavior.clone());
        let Some(t) = active.targets.get_mut(index as usize) else {
            return;
        };
        t.run.event = event;
        t.run.due = None;
        t.run.agent = true;
        if let Some(ev) = lifecycle_event_mut(t, event) {
            ev.status = Some(LifecycleEventStatus::InProgress);
            ev.start_time = Some(Timestamp(at));
        }
        t.touch(at);
        let host = t.run.host.clone();
        self.touch_target(id, index);
        let root = self.local_root(&host).flatten();
        let install_to_system = self
            .fleet_hosts
            .get(&host)
            .is_some_and(|h| h.install_to_system);
        self.orders.push(EventOrder {
            deployment_id: id.to_string(),
            index,
            host,
            root,
            install_to_system,
            event: name,
            application_name: app,
            deployment_group_name: group,
            deployment_group_id: group_id,
            revision,
            file_exists_behavior: behaviour,
        });
    }

    /// A local host's agent reports how an event ended: recorded as a
    /// simulated event's end is, and the target goes on (or ends) under the
    /// same rules. A report nothing waits for any more (the deployment ended,
    /// the event is not the one running) is refused. Decides from memory
    /// (DESIGN rule 7), as the timers do.
    pub fn agent_event_done(&mut self, now: Millis, report: EventReport) -> ApiResult<()> {
        let waiting = self
            .active
            .get(&report.deployment_id)
            .and_then(|a| a.targets.get(report.index as usize))
            .is_some_and(|t| t.run.agent && t.event_name(t.run.event) == Some(report.event));
        if !waiting {
            return err(
                Exception::InvalidLifecycleEventHookExecutionId,
                format!(
                    "No lifecycle event {} of deployment {} target {} waits for its agent.",
                    report.event, report.deployment_id, report.index
                ),
            );
        }
        let (id, index) = (report.deployment_id.clone(), report.index);
        self.end_target_event(&id, index, now, EventEnd::Reported(report));
        let passed = self
            .active
            .get(&id)
            .and_then(|a| a.rec.run.as_ref())
            .is_some_and(|r| r.deadline_passed);
        if passed {
            // Nothing more starts: what this report just ordered is dropped.
            self.orders.retain(|o| o.deployment_id != id);
            self.time_out(&id, now);
        }
        Ok(())
    }

    /// After a restart no agent is running any event: each event a local
    /// host was running fails as the agent fails it after its own restart,
    /// and its deployment goes on under its rules.
    pub fn fail_interrupted_agent_events(&mut self, now: Millis) -> usize {
        let running: Vec<EventOrder> = self
            .active
            .iter()
            .flat_map(|(id, a)| {
                a.targets
                    .iter()
                    .filter(|t| t.run.agent)
                    .map(move |t| (id, t))
            })
            .filter_map(|(id, t)| {
                Some(EventOrder {
                    deployment_id: id.clone(),
                    index: t.index,
                    host: t.run.host.clone(),
                    root: None,
                    install_to_system: false,
                    event: t.event_name(t.run.event)?,
                    application_name: String::new(),
                    deployment_group_name: String::new(),
                    deployment_group_id: String::new(),
                    revision: None,
                    file_exists_behavior: None,
                })
            })
            .collect();
        running
            .iter()
            .map(|order| EventReport::failed(order, AGENT_RESTART_MESSAGE))
            .filter(|report| self.agent_event_done(now, report.clone()).is_ok())
            .count()
    }
}
