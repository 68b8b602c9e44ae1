//! Commands on the simulated world that are not CodeDeploy operations: alarms as
//! switches and faults injected into hosts (the dashboard's teaching keys).

use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

impl Engine {
    /// Sets an alarm's state (creating the alarm if needed); deployments that
    /// watch it stop at once when it fires.
    pub fn set_alarm(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        name: &str,
        state: AlarmState,
    ) -> ApiResult<()> {
        if name.is_empty() || name.len() > 255 {
            return err(
                Exception::InvalidAlarmConfig,
                "An alarm name is 1 to 255 characters.",
            );
        }
        self.put_alarm(AlarmRecord {
            name: name.to_string(),
            state,
        });
        self.log(
            now,
            None,
            None,
            EventKind::World,
            format!("alarm {name} is now {state:?}"),
        );
        let watching: Vec<String> = self.active.keys().cloned().collect();
        for id in watching {
            self.check_alarms(&id, now, ar);
        }
        Ok(())
    }

    pub fn alarms(&self) -> impl Iterator<Item = &AlarmRecord> {
        self.alarms.values()
    }

    /// Makes `host` fail the next lifecycle event it starts: in the deployment it
    /// is running now, or else in its next one.
    pub fn break_host(&mut self, now: Millis, host: &str, kind: FaultKind) -> ApiResult<()> {
        if !self.fleet_hosts.contains_key(host) && !self.instances.contains_key(host) {
            return err(
                Exception::InstanceDoesNotExist,
                format!("No simulated host named {host}."),
            );
        }
        let running = self.active.iter_mut().find_map(|(id, a)| {
            let t = a
                .targets
                .iter_mut()
                .find(|t| t.run.host == host && t.run.due.is_some())?;
            Some((id.clone(), t))
        });
        if let Some((id, t)) = running {
            let names = crate::engine::deploy::event_names(t);
            if let Some(next) = names.get(t.run.event as usize + 1) {
                t.run.fault = Some(Fault {
                    event: next.clone(),
                    kind,
                });
                let index = t.index;
                self.dirty.targets.insert((id.clone(), index));
                self.log(
                    now,
                    Some(&id),
                    Some(host),
                    EventKind::World,
                    format!("{host} will fail {next}"),
                );
                return Ok(());
            }
        }
        let record = self
            .hosts
            .entry(host.to_string())
            .or_insert_with(|| HostRecord {
                id: host.to_string(),
                ..Default::default()
            });
        record.next_fault = Some(kind);
        self.dirty.hosts.insert(host.to_string());
        self.log(
            now,
            None,
            Some(host),
            EventKind::World,
            format!("{host} will fail the first event of its next deployment"),
        );
        Ok(())
    }

    /// Every simulated EC2 instance and registered on-premises instance, by ID.
    pub fn host_ids(&self) -> Vec<String> {
        self.fleet_hosts
            .keys()
            .cloned()
            .chain(
                self.instances
                    .iter()
                    .filter(|(_, i)| i.info.deregister_time.is_none())
                    .map(|(n, _)| n.clone()),
            )
            .collect()
    }

    /// Deployments not finished, oldest first.
    pub fn active_deployments(&self) -> Vec<DeploymentInfo> {
        let mut list: Vec<&DeploymentRecord> = self.active.values().map(|a| &a.rec).collect();
        list.sort_by_key(|r| r.seq);
        list.into_iter().map(|r| r.info.clone()).collect()
    }
}
