//! Commands on the simulated world that are not CodeDeploy operations: alarms as
//! switches and faults injected into hosts (the dashboard's teaching keys).

use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::error::{err, ApiResult};
use crate::state::*;

impl Engine {
    /// Sets an alarm's state (creating the alarm if needed); deployments that
    /// watch it stop at once when it fires.
    pub fn set_alarm(&mut self, now: Millis, name: &str, state: AlarmState) -> ApiResult<()> {
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
            self.check_alarms(&id, now);
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
        if self.local_root(host).is_some() {
            return err(
                Exception::InvalidInstanceName,
                format!("{host} is a local host: it runs the revision's real scripts, so break a script instead."),
            );
        }
        let running = self.active.iter().find_map(|(id, a)| {
            let t = a
                .targets
                .iter()
                .find(|t| t.run.host == host && t.run.due.is_some())?;
            let later: Vec<_> = t
                .event_names()
                .into_iter()
                .skip(t.run.event as usize + 1)
                .collect();
            Some((id.clone(), a.rec.group_id.clone(), t.index, later))
        });
        if let Some((id, group_id, index, later)) = running {
            if let Some(next) = self.fault_event(host, &group_id, &later, kind) {
                if let Some(t) = self
                    .active
                    .get_mut(&id)
                    .and_then(|a| a.targets.get_mut(index as usize))
                {
                    t.run.fault = Some(Fault { event: next, kind });
                }
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
        self.host_mut(host).next_fault = Some(kind);
        self.log(
            now,
            None,
            Some(host),
            EventKind::World,
            format!("{host} will fail the first event that runs a script in its next deployment"),
        );
        Ok(())
    }

    /// Repairs a simulated Lambda alias that routes traffic to two versions (a
    /// deployment stopped without rollback leaves it so, and deployments to it
    /// fail until then): it keeps its primary version only, as choosing
    /// "Additional version: <none>" in the Lambda console does. Returns that
    /// version. Refused while a deployment is shifting the alias.
    pub fn repair_alias(&mut self, now: Millis, function: &str, alias: &str) -> ApiResult<String> {
        let shifting = self.deployment_shifting_alias(function, alias);
        if let Some(a) = shifting {
            return err(
                Exception::InvalidOperation,
                format!("Deployment {a} is shifting alias {function}:{alias}; stop it instead."),
            );
        }
        let Some(record) = self
            .functions
            .get_mut(function)
            .and_then(|f| f.aliases.get_mut(alias))
        else {
            return err(
                Exception::InvalidInput,
                format!("No simulated Lambda function {function} with an alias {alias}."),
            );
        };
        let Some(dropped) = record.additional_version.take() else {
            return err(
                Exception::InvalidOperation,
                format!("Alias {function}:{alias} already points at one version ({}): nothing to repair.", record.version),
            );
        };
        record.additional_weight = 0.0;
        let version = record.version.clone();
        self.dirty.functions.insert(function.to_string());
        self.log(
            now,
            None,
            None,
            EventKind::World,
            format!("alias {function}:{alias} repaired: version {version} only (version {dropped} no longer gets traffic)"),
        );
        Ok(version)
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

    /// A teaching fault for Lambda and ECS: the hook running now answers
    /// Failed when its simulated function answers; with none running, the
    /// next hook the deployment invokes does. What will fail, in words.
    pub fn fail_next_hook(&mut self, now: Millis, id: &str) -> ApiResult<String> {
        let Some(active) = self.active.get_mut(id) else {
            return err(
                Exception::DeploymentAlreadyCompleted,
                format!("Deployment {id} is not running: no hook is left to fail."),
            );
        };
        let Some(shift) = active.rec.run.as_mut().and_then(|r| r.shift.as_mut()) else {
            return err(
                Exception::InvalidDeploymentId,
                format!("Deployment {id} runs no hooks: only Lambda and ECS deployments do."),
            );
        };
        let what = match (&shift.hook, shift.hook_answer.as_mut()) {
            (Some(exec), Some(answer)) => {
                answer.1 = false;
                format!("hook execution {exec} will answer Failed")
            }
            _ => {
                shift.fail_next_hook = true;
                format!("the next hook of {id} will answer Failed")
            }
        };
        self.dirty.deployments.insert(id.to_string());
        self.log(
            now,
            Some(id),
            None,
            EventKind::World,
            format!("teaching fault: {what}"),
        );
        Ok(what)
    }
}
