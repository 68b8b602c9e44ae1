//! ListDeploymentTargets, GetDeploymentTarget, BatchGetDeploymentTargets, and the
//! deprecated ListDeploymentInstances, GetDeploymentInstance, BatchGetDeploymentInstances.

use super::{batch_limit, page_offset};
use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

fn status_of(t: &TargetRecord) -> Option<TargetStatus> {
    let tt = &t.target;
    tt.instance_target
        .as_ref()
        .and_then(|i| i.status.clone())
        .or_else(|| tt.lambda_target.as_ref().and_then(|l| l.status.clone()))
        .or_else(|| tt.ecs_target.as_ref().and_then(|e| e.status.clone()))
        .or_else(|| {
            tt.cloud_formation_target
                .as_ref()
                .and_then(|c| c.status.clone())
        })
}

fn label_of(t: &TargetRecord) -> Option<TargetLabel> {
    t.target
        .instance_target
        .as_ref()
        .and_then(|i| i.instance_label.clone())
}

/// The deprecated InstanceSummary of a target. The model has the instance
/// operations work for EC2/on-premises and Lambda deployments, so a Lambda
/// target has one too. AWS does not show its form (UNCONFIRMED); codedeck
/// follows the EC2 one: `instanceId` is the target's ARN (the function's, with
/// the alias), lists give the target ID (the function name), and there is no
/// `instanceType` (Blue/Green is for EC2 blue/green instances).
fn summary(t: &TargetRecord) -> Option<InstanceSummary> {
    let status = |s: &Option<TargetStatus>| s.as_ref().map(|s| InstanceStatus::parse(s.as_str()));
    if let Some(l) = t.target.lambda_target.as_ref() {
        return Some(InstanceSummary {
            deployment_id: l.deployment_id.clone(),
            instance_id: l.target_arn.clone(),
            status: status(&l.status),
            last_updated_at: l.last_updated_at,
            lifecycle_events: l.lifecycle_events.clone(),
            instance_type: None,
        });
    }
    let i = t.target.instance_target.as_ref()?;
    Some(InstanceSummary {
        deployment_id: i.deployment_id.clone(),
        instance_id: i.target_arn.clone(),
        status: status(&i.status),
        last_updated_at: i.last_updated_at,
        lifecycle_events: i.lifecycle_events.clone(),
        instance_type: i
            .instance_label
            .as_ref()
            .map(|l| InstanceType::parse(l.as_str())),
    })
}

/// An ECS target ID names the service as `<cluster-name>:<service-name>`;
/// anything else is not an ID at all (InvalidDeploymentTargetIdException),
/// rather than the ID of a target that does not exist.
fn check_target_id(rec: &DeploymentRecord, target_id: &str) -> ApiResult<()> {
    if rec.info.compute_platform != Some(ComputePlatform::Ecs) {
        return Ok(());
    }
    match target_id.split_once(':') {
        Some((cluster, service)) if !cluster.is_empty() && !service.is_empty() => Ok(()),
        _ => err(
            Exception::InvalidDeploymentTargetId,
            format!("Target Id {target_id} is not valid: valid Id should be in format <cluster-name>:<service-name>."),
        ),
    }
}

/// Instance labels (Blue, Green) exist only in blue/green deployments: filtering
/// an in-place one by label is InvalidDeploymentInstanceTypeException, for the
/// deprecated ListDeploymentInstances (reference §2.1) and for
/// ListDeploymentTargets' ServerInstanceLabel alike (its declared error; the
/// model: "Instance types are supported for blue/green deployments only").
/// Lambda and ECS deployments are blue/green, so the filter is allowed there and
/// matches nothing, as none of their targets has an instance label
/// (UNCONFIRMED: the model names only the in-place case).
fn check_label_filter(rec: &DeploymentRecord, by_label: bool) -> ApiResult<()> {
    let blue_green = rec
        .info
        .deployment_style
        .as_ref()
        .and_then(|s| s.deployment_type.as_ref())
        == Some(&DeploymentType::BlueGreen);
    if by_label && !blue_green {
        return err(
            Exception::InvalidDeploymentInstanceType,
            format!(
                "Deployment {} is an in-place deployment: instance labels (Blue, Green) apply only to blue/green deployments.",
                rec.id()
            ),
        );
    }
    Ok(())
}

/// Target IDs one BatchGetDeploymentTargets call takes (reference §1.2; the
/// model: "The maximum number of deployment target IDs you can specify is 25").
const TARGETS_PER_BATCH: usize = 25;

/// How many target IDs a deployment's platform allows in one call (reference
/// §1.2). Lambda and ECS deployments have one target, and the target list
/// "must have exactly one item": more is DeploymentTargetListSizeExceeded.
/// That exception "does not apply to EC2/On-premises deployments" (model), and
/// the operation declares no other limit error, so more than 25 IDs for an
/// EC2/on-premises deployment answer the common ValidationException, the way
/// AWS reports a request outside a documented constraint (UNCONFIRMED: the
/// documents give the limit but not the error).
fn check_batch_size(rec: &DeploymentRecord, n: usize) -> ApiResult<()> {
    let platform = crate::model::rules::compute_platform(rec.info.compute_platform.as_ref());
    if platform != ComputePlatform::Server && n > 1 {
        return err(
            Exception::DeploymentTargetListSizeExceeded,
            format!("A {platform} deployment has exactly one target: give exactly one target ID, not {n}."),
        );
    }
    if n > TARGETS_PER_BATCH {
        return err(
            Exception::Validation,
            format!("1 validation error detected: Value at 'targetIds' failed to satisfy constraint: Member must have length less than or equal to {TARGETS_PER_BATCH} ({n} were given)."),
        );
    }
    Ok(())
}

impl Engine {
    /// A started deployment's targets, from memory or the archive.
    fn started_targets(
        &self,
        ar: &dyn Archive,
        id: Option<&str>,
    ) -> ApiResult<(DeploymentRecord, Vec<TargetRecord>)> {
        let rec = self.deployment_record(ar, id)?;
        if !rec.status().has_started() {
            return err(
                Exception::DeploymentNotStarted,
                format!("Deployment {} has not started.", rec.id()),
            );
        }
        let targets = match self.active.get(rec.id()) {
            Some(a) => a.targets.clone(),
            None => ar.targets(rec.id())?,
        };
        Ok((rec, targets))
    }

    pub fn list_deployment_targets(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: ListDeploymentTargetsInput,
    ) -> ApiResult<ListDeploymentTargetsOutput> {
        let filters = validate::target_filters(&input.target_filters.clone().unwrap_or_default())?;
        let (rec, targets) = self.started_targets(ar, input.deployment_id.as_deref())?;
        check_label_filter(&rec, !filters.labels.is_empty())?;
        let ids: Vec<String> = targets
            .iter()
            .filter(|t| {
                filters.statuses.is_empty()
                    || status_of(t).is_some_and(|s| filters.statuses.contains(&s))
            })
            .filter(|t| {
                filters.labels.is_empty()
                    || label_of(t).is_some_and(|l| filters.labels.contains(&l))
            })
            .map(|t| t.target_id.clone())
            .collect();
        let (page, next) = page_offset(&ids, input.next_token.as_deref())?;
        Ok(ListDeploymentTargetsOutput {
            target_ids: Some(page),
            next_token: next,
        })
    }

    fn one_target(
        &self,
        ar: &dyn Archive,
        deployment: Option<&str>,
        target: Option<&str>,
    ) -> ApiResult<TargetRecord> {
        let Some(target_id) = target.filter(|t| !t.is_empty()) else {
            return err(
                Exception::DeploymentTargetIdRequired,
                "A deployment target ID must be specified.",
            );
        };
        let (rec, targets) = self.started_targets(ar, deployment)?;
        check_target_id(&rec, target_id)?;
        match targets.into_iter().find(|t| t.target_id == target_id) {
            Some(t) => Ok(t),
            None => err(
                Exception::DeploymentTargetDoesNotExist,
                format!("Target {target_id} is not part of deployment {}.", rec.id()),
            ),
        }
    }

    pub fn get_deployment_target(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: GetDeploymentTargetInput,
    ) -> ApiResult<GetDeploymentTargetOutput> {
        let t = self.one_target(
            ar,
            input.deployment_id.as_deref(),
            input.target_id.as_deref(),
        )?;
        Ok(GetDeploymentTargetOutput {
            deployment_target: Some(t.target),
        })
    }

    pub fn batch_get_deployment_targets(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: BatchGetDeploymentTargetsInput,
    ) -> ApiResult<BatchGetDeploymentTargetsOutput> {
        let ids = input.target_ids.unwrap_or_default();
        if ids.is_empty() {
            return err(
                Exception::DeploymentTargetIdRequired,
                "At least one deployment target ID must be specified.",
            );
        }
        let (rec, targets) = self.started_targets(ar, input.deployment_id.as_deref())?;
        check_batch_size(&rec, ids.len())?;
        for id in &ids {
            check_target_id(&rec, id)?;
        }
        let mut out = Vec::new();
        for id in &ids {
            match targets.iter().find(|t| &t.target_id == id) {
                Some(t) => out.push(t.target.clone()),
                None => {
                    return err(
                        Exception::DeploymentTargetDoesNotExist,
                        format!("Target {id} is not part of deployment {}.", rec.id()),
                    )
                }
            }
        }
        Ok(BatchGetDeploymentTargetsOutput {
            deployment_targets: Some(out),
        })
    }

    fn instance_deployment(
        &self,
        ar: &dyn Archive,
        id: Option<&str>,
    ) -> ApiResult<(DeploymentRecord, Vec<TargetRecord>)> {
        let (rec, targets) = self.started_targets(ar, id)?;
        let platform = crate::model::rules::compute_platform(rec.info.compute_platform.as_ref());
        if !matches!(platform, ComputePlatform::Server | ComputePlatform::Lambda) {
            return err(Exception::InvalidComputePlatform, format!("Deployment {} is an {platform} deployment: use the deployment target operations.", rec.id()));
        }
        Ok((rec, targets))
    }

    pub fn list_deployment_instances(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: ListDeploymentInstancesInput,
    ) -> ApiResult<ListDeploymentInstancesOutput> {
        let statuses = input.instance_status_filter.unwrap_or_default();
        if let Some(bad) = statuses.iter().find(|s| !s.is_known()) {
            return err(
                Exception::InvalidInstanceStatus,
                format!("'{bad}' is not an instance status."),
            );
        }
        let types = input.instance_type_filter.unwrap_or_default();
        if let Some(bad) = types.iter().find(|t| !t.is_known()) {
            return err(
                Exception::InvalidInstanceType,
                format!("'{bad}' is not an instance type (Blue or Green)."),
            );
        }
        let (rec, targets) = self.instance_deployment(ar, input.deployment_id.as_deref())?;
        check_label_filter(&rec, !types.is_empty())?;
        let ids: Vec<String> = targets
            .iter()
            .filter_map(|t| Some((t.target_id.clone(), summary(t)?)))
            .filter(|(_, s)| {
                statuses.is_empty() || s.status.as_ref().is_some_and(|st| statuses.contains(st))
            })
            .filter(|(_, s)| {
                types.is_empty() || s.instance_type.as_ref().is_some_and(|t| types.contains(t))
            })
            .map(|(id, _)| id)
            .collect();
        let (page, next) = page_offset(&ids, input.next_token.as_deref())?;
        Ok(ListDeploymentInstancesOutput {
            instances_list: Some(page),
            next_token: next,
        })
    }

    pub fn get_deployment_instance(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: GetDeploymentInstanceInput,
    ) -> ApiResult<GetDeploymentInstanceOutput> {
        let Some(instance) = input.instance_id.filter(|i| !i.is_empty()) else {
            return err(
                Exception::InstanceIdRequired,
                "An instance ID must be specified.",
            );
        };
        let (rec, targets) = self.instance_deployment(ar, input.deployment_id.as_deref())?;
        match targets
            .iter()
            .find(|t| t.target_id == instance)
            .and_then(summary)
        {
            Some(s) => Ok(GetDeploymentInstanceOutput {
                instance_summary: Some(s),
            }),
            None => err(
                Exception::InstanceDoesNotExist,
                format!(
                    "Instance {instance} is not part of deployment {}.",
                    rec.id()
                ),
            ),
        }
    }

    pub fn batch_get_deployment_instances(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: BatchGetDeploymentInstancesInput,
    ) -> ApiResult<BatchGetDeploymentInstancesOutput> {
        let ids = input.instance_ids.unwrap_or_default();
        if ids.is_empty() {
            return err(
                Exception::InstanceIdRequired,
                "At least one instance ID must be specified.",
            );
        }
        batch_limit(ids.len(), 25, "instance IDs")?;
        let (rec, targets) = self.instance_deployment(ar, input.deployment_id.as_deref())?;
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in &ids {
            match targets
                .iter()
                .find(|t| &t.target_id == id)
                .and_then(summary)
            {
                Some(s) => found.push(s),
                None => missing.push(id.clone()),
            }
        }
        let error_message = (!missing.is_empty()).then(|| {
            format!(
                "Instances not part of deployment {}: {}",
                rec.id(),
                missing.join(", ")
            )
        });
        Ok(BatchGetDeploymentInstancesOutput {
            instances_summary: Some(found),
            error_message,
        })
    }
}
