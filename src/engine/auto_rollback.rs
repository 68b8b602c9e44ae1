//! Automatic rollback (reference §11): the decision when a deployment ends,
//! the rollback deployment it creates, and `rollbackInfo.rollbackMessage` on
//! both deployments as the rollback goes on.
//!
//! The reference leaves the messages' text open (§16 item 2); AWS's model
//! says only that the message describes the rollback's state. codedeck's say
//! where the rollback stands, on the deployment rolled back and on the
//! rollback itself: in progress when the rollback is created, then succeeded
//! or failed (a stopped rollback did not succeed) when it ends. A Lambda or
//! ECS deployment puts traffic back on the original itself as it fails or
//! stops with rollback; with no earlier successful revision that is the whole
//! rollback, and its message says so.

use super::configs;
use super::deployment::{rollback_enabled_for, DeploymentSpec};
use super::{Active, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

/// How a rollback ended, for the messages.
fn outcome(status: &DeploymentStatus, code: Option<&ErrorCode>) -> (&'static str, String) {
    let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
    match status {
        DeploymentStatus::Succeeded => ("succeeded", String::new()),
        DeploymentStatus::Stopped => ("failed", format!("was stopped{code}")),
        _ => ("failed", format!("failed{code}")),
    }
}

/// The message on the deployment rolled back, once its rollback `rb` ended.
fn message_on_original(rb: &str, status: &DeploymentStatus, code: Option<&ErrorCode>) -> String {
    match outcome(status, code) {
        ("succeeded", _) => {
            format!("Rollback succeeded: deployment {rb} redeployed the last successful revision.")
        }
        (_, how) => format!("Rollback failed: deployment {rb} {how}."),
    }
}

/// The message on rollback deployment `rb` of `orig`, once it ended.
fn message_on_rollback(orig: &str, status: &DeploymentStatus, code: Option<&ErrorCode>) -> String {
    match outcome(status, code) {
        ("succeeded", _) => format!("Rollback of deployment {orig} succeeded."),
        (_, how) => format!("Rollback of deployment {orig} failed: this deployment {how}."),
    }
}

/// The message a new rollback deployment starts with.
fn rollback_started(orig: &str) -> String {
    format!("Rollback of deployment {orig} in progress: redeploying the last successful revision.")
}

/// Whether a deployment that ended with `status` is rolled back: on failure
/// when its configuration asks, on a stop when the stop asks; never a rollback.
fn rollback_wanted(
    info: &DeploymentInfo,
    status: &DeploymentStatus,
    run: Option<&RunState>,
) -> bool {
    if info.creator == Some(DeploymentCreator::CodeDeployRollback) {
        return false;
    }
    match status {
        DeploymentStatus::Failed => rollback_enabled_for(
            info.auto_rollback_configuration.as_ref(),
            AutoRollbackEvent::DeploymentFailure,
        ),
        DeploymentStatus::Stopped => run
            .and_then(|r| r.stop.as_ref())
            .is_some_and(|s| s.rollback),
        _ => false,
    }
}

/// What a Lambda or ECS deployment put traffic back on as it ended, if it did.
fn restored_traffic(active: &Active, run: Option<&RunState>) -> Option<String> {
    run?.shift.as_ref().filter(|s| s.restored)?;
    let target = &active.targets.first()?.target;
    if let Some(info) = target
        .lambda_target
        .as_ref()
        .and_then(|l| l.lambda_function_info.as_ref())
    {
        return Some(format!(
            "alias {}:{} points at its original version {} again",
            info.function_name.as_deref()?,
            info.function_alias.as_deref()?,
            info.current_version.as_deref()?
        ));
    }
    target
        .ecs_target
        .as_ref()
        .map(|_| "production traffic is back on the original task set".to_string())
}

impl Engine {
    /// Decides on automatic rollback for a finished deployment and creates the
    /// rollback deployment; returns its ID.
    pub(super) fn rollback_after(
        &mut self,
        id: &str,
        status: &DeploymentStatus,
        run: Option<&RunState>,
        at: Millis,
    ) -> Option<String> {
        let active = self.active.get(id)?;
        if !rollback_wanted(&active.rec.info, status, run) {
            return None;
        }
        let group_id = active.rec.group_id.clone();
        let info = active.rec.info.clone();
        let restored = restored_traffic(active, run);
        let Some(revision) = self.last_successful_revision(&group_id) else {
            let group_name = info.deployment_group_name.clone().unwrap_or_default();
            let why = format!("deployment group '{group_name}' has no earlier successful revision to roll back to.");
            self.set_rollback_info(
                id,
                None,
                match restored {
                    Some(traffic) => format!(
                        "Rollback succeeded: {traffic}. No rollback deployment was created: {why}"
                    ),
                    None => format!("Automatic rollback was not performed: {why}"),
                },
            );
            return None;
        };
        let rb = self.insert_deployment(
            at,
            DeploymentSpec {
                group_id,
                revision,
                config_name: info
                    .deployment_config_name
                    .clone()
                    .unwrap_or_else(|| configs::DEFAULT_SERVER_CONFIG.into()),
                creator: Some(DeploymentCreator::CodeDeployRollback),
                ignore_application_stop_failures: info.ignore_application_stop_failures
                    == Some(true),
                file_exists_behavior: info.file_exists_behavior.clone(),
                rollback_of: Some(id.to_string()),
                ..Default::default()
            },
        );
        self.set_rollback_info(&rb, None, rollback_started(id));
        self.plan_blue_green_rollback(id, &rb);
        // It starts now, ahead of anything queued; its own start timer is moot.
        if let Some(run) = self.active.get_mut(&rb).and_then(|a| a.rec.run.as_mut()) {
            run.start_due = None;
        }
        let traffic = restored.map(|t| format!("{t}; ")).unwrap_or_default();
        self.set_rollback_info(
            id,
            Some(rb.clone()),
            format!("Rollback in progress: {traffic}deployment {rb} redeploys the last successful revision."),
        );
        self.trigger_deployment(at, id, TriggerEventType::DeploymentRollback);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id} rolled back by {rb}"),
        );
        Some(rb)
    }

    /// The revision a rollback of the group redeploys: that of its last
    /// successful deployment (`DeploymentGroupInfo::rollback_source`), which
    /// the group keeps as its `targetRevision` (`update_group_after` sets both
    /// together). From memory: a failed storage read must never turn into
    /// "nothing to roll back to" (DESIGN rule 7).
    pub(crate) fn last_successful_revision(&self, group_id: &str) -> Option<RevisionLocation> {
        let info = &self.groups.get(group_id)?.info;
        info.rollback_source()?;
        info.target_revision.clone()
    }

    fn set_rollback_info(&mut self, id: &str, rollback_id: Option<String>, message: String) {
        if let Some(a) = self.active.get_mut(id) {
            let info = a
                .rec
                .info
                .rollback_info
                .get_or_insert_with(RollbackInfo::default);
            info.rollback_deployment_id = rollback_id;
            info.rollback_message = Some(message);
        }
    }

    /// A rollback deployment ended: its own message and that of the deployment
    /// it rolls back say how.
    pub(super) fn note_rollback_ended(
        &mut self,
        id: &str,
        status: &DeploymentStatus,
        code: Option<&ErrorCode>,
    ) {
        let Some(orig) = self
            .active
            .get(id)
            .and_then(|a| a.rec.info.rollback_info.as_ref())
            .and_then(|r| r.rollback_triggering_deployment_id.clone())
        else {
            return;
        };
        if let Some(info) = self
            .active
            .get_mut(id)
            .and_then(|a| a.rec.info.rollback_info.as_mut())
        {
            info.rollback_message = Some(message_on_rollback(&orig, status, code));
        }
        let message = message_on_original(id, status, code);
        self.set_finished_rollback_message(&orig, message);
    }

    /// Sets the rollback message of a deployment that has already finished:
    /// on its record if this step finished it (the record waits in `out`),
    /// else as a change the store applies to the stored record.
    fn set_finished_rollback_message(&mut self, id: &str, message: String) {
        let pending = self.out.iter_mut().rev().find_map(|c| match c {
            Change::Deployment(d) if d.id() == id => Some(d),
            _ => None,
        });
        match pending {
            Some(rec) => rec.set_rollback_message(&message),
            None => self.out.push(Change::RollbackMessage {
                deployment_id: id.to_string(),
                message,
            }),
        }
    }
}
