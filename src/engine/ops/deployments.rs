//! CreateDeployment, GetDeployment, BatchGetDeployments, ListDeployments,
//! StopDeployment, ContinueDeployment, SkipWaitTimeForInstanceTermination,
//! PutLifecycleEventHookExecutionStatus.

use super::{batch_limit, decode_token, encode_token, PAGE_SIZE};
use crate::engine::deployment::{revision_key, rollback_enabled_for, DeploymentSpec};
use crate::engine::shift::{self, HookAnswer};
use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::{Archive, DeploymentQuery};
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// The SHA-256 of a revision's text, as CodeDeploy reports it: lowercase hex.
fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The wire form of a deployment: its revisions as given, each inline one
/// with the SHA-256 of its content (computed when the caller sent none, as
/// AWS does). For `appSpecContent` only the sha256 comes back, never the
/// content (reference §2.1: callers read it with GetApplicationRevision);
/// the deprecated `string` (RawString) keeps its content, on which the
/// reference is silent. S3 and GitHub locations are returned as given.
fn wire_info(mut info: DeploymentInfo) -> DeploymentInfo {
    for rev in [info.revision.as_mut(), info.previous_revision.as_mut()]
        .into_iter()
        .flatten()
    {
        if let Some(c) = rev.app_spec_content.as_mut() {
            if c.sha256.is_none() {
                c.sha256 = c.content.as_deref().map(sha256_hex);
            }
            c.content = None;
        }
        if let Some(c) = rev.string.as_mut() {
            if c.sha256.is_none() {
                c.sha256 = c.content.as_deref().map(sha256_hex);
            }
        }
    }
    info
}

/// What GetDeployment answers for a deployment's record. The runtime has it
/// encoded once for a finished deployment and keeps the bytes
/// ([`crate::runtime::Runtime::finished_get_deployment`]).
pub fn get_deployment_output(rec: DeploymentRecord) -> GetDeploymentOutput {
    GetDeploymentOutput {
        deployment_info: Some(wire_info(rec.info)),
    }
}

/// targetInstances names the replacement fleet of a blue/green group that
/// discovers existing instances, and nothing else.
fn check_target_instances(input: &CreateDeploymentInput, group: &GroupRecord) -> ApiResult<()> {
    if input.target_instances.is_none() {
        return Ok(());
    }
    let blue_green = group
        .info
        .deployment_style
        .as_ref()
        .and_then(|s| s.deployment_type.as_ref())
        == Some(&DeploymentType::BlueGreen);
    let discover = group
        .info
        .blue_green_deployment_configuration
        .as_ref()
        .and_then(|b| b.green_fleet_provisioning_option.as_ref())
        .and_then(|g| g.action.as_ref())
        == Some(&GreenFleetProvisioningAction::DiscoverExisting);
    if !(blue_green && discover) {
        return err(Exception::InvalidTargetInstances, "targetInstances applies only to blue/green deployment groups that discover existing instances.");
    }
    Ok(())
}

impl Engine {
    /// A deployment, active or archived, by validated ID.
    pub(crate) fn deployment_record(
        &self,
        ar: &dyn Archive,
        id: Option<&str>,
    ) -> ApiResult<DeploymentRecord> {
        let id = validate::deployment_id(id)?;
        if let Some(a) = self.active.get(id) {
            return Ok(a.rec.clone());
        }
        match ar.deployment(id)? {
            Some(d) => Ok(d),
            None => err(
                Exception::DeploymentDoesNotExist,
                format!("Deployment {id} does not exist."),
            ),
        }
    }

    /// Records that a revision was used by a deployment (registering it if new).
    fn use_revision(
        &mut self,
        ar: &dyn Archive,
        app_id: &str,
        rev: &RevisionLocation,
        now: Millis,
    ) -> ApiResult<()> {
        let key = revision_key(rev);
        let mut record = ar
            .revision(app_id, &key)?
            .unwrap_or_else(|| RevisionRecord {
                application_id: app_id.to_string(),
                key: key.clone(),
                location: rev.clone(),
                info: GenericRevisionInfo {
                    register_time: Some(Timestamp(now)),
                    ..Default::default()
                },
            });
        record.info.first_used_time.get_or_insert(Timestamp(now));
        record.info.last_used_time = Some(Timestamp(now));
        self.out.push(Change::Revision(record));
        Ok(())
    }

    pub fn create_deployment(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: CreateDeploymentInput,
    ) -> ApiResult<CreateDeploymentOutput> {
        let app = self.app_named(input.application_name.as_deref())?;
        let (app_name, app_id) = (app.name().to_string(), app.id().to_string());
        let platform = crate::model::rules::compute_platform(app.info.compute_platform.as_ref());
        let group = self.deployment_group_for(&app_name, &input)?;
        let revision = self.deployment_revision(&input, &group, &platform)?;
        validate::create_deployment_flags(&input, &platform)?;
        let config_name = self.deployment_config_for(&input, &group, &platform)?;
        check_target_instances(&input, &group)?;
        if let Some(ti) = &input.target_instances {
            // reference §8.3: what targetInstances name must exist now (discover.rs).
            self.check_replacements(ti)?;
        }
        if let Some(alarms) = &input.override_alarm_configuration {
            validate::alarm_configuration(alarms)?;
        }
        self.check_group_free(&group)?;
        self.use_revision(ar, &app_id, &revision, now)?;
        self.ensure_alarms(input.override_alarm_configuration.as_ref());
        let id = self.insert_deployment(
            now,
            DeploymentSpec {
                group_id: group.id().to_string(),
                revision,
                config_name,
                description: input.description,
                creator: Some(DeploymentCreator::User),
                ignore_application_stop_failures: input.ignore_application_stop_failures
                    == Some(true),
                update_outdated_instances_only: input.update_outdated_instances_only == Some(true),
                auto_rollback: input.auto_rollback_configuration,
                file_exists_behavior: input.file_exists_behavior,
                override_alarms: input.override_alarm_configuration,
                target_instances: input.target_instances,
                rollback_of: None,
            },
        );
        Ok(CreateDeploymentOutput {
            deployment_id: Some(id),
        })
    }

    /// The deployment group CreateDeployment names (required).
    fn deployment_group_for(
        &self,
        app_name: &str,
        input: &CreateDeploymentInput,
    ) -> ApiResult<GroupRecord> {
        if input
            .deployment_group_name
            .as_deref()
            .is_none_or(str::is_empty)
        {
            return err(
                Exception::DeploymentGroupNameRequired,
                "The deployment group name was not specified.",
            );
        }
        Ok(self
            .group_named(Some(app_name), input.deployment_group_name.as_deref())?
            .clone())
    }

    /// The revision to deploy, checked for the platform (inline appspecs included).
    fn deployment_revision(
        &self,
        input: &CreateDeploymentInput,
        group: &GroupRecord,
        platform: &ComputePlatform,
    ) -> ApiResult<RevisionLocation> {
        // With no revision, fall back to the group's target revision (UNCONFIRMED, reference §2.1).
        let Some(revision) = input
            .revision
            .clone()
            .or_else(|| group.info.target_revision.clone())
        else {
            return err(
                Exception::RevisionRequired,
                "The revision was not specified.",
            );
        };
        validate::revision(&revision, platform)?;
        if *platform != ComputePlatform::Server {
            // Inline appspecs are checked now; S3 ones when the deployment starts.
            if let Ok(text) = shift::revision_text(&revision, &self.fleet) {
                if revision.s3_location.is_none() {
                    shift::check_appspec(&text, platform).map_err(|e| {
                        crate::engine::ApiError::new(
                            Exception::InvalidRevision,
                            format!("The AppSpec file is not valid: {e}."),
                        )
                    })?;
                }
            }
        }
        Ok(revision)
    }

    /// The configuration named in the input, else the group's, else the
    /// platform's default; it must be for the application's platform.
    fn deployment_config_for(
        &self,
        input: &CreateDeploymentInput,
        group: &GroupRecord,
        platform: &ComputePlatform,
    ) -> ApiResult<String> {
        let config_name = match input.deployment_config_name.as_deref() {
            Some(n) => validate::deployment_config_name(Some(n))?.to_string(),
            None => group
                .info
                .deployment_config_name
                .clone()
                .unwrap_or_else(|| super::groups::default_config(platform).to_string()),
        };
        let config = self.config_named(&config_name)?;
        if crate::model::rules::compute_platform(config.compute_platform.as_ref()) != *platform {
            return err(
                Exception::InvalidDeploymentConfigName,
                format!(
                    "Deployment configuration {config_name} is not a {platform} configuration."
                ),
            );
        }
        Ok(config_name)
    }

    /// In strict mode a group takes one deployment at a time, as in AWS.
    fn check_group_free(&self, group: &GroupRecord) -> ApiResult<()> {
        let busy = group
            .active
            .clone()
            .or_else(|| group.queue.first().cloned())
            .or_else(|| {
                self.active
                    .values()
                    .find(|a| {
                        a.rec.group_id == group.id() && a.rec.status() == DeploymentStatus::Created
                    })
                    .map(|a| a.rec.id().to_string())
            });
        if let (true, Some(other)) = (self.opts.strict, busy) {
            return err(
                Exception::DeploymentLimitExceeded,
                format!(
                    "The Deployment Group '{}' already has an active Deployment '{other}'",
                    group.name()
                ),
            );
        }
        Ok(())
    }

    pub fn get_deployment(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: GetDeploymentInput,
    ) -> ApiResult<GetDeploymentOutput> {
        let rec = self.deployment_record(ar, input.deployment_id.as_deref())?;
        Ok(get_deployment_output(rec))
    }

    pub fn batch_get_deployments(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: BatchGetDeploymentsInput,
    ) -> ApiResult<BatchGetDeploymentsOutput> {
        let ids = input.deployment_ids.unwrap_or_default();
        if ids.is_empty() {
            return err(
                Exception::DeploymentIdRequired,
                "At least one deployment ID must be specified.",
            );
        }
        batch_limit(ids.len(), 25, "deployment IDs")?;
        let mut infos = Vec::new();
        for id in &ids {
            match self.deployment_record(ar, Some(id)) {
                Ok(rec) => infos.push(wire_info(rec.info)),
                Err(e) if e.exception == Exception::DeploymentDoesNotExist => {}
                Err(e) => return Err(e),
            }
        }
        Ok(BatchGetDeploymentsOutput {
            deployments_info: Some(infos),
        })
    }

    pub fn list_deployments(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: ListDeploymentsInput,
    ) -> ApiResult<ListDeploymentsOutput> {
        let group_id = match (
            input.application_name.as_deref(),
            input.deployment_group_name.as_deref(),
        ) {
            (None, None) => None,
            (Some(_), None) => {
                return err(
                    Exception::DeploymentGroupNameRequired,
                    "deploymentGroupName is required when applicationName is given.",
                )
            }
            (None, Some(_)) => {
                return err(
                    Exception::ApplicationNameRequired,
                    "applicationName is required when deploymentGroupName is given.",
                )
            }
            (app, group) => Some(self.group_named(app, group)?.id().to_string()),
        };
        let statuses = input.include_only_statuses.unwrap_or_default();
        validate::deployment_statuses(&statuses)?;
        let (from, to) = match &input.create_time_range {
            Some(r) => validate::time_range(r)?,
            None => (None, None),
        };
        let before_seq = match decode_token(input.next_token.as_deref())? {
            Some(s) => match s.strip_prefix("seq:").and_then(|n| n.parse().ok()) {
                Some(n) => Some(n),
                None => return err(Exception::InvalidNextToken, "The next token is not valid."),
            },
            None => None,
        };
        let rows = ar.deployments(&DeploymentQuery {
            group_id,
            external_id: input.external_id,
            statuses,
            created_from: from,
            created_to: to,
            before_seq,
            after_seq: None,
            limit: PAGE_SIZE + 1,
        })?;
        let more = rows.len() > PAGE_SIZE;
        let page: Vec<_> = rows.into_iter().take(PAGE_SIZE).collect();
        let next = if more {
            page.last().map(|r| encode_token(&format!("seq:{}", r.seq)))
        } else {
            None
        };
        Ok(ListDeploymentsOutput {
            deployments: Some(page.into_iter().map(|r| r.id).collect()),
            next_token: next,
        })
    }

    pub fn stop_deployment(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: StopDeploymentInput,
    ) -> ApiResult<StopDeploymentOutput> {
        let rec = self.deployment_record(ar, input.deployment_id.as_deref())?;
        let id = rec.id().to_string();
        if rec.is_finished() {
            return err(
                Exception::DeploymentAlreadyCompleted,
                format!("Deployment {id} has already completed."),
            );
        }
        if rec.run.as_ref().is_some_and(|r| r.stop.is_some()) {
            return Ok(StopDeploymentOutput {
                status: Some(StopStatus::Pending),
                status_message: Some("A stop is already in progress.".into()),
            });
        }
        // Absent flag: the DEPLOYMENT_STOP_ON_REQUEST setting decides (precedence UNCONFIRMED).
        let rollback = input.auto_rollback_enabled.unwrap_or_else(|| {
            rollback_enabled_for(
                rec.info.auto_rollback_configuration.as_ref(),
                AutoRollbackEvent::DeploymentStopOnRequest,
            )
        });
        let stop = StopRequest {
            code: ErrorCode::ManualStop,
            message: "The deployment was stopped by a user request.".into(),
            rollback,
        };
        self.log(
            now,
            Some(&id),
            None,
            EventKind::Deployment,
            format!(
                "{id}: stop requested{}",
                if rollback { " with rollback" } else { "" }
            ),
        );
        let ended = self.request_stop(&id, now, stop);
        Ok(if ended {
            StopDeploymentOutput {
                status: Some(StopStatus::Succeeded),
                status_message: Some("The deployment is stopped.".into()),
            }
        } else {
            StopDeploymentOutput {
                status: Some(StopStatus::Pending),
                status_message: Some("The deployment is stopping: lifecycle events already running will finish first.".into()),
            }
        })
    }

    /// The checks ContinueDeployment and SkipWaitTimeForInstanceTermination share.
    fn waiting_deployment(
        &self,
        ar: &dyn Archive,
        id: Option<&str>,
    ) -> ApiResult<DeploymentRecord> {
        let rec = self.deployment_record(ar, id)?;
        if rec.is_finished() {
            return err(
                Exception::DeploymentAlreadyCompleted,
                format!("Deployment {} has already completed.", rec.id()),
            );
        }
        let blue_green = rec
            .info
            .deployment_style
            .as_ref()
            .and_then(|s| s.deployment_type.as_ref())
            == Some(&DeploymentType::BlueGreen);
        if !blue_green {
            return err(Exception::UnsupportedActionForDeploymentType, format!(
                "Deployment {} is an in-place deployment; only blue/green deployments wait to continue.", rec.id()
            ));
        }
        Ok(rec)
    }

    pub fn continue_deployment(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: ContinueDeploymentInput,
    ) -> ApiResult<()> {
        if let Some(t) = input
            .deployment_wait_type
            .as_ref()
            .filter(|t| !t.is_known())
        {
            return err(
                Exception::InvalidDeploymentWaitType,
                format!("'{t}' is not a deployment wait type (READY_WAIT or TERMINATION_WAIT)."),
            );
        }
        let rec = self.waiting_deployment(ar, input.deployment_id.as_deref())?;
        if rec.run.as_ref().is_some_and(|r| r.shift.is_some()) {
            let wait = input
                .deployment_wait_type
                .clone()
                .unwrap_or(DeploymentWaitType::ReadyWait);
            return self
                .continue_shift(rec.id(), wait, now)
                .or_else(|m| err(Exception::DeploymentIsNotInReadyState, m));
        }
        // EC2 blue/green (bluegreen/phases.rs); anything else is not waiting.
        let wait = input
            .deployment_wait_type
            .unwrap_or(DeploymentWaitType::ReadyWait);
        self.continue_waiting(rec.id(), wait, now)
    }

    pub fn skip_wait_time_for_instance_termination(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: SkipWaitTimeForInstanceTerminationInput,
    ) -> ApiResult<()> {
        let rec = self.waiting_deployment(ar, input.deployment_id.as_deref())?;
        if !rec.status().has_started() {
            return err(
                Exception::DeploymentNotStarted,
                format!("Deployment {} has not started.", rec.id()),
            );
        }
        if rec.run.as_ref().is_some_and(|r| r.shift.is_some()) {
            // Outside the termination wait there is nothing to skip; the
            // operation declares no error for that, so it is a no-op.
            let _ = self.continue_shift(rec.id(), DeploymentWaitType::TerminationWait, now);
        } else if self.is_blue_green(rec.id()) {
            // EC2 blue/green: likewise a no-op outside the termination wait.
            let _ = self.continue_waiting(rec.id(), DeploymentWaitType::TerminationWait, now);
        }
        Ok(())
    }

    pub fn put_lifecycle_event_hook_execution_status(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: PutLifecycleEventHookExecutionStatusInput,
    ) -> ApiResult<PutLifecycleEventHookExecutionStatusOutput> {
        let rec = self.deployment_record(ar, input.deployment_id.as_deref())?;
        let platform = crate::model::rules::compute_platform(rec.info.compute_platform.as_ref());
        if platform == ComputePlatform::Server {
            return err(Exception::UnsupportedActionForDeploymentType, format!(
                "Deployment {} is an EC2/on-premises deployment; hook execution status applies to Lambda and ECS deployments.", rec.id()
            ));
        }
        match input.status {
            Some(LifecycleEventStatus::Succeeded) | Some(LifecycleEventStatus::Failed) => {}
            other => {
                let shown = other
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "(none)".into());
                return err(
                    Exception::InvalidLifecycleEventHookExecutionStatus,
                    format!("Status {shown} is not valid: use Succeeded or Failed."),
                );
            }
        }
        let Some(hook) = input.lifecycle_event_hook_execution_id else {
            return err(
                Exception::InvalidLifecycleEventHookExecutionId,
                "The lifecycleEventHookExecutionId was not specified.",
            );
        };
        let ok = input.status == Some(LifecycleEventStatus::Succeeded);
        let id = rec.id().to_string();
        let answer = if self.active.contains_key(&id) {
            self.answer_hook_from_api(&id, &hook, ok, now)
        } else if rec.hooks.iter().any(|h| h.id == hook) {
            HookAnswer::AlreadyCompleted
        } else {
            HookAnswer::Unknown
        };
        match answer {
            HookAnswer::Accepted => Ok(PutLifecycleEventHookExecutionStatusOutput {
                lifecycle_event_hook_execution_id: Some(hook),
            }),
            HookAnswer::AlreadyCompleted => err(
                Exception::LifecycleEventAlreadyCompleted,
                format!("The lifecycle event of hook execution {hook} in deployment {id} has already completed."),
            ),
            HookAnswer::Unknown => err(
                Exception::InvalidLifecycleEventHookExecutionId,
                format!("No lifecycle event hook execution {hook} exists in deployment {id}."),
            ),
        }
    }
}
