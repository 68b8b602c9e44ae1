//! The deterministic, sans-IO CodeDeploy engine.
//!
//! Inputs are operations and "now" (virtual milliseconds); outputs are replies and
//! the records each step touched (`take_changes`), which the store commits in one
//! transaction. No tokio, no files, no wall clock: randomness is a hash of the seed.

pub mod agent_events;
pub mod appspec;
mod auto_rollback;
mod batch;
mod bluegreen;
pub mod configs;
mod deployment;
mod discover;
pub mod host_behaviour;
mod host_events;
mod inplace;
pub mod lifecycle;
mod notify;
pub mod operations;
mod ops;
mod outcomes;
pub mod selection;
pub mod shift;
pub mod validate;
mod view;
mod zonal;

pub use ops::get_deployment_output;
pub use view::Wait;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use crate::model::ids::{Arns, DEFAULT_ACCOUNT, DEFAULT_REGION};
use crate::model::time::Millis;
use crate::state::fleet::{Fleet, Host};
use crate::state::*;

/// Settings fixed for the life of an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Reject a second deployment to a busy group (as AWS does) instead of queueing it.
    pub strict: bool,
    pub region: String,
    pub account: String,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            strict: false,
            region: DEFAULT_REGION.into(),
            account: DEFAULT_ACCOUNT.into(),
        }
    }
}

/// A deployment still running, with its targets, kept in memory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Active {
    pub rec: DeploymentRecord,
    pub targets: Vec<TargetRecord>,
}

/// A scheduled wake-up. Ordered by time, then deployment creation order, then
/// target index: a total order that survives a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub due: Millis,
    pub seq: u64,
    pub index: u32,
}

/// Timer index used for deployment-level wake-ups (start, deadline).
pub(crate) const DEPLOYMENT_TIMER: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
pub(crate) struct Dirty {
    pub meta: bool,
    pub fleet: bool,
    pub apps: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    pub configs: BTreeSet<String>,
    pub instances: BTreeSet<String>,
    pub hosts: BTreeSet<String>,
    pub alarms: BTreeSet<String>,
    pub functions: BTreeSet<String>,
    pub services: BTreeSet<String>,
    pub deployments: BTreeSet<String>,
    pub targets: BTreeSet<(String, u32)>,
}

/// Cloned only to look one step ahead ([`Engine::preview_step`]).
#[derive(Clone)]
pub struct Engine {
    opts: EngineOptions,
    meta: Meta,
    fleet: Fleet,
    /// Applications by name.
    apps: BTreeMap<String, ApplicationRecord>,
    /// Deployment groups by ID.
    groups: BTreeMap<String, GroupRecord>,
    /// Custom deployment configs by name.
    configs: BTreeMap<String, ConfigRecord>,
    /// On-premises instances by name.
    instances: BTreeMap<String, InstanceRecord>,
    /// Simulated EC2 instances from the fleet, by ID.
    fleet_hosts: BTreeMap<String, Host>,
    /// Dynamic host state, by host ID (EC2 ID or on-premises name).
    hosts: BTreeMap<String, HostRecord>,
    alarms: BTreeMap<String, AlarmRecord>,
    /// Simulated Lambda functions by name.
    functions: BTreeMap<String, FunctionRecord>,
    /// Simulated ECS services by `cluster:service`.
    services: BTreeMap<String, ServiceRecord>,
    /// Deployments not finished, by ID.
    active: BTreeMap<String, Active>,
    /// Deployment ID by creation sequence, for timers.
    by_seq: BTreeMap<u64, String>,
    timers: BinaryHeap<Reverse<Timer>>,
    dirty: Dirty,
    /// Changes already materialised this step (finished deployments, deletions, events).
    out: Vec<Change>,
    /// Events for local hosts' agents to run, not yet taken by the runtime.
    orders: Vec<crate::state::orders::EventOrder>,
}

impl Engine {
    /// A fresh engine over `fleet`, starting at virtual time `now`.
    pub fn new(opts: EngineOptions, seed: u64, fleet: Fleet, now: Millis) -> Engine {
        let meta = Meta {
            seed,
            next_seq: 1,
            next_event_seq: 1,
            next_id: 1,
            now,
        };
        let mut engine = Engine::empty(opts, meta, fleet);
        engine.dirty.meta = true;
        engine.dirty.fleet = true;
        engine.sync_fleet();
        engine
    }

    /// Rebuilds an engine from what the store loaded. A snapshot without meta
    /// (a new state file) starts fresh with `seed`, `fleet` and `now`.
    pub fn restore(
        opts: EngineOptions,
        snapshot: Snapshot,
        seed: u64,
        fleet: Option<Fleet>,
        now: Millis,
    ) -> Engine {
        let Some(meta) = snapshot.meta else {
            return Engine::new(opts, seed, fleet.unwrap_or_else(Fleet::sample), now);
        };
        let replaced = fleet.is_some();
        let fleet = fleet.or(snapshot.fleet).unwrap_or_else(Fleet::sample);
        let mut engine = Engine::empty(opts, meta, fleet);
        engine.dirty.fleet = replaced;
        for a in snapshot.applications {
            engine.apps.insert(a.name().to_string(), a);
        }
        for g in snapshot.groups {
            engine.groups.insert(g.id().to_string(), g);
        }
        for c in snapshot.configs {
            engine.configs.insert(c.name().to_string(), c);
        }
        for i in snapshot.instances {
            engine.instances.insert(i.name().to_string(), i);
        }
        for h in snapshot.hosts {
            engine.hosts.insert(h.id.clone(), h);
        }
        for a in snapshot.alarms {
            engine.alarms.insert(a.name.clone(), a);
        }
        for f in snapshot.functions {
            engine.functions.insert(f.name.clone(), f);
        }
        for s in snapshot.services {
            engine.services.insert(s.key(), s);
        }
        for (rec, mut targets) in snapshot.active {
            targets.sort_by_key(|t| t.index);
            engine.insert_active(Active { rec, targets });
        }
        engine.sync_fleet();
        engine
    }

    fn empty(opts: EngineOptions, meta: Meta, fleet: Fleet) -> Engine {
        Engine {
            opts,
            meta,
            fleet,
            apps: BTreeMap::new(),
            groups: BTreeMap::new(),
            configs: BTreeMap::new(),
            instances: BTreeMap::new(),
            fleet_hosts: BTreeMap::new(),
            hosts: BTreeMap::new(),
            alarms: BTreeMap::new(),
            functions: BTreeMap::new(),
            services: BTreeMap::new(),
            active: BTreeMap::new(),
            by_seq: BTreeMap::new(),
            timers: BinaryHeap::new(),
            dirty: Dirty::default(),
            out: Vec::new(),
            orders: Vec::new(),
        }
    }

    /// Resolves the fleet's hosts and makes sure its alarms exist.
    fn sync_fleet(&mut self) {
        let defaults = self.fleet.defaults.clone();
        self.fleet_hosts = self
            .fleet
            .hosts()
            .into_iter()
            .map(|mut h| {
                // Resolved once: defaults, then the host's own settings, then fault tags.
                h.behaviour = host_behaviour::tag_faults(&h.tags, h.behaviour.over(&defaults));
                (h.id.clone(), h)
            })
            .collect();
        // Instances launched or terminated by blue/green deployments (bluegreen/provision.rs).
        self.sync_blue_green_hosts();
        for spec in self.fleet.alarms.clone() {
            if !self.alarms.contains_key(&spec.name) {
                let state = crate::state::fleet::parse_alarm_state(spec.state.as_deref())
                    .unwrap_or(AlarmState::Ok);
                self.put_alarm(AlarmRecord {
                    name: spec.name,
                    state,
                });
            }
        }
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    pub fn seed(&self) -> u64 {
        self.meta.seed
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// The virtual time the engine has advanced to.
    pub fn now(&self) -> Millis {
        self.meta.now
    }

    pub(crate) fn arns(&self) -> Arns<'_> {
        Arns {
            region: &self.opts.region,
            account: &self.opts.account,
        }
    }

    /// The earliest wake-up that still has work to do, for the runtime's timer
    /// and the clock's single step. Timers of finished deployments are purged
    /// when they finish (`finish`); a timer a deployment has since moved (a
    /// target's event rescheduled, a wait ended early) stays in the heap until
    /// its time and is skipped here, so stepping never lands where nothing happens.
    pub fn next_due(&self) -> Option<Millis> {
        match self.timers.peek() {
            None => None,
            Some(Reverse(t)) if self.timer_live(t) => Some(t.due),
            Some(_) => self
                .timers
                .iter()
                .map(|Reverse(t)| t)
                .filter(|t| self.timer_live(t))
                .map(|t| t.due)
                .min(),
        }
    }

    /// Whether firing `t` would do something: its deployment is unfinished and
    /// still waits for exactly this time (its start, deadline or zone monitor
    /// wait, or the target's running event, hook, traffic step or wait).
    pub(crate) fn timer_live(&self, t: &Timer) -> bool {
        let Some(active) = self.by_seq.get(&t.seq).and_then(|id| self.active.get(id)) else {
            return false;
        };
        if t.index != DEPLOYMENT_TIMER {
            return active
                .targets
                .get(t.index as usize)
                .is_some_and(|target| target.run.due == Some(t.due));
        }
        active.rec.run.as_ref().is_some_and(|run| {
            run.start_due == Some(t.due)
                || run.deadline == Some(t.due)
                || run.zonal.as_ref().and_then(|z| z.monitor_until) == Some(t.due)
        })
    }

    /// Drops the timers of a deployment that has finished.
    pub(crate) fn cancel_timers(&mut self, seq: u64) {
        self.timers.retain(|Reverse(t)| t.seq != seq);
    }

    /// True while any deployment is unfinished.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    pub(crate) fn insert_active(&mut self, active: Active) {
        let seq = active.rec.seq;
        let id = active.rec.id().to_string();
        if let Some(run) = &active.rec.run {
            for due in [run.start_due, run.deadline].into_iter().flatten() {
                self.timers.push(Reverse(Timer {
                    due,
                    seq,
                    index: DEPLOYMENT_TIMER,
                }));
            }
        }
        for t in &active.targets {
            if let Some(due) = t.run.due {
                self.timers.push(Reverse(Timer {
                    due,
                    seq,
                    index: t.index,
                }));
            }
        }
        self.by_seq.insert(seq, id.clone());
        self.active.insert(id, active);
    }

    pub(crate) fn schedule(&mut self, due: Millis, seq: u64, index: u32) {
        self.timers.push(Reverse(Timer { due, seq, index }));
    }

    /// Everything the steps since the last call touched, ready to commit.
    pub fn take_changes(&mut self) -> Vec<Change> {
        let mut changes = std::mem::take(&mut self.out);
        let dirty = std::mem::take(&mut self.dirty);
        if dirty.fleet {
            changes.push(Change::Fleet(self.fleet.clone()));
        }
        for name in dirty.apps {
            if let Some(a) = self.apps.get(&name) {
                changes.push(Change::Application(a.clone()));
            }
        }
        for id in dirty.groups {
            if let Some(g) = self.groups.get(&id) {
                changes.push(Change::Group(g.clone()));
            }
        }
        for name in dirty.configs {
            if let Some(c) = self.configs.get(&name) {
                changes.push(Change::Config(c.clone()));
            }
        }
        for name in dirty.instances {
            if let Some(i) = self.instances.get(&name) {
                changes.push(Change::Instance(i.clone()));
            }
        }
        for id in dirty.hosts {
            if let Some(h) = self.hosts.get(&id) {
                changes.push(Change::Host(h.clone()));
            }
        }
        for name in dirty.alarms {
            if let Some(a) = self.alarms.get(&name) {
                changes.push(Change::Alarm(a.clone()));
            }
        }
        for name in dirty.functions {
            if let Some(f) = self.functions.get(&name) {
                changes.push(Change::Function(f.clone()));
            }
        }
        for key in dirty.services {
            if let Some(s) = self.services.get(&key) {
                changes.push(Change::Service(s.clone()));
            }
        }
        for id in dirty.deployments {
            if let Some(a) = self.active.get(&id) {
                changes.push(Change::Deployment(a.rec.clone()));
            }
        }
        for (id, index) in dirty.targets {
            if let Some(t) = self
                .active
                .get(&id)
                .and_then(|a| a.targets.get(index as usize))
            {
                changes.push(Change::Target(t.clone()));
            }
        }
        if dirty.meta || !changes.is_empty() {
            changes.push(Change::Meta(self.meta.clone()));
        }
        changes
    }

    /// A host's dynamic record, created when first needed; the host is
    /// marked changed.
    pub(crate) fn host_mut(&mut self, host: &str) -> &mut HostRecord {
        self.dirty.hosts.insert(host.to_string());
        self.hosts
            .entry(host.to_string())
            .or_insert_with(|| HostRecord {
                id: host.to_string(),
                ..Default::default()
            })
    }

    /// A host's state in deployment group `group_id` (see [`Engine::host_mut`]).
    pub(crate) fn host_in_group(&mut self, host: &str, group_id: &str) -> &mut HostGroupState {
        self.host_mut(host)
            .groups
            .entry(group_id.to_string())
            .or_default()
    }

    pub(crate) fn put_alarm(&mut self, alarm: AlarmRecord) {
        self.dirty.alarms.insert(alarm.name.clone());
        self.alarms.insert(alarm.name.clone(), alarm);
    }

    /// A fresh deterministic 64-bit value (advances the ID counter).
    pub(crate) fn next_bits(&mut self, label: &str) -> u64 {
        let n = self.meta.next_id;
        self.meta.next_id += 1;
        self.dirty.meta = true;
        crate::state::rng::draw(self.meta.seed, &[label, &n.to_string()])
    }

    pub(crate) fn new_uuid(&mut self, label: &str) -> String {
        let hi = self.next_bits(label);
        let lo = rng::mix(hi ^ 0x5eed);
        crate::model::ids::uuid_from(hi, lo)
    }
}
