//! Zonal in-place deployments: a deployment configuration with `zonalConfig`
//! deploys to one Availability Zone at a time (reference §6, "Zonal config
//! fields"; API reference ZonalConfig).
//!
//! * After the first zone CodeDeploy waits `firstZoneMonitorDurationInSeconds`
//!   (by default `monitorDurationInSeconds`), after each later zone
//!   `monitorDurationInSeconds` (by default nothing), then starts the next
//!   zone. Alarms stop the deployment during a wait as at any other time.
//! * Within a zone the fleet-wide minimum healthy hosts still holds, and at
//!   least `minimumHealthyHostsPerZone` of the zone's instances stay healthy
//!   (default 0 %).
//!
//! Decisions where AWS is silent (the reference marks the arithmetic
//! UNCONFIRMED, §16 item 7):
//! * Zones go in name order (us-east-1a, us-east-1b, ...); within a zone the
//!   order of reference §8.2.6 holds. A zone whose instances are all skipped
//!   (`updateOutdatedInstancesOnly`) is no zone of the deployment.
//! * Instances without an Availability Zone (on-premises instances) form one
//!   more group, deployed after every zone, with the same monitor wait before
//!   it as before any later zone and the per-zone minimum applied to it.
//! * A zone's minimum counts the zone's instances the deployment deploys to,
//!   as the fleet-wide minimum counts the deployment's: HOST_COUNT v keeps v,
//!   FLEET_PERCENT p keeps ceil(z * p / 100). A zone whose minimum leaves no
//!   instance to take down still deploys, one instance at a time, rather than
//!   failing: the fleet-wide minimum alone decides whether the deployment can
//!   start (HEALTH_CONSTRAINTS_INVALID).
//! * Failed instances of a zone count against its minimum as against the
//!   fleet's: when they leave no room and the zone still has instances to
//!   deploy to, the deployment fails with HEALTH_CONSTRAINTS.
//! * There is no wait after the last zone, and the 8-hour limit of in-place
//!   deployments includes the waits.
//! * The deployment stays `InProgress` during a monitor wait (`Baking` is
//!   undocumented, reference §3.1).
//! * Blue/green deployments ignore `zonalConfig`: their replacement fleet
//!   installs at once (bluegreen/).

use super::{Engine, DEPLOYMENT_TIMER};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

/// What the zonal plan allows the in-place scheduler (`Engine::pump`) now.
pub(super) enum ZoneStep {
    /// Not a zonal deployment: the fleet-wide limits alone decide.
    Unzoned,
    /// Nothing may start now: the zone waits for its instances, or for the
    /// end of its monitor wait.
    Hold,
    /// The plan moved on to the next zone: look again.
    Again,
    /// The zone's failures ended the deployment.
    Ended,
    /// The zone has instances waiting; whether its minimum leaves room for one more.
    Room(bool),
}

/// The most of `n` instances of a zone that may be down at once.
fn zone_max_down(per_zone: Option<&MinimumHealthyHostsPerZone>, n: i64) -> i64 {
    let value = per_zone.and_then(|m| m.value).unwrap_or(0) as i64;
    let min = match per_zone.and_then(|m| m.r#type.as_ref()) {
        Some(MinimumHealthyHostsPerZoneType::HostCount) => value,
        _ => (n * value + 99) / 100,
    };
    (n - min).max(1)
}

/// Zone order: by name, instances without a zone last.
fn zone_rank(zone: &Option<String>) -> (bool, Option<&str>) {
    (zone.is_none(), zone.as_deref())
}

fn seconds(s: Option<i64>) -> Option<Millis> {
    s.map(|s| s.max(0) * 1000)
}

/// The zonal plan for `targets`, of which `pending` (in start order) are to
/// be deployed to; reorders `pending` zone by zone.
pub(super) fn plan(
    config: &ZonalConfig,
    targets: &[TargetRecord],
    pending: &mut [u32],
) -> ZonalRun {
    let zone_of = |i: &u32| targets.get(*i as usize).and_then(|t| t.run.zone.clone());
    // A stable sort keeps the §8.2.6 order within each zone.
    pending.sort_by(|a, b| zone_rank(&zone_of(a)).cmp(&zone_rank(&zone_of(b))));
    let mut zones: Vec<ZoneRun> = Vec::new();
    for i in pending.iter() {
        let zone = zone_of(i);
        if zones.last().map(|z| &z.zone) != Some(&zone) {
            zones.push(ZoneRun { zone, max_down: 0 });
        }
    }
    for z in zones.iter_mut() {
        let n = pending.iter().filter(|i| zone_of(i) == z.zone).count() as i64;
        z.max_down = zone_max_down(config.minimum_healthy_hosts_per_zone.as_ref(), n);
    }
    let monitor = seconds(config.monitor_duration_in_seconds);
    ZonalRun {
        zones,
        current: 0,
        monitor_until: None,
        first_monitor: seconds(config.first_zone_monitor_duration_in_seconds)
            .or(monitor)
            .unwrap_or(0),
        monitor: monitor.unwrap_or(0),
    }
}

/// How a zone is named in messages.
pub(super) fn zone_name(zone: &Option<String>) -> &str {
    zone.as_deref()
        .unwrap_or("(instances without an Availability Zone)")
}

/// How zone `i` of a plan is named in messages.
fn label(z: &ZonalRun, i: usize) -> String {
    match z.zones.get(i) {
        Some(x) => zone_name(&x.zone).to_string(),
        None => "(none)".to_string(),
    }
}

impl Engine {
    /// Where the zonal plan stands for the in-place scheduler; moves it on
    /// when the current zone is done.
    pub(super) fn zone_step(&mut self, id: &str, at: Millis) -> ZoneStep {
        let Some(active) = self.active.get(id) else {
            return ZoneStep::Ended;
        };
        let Some(run) = active.rec.run.as_ref() else {
            return ZoneStep::Ended;
        };
        let Some(z) = run.zonal.as_ref() else {
            return ZoneStep::Unzoned;
        };
        if z.monitor_until.is_some() {
            return ZoneStep::Hold;
        }
        let Some(zone) = z.zones.get(z.current).cloned() else {
            return ZoneStep::Unzoned;
        };
        let in_zone = |t: &&TargetRecord| t.run.zone == zone.zone;
        let count = |s: TargetStatus| {
            active
                .targets
                .iter()
                .filter(in_zone)
                .filter(|t| t.status() == s)
                .count() as i64
        };
        let (busy, failed) = (count(TargetStatus::InProgress), count(TargetStatus::Failed));
        // `pending` runs zone by zone: the zone has instances waiting when it is first.
        let waiting = run
            .pending
            .first()
            .and_then(|i| active.targets.get(*i as usize))
            .is_some_and(|t| t.run.zone == zone.zone);
        match (waiting, busy) {
            (false, 0) => self.end_zone(id, at),
            (false, _) => ZoneStep::Hold,
            (true, 0) if failed >= zone.max_down => {
                self.fail_zone(id, &zone, at);
                ZoneStep::Ended
            }
            (true, _) => ZoneStep::Room(busy + failed < zone.max_down),
        }
    }

    /// The current zone is deployed: wait before the next one, or go on.
    fn end_zone(&mut self, id: &str, at: Millis) -> ZoneStep {
        let Some(a) = self.active.get_mut(id) else {
            return ZoneStep::Ended;
        };
        let seq = a.rec.seq;
        let Some(z) = a.rec.run.as_mut().and_then(|r| r.zonal.as_mut()) else {
            return ZoneStep::Unzoned;
        };
        let wait = if z.current == 0 {
            z.first_monitor
        } else {
            z.monitor
        };
        let (done, next) = (label(z, z.current), label(z, z.current + 1));
        let text = if wait > 0 {
            z.monitor_until = Some(at + wait);
            self.schedule(at + wait, seq, DEPLOYMENT_TIMER);
            format!(
                "{id}: zone {done} deployed; monitoring it for {} s before zone {next}",
                wait / 1000
            )
        } else {
            z.current += 1;
            format!("{id}: zone {done} deployed; zone {next} starts")
        };
        self.touch(id);
        self.log(at, Some(id), None, EventKind::Deployment, text);
        if wait > 0 {
            ZoneStep::Hold
        } else {
            ZoneStep::Again
        }
    }

    /// The monitor wait after a zone ended (its timer fired): the next zone starts.
    pub(super) fn end_zone_wait(&mut self, id: &str, at: Millis) {
        let Some(z) = self
            .active
            .get_mut(id)
            .and_then(|a| a.rec.run.as_mut())
            .and_then(|r| r.zonal.as_mut())
        else {
            return;
        };
        z.monitor_until = None;
        z.current += 1;
        let next = label(z, z.current);
        self.touch(id);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id}: monitor wait over; zone {next} starts"),
        );
        if self.check_alarms(id, at) {
            return;
        }
        self.pump(id, at);
    }

    fn fail_zone(&mut self, id: &str, zone: &ZoneRun, at: Millis) {
        let message = format!(
            "The overall deployment failed because too many instances failed in Availability Zone {}: deploying to another would leave fewer healthy instances there than the minimum healthy hosts per zone.",
            zone_name(&zone.zone)
        );
        self.finish(
            id,
            at,
            DeploymentStatus::Failed,
            Some((ErrorCode::HealthConstraints, message)),
        );
    }
}
