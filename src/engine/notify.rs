//! The event log: state changes as they happen, and SNS trigger notifications
//! with AWS's payload shape (reference §12).

use serde_json::{json, Value};

use super::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

impl Engine {
    pub(crate) fn log(
        &mut self,
        at: Millis,
        deployment: Option<&str>,
        target: Option<&str>,
        kind: EventKind,
        text: String,
    ) {
        self.push_event(EventRecord {
            seq: 0,
            time: Timestamp(at),
            deployment_id: deployment.map(str::to_string),
            target_id: target.map(str::to_string),
            kind,
            text,
            notification: None,
        });
    }

    fn push_event(&mut self, mut event: EventRecord) {
        event.seq = self.meta.next_event_seq;
        self.meta.next_event_seq += 1;
        self.dirty.meta = true;
        self.out.push(Change::Event(event));
    }

    /// Sends `event` to every trigger of the deployment's group that listens for it.
    pub(crate) fn trigger_deployment(
        &mut self,
        at: Millis,
        deployment_id: &str,
        event: TriggerEventType,
    ) {
        let Some(active) = self.active.get(deployment_id) else {
            return;
        };
        let info = &active.rec.info;
        let payload = self.deployment_payload(info);
        let subject = format!(
            "{}: AWS CodeDeploy {} in {} to {}",
            notification_status(info.status.as_ref()),
            deployment_id,
            self.opts.region,
            info.application_name.as_deref().unwrap_or_default()
        );
        self.send(
            at,
            &active.rec.group_id.clone(),
            deployment_id,
            None,
            event,
            subject,
            payload,
        );
    }

    pub(crate) fn trigger_instance(
        &mut self,
        at: Millis,
        deployment_id: &str,
        index: u32,
        event: TriggerEventType,
    ) {
        let Some(active) = self.active.get(deployment_id) else {
            return;
        };
        let Some(target) = active.targets.get(index as usize) else {
            return;
        };
        let Some(inst) = target.target.instance_target.as_ref() else {
            return;
        };
        let events: Vec<Value> = inst
            .lifecycle_events
            .iter()
            .flatten()
            .map(|e| {
                json!({
                    "LifecycleEvent": e.lifecycle_event_name,
                    "LifecycleEventStatus": e.status.as_ref().map(|s| s.as_str()),
                    "StartTime": e.start_time.map(|t| t.to_epoch_string()),
                    "EndTime": e.end_time.map(|t| t.to_epoch_string()),
                })
            })
            .collect();
        let status = inst
            .status
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let payload = json!({
            "region": self.opts.region,
            "accountId": self.opts.account,
            "eventTriggerName": "",
            "deploymentId": deployment_id,
            "instanceId": inst.target_arn,
            "lastUpdatedAt": inst.last_updated_at.map(|t| t.to_epoch_string()),
            "instanceStatus": status,
            "lifecycleEvents": events,
        });
        let subject = format!(
            "{}: AWS CodeDeploy {} in {} to {}",
            status.to_uppercase(),
            deployment_id,
            self.opts.region,
            target.target_id
        );
        let group = active.rec.group_id.clone();
        let target_id = target.target_id.clone();
        self.send(
            at,
            &group,
            deployment_id,
            Some(&target_id),
            event,
            subject,
            payload,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        at: Millis,
        group_id: &str,
        deployment_id: &str,
        target: Option<&str>,
        event: TriggerEventType,
        subject: String,
        payload: Value,
    ) {
        let Some(group) = self.groups.get(group_id) else {
            return;
        };
        let triggers: Vec<TriggerConfig> = group
            .info
            .trigger_configurations
            .iter()
            .flatten()
            .filter(|t| t.trigger_events.iter().flatten().any(|e| *e == event))
            .cloned()
            .collect();
        for trigger in triggers {
            let name = trigger.trigger_name.clone().unwrap_or_default();
            let mut message = payload.clone();
            message["eventTriggerName"] = Value::String(name.clone());
            let text = format!(
                "{} notification {} sent to {}",
                event,
                name,
                trigger.trigger_target_arn.as_deref().unwrap_or_default()
            );
            self.push_event(EventRecord {
                seq: 0,
                time: Timestamp(at),
                deployment_id: Some(deployment_id.to_string()),
                target_id: target.map(str::to_string),
                kind: EventKind::Notification,
                text,
                notification: Some(Notification {
                    trigger_name: name,
                    target_arn: trigger.trigger_target_arn.clone().unwrap_or_default(),
                    event: event.clone(),
                    subject: subject.clone(),
                    message,
                }),
            });
        }
    }

    fn deployment_payload(&self, info: &DeploymentInfo) -> Value {
        let o = info.deployment_overview.clone().unwrap_or_default();
        let count = |v: Option<i64>| v.unwrap_or(0).to_string();
        let mut payload = json!({
            "region": self.opts.region,
            "accountId": self.opts.account,
            "eventTriggerName": "",
            "applicationName": info.application_name,
            "deploymentId": info.deployment_id,
            "deploymentGroupName": info.deployment_group_name,
            "createTime": info.create_time.map(|t| t.to_epoch_string()),
            "completeTime": info.complete_time.map(|t| t.to_epoch_string()),
            "deploymentOverview": {
                "Failed": count(o.failed),
                "InProgress": count(o.in_progress),
                "Pending": count(o.pending),
                "Skipped": count(o.skipped),
                "Succeeded": count(o.succeeded),
            },
            "status": notification_status(info.status.as_ref()),
        });
        if let Some(e) = &info.error_information {
            payload["errorInformation"] = json!({
                "ErrorCode": e.code.as_ref().map(|c| c.as_str()),
                "ErrorMessage": e.message,
            });
        }
        payload
    }
}

/// Notifications write statuses in capitals: `SUCCEEDED`, `FAILED`, ...
fn notification_status(status: Option<&DeploymentStatus>) -> String {
    match status {
        Some(DeploymentStatus::InProgress) => "IN_PROGRESS".into(),
        Some(s) => s.as_str().to_uppercase(),
        None => "CREATED".into(),
    }
}
