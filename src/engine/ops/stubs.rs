//! Operations not implemented yet answer InternalFailure; this list shrinks to
//! nothing as the engine grows.

use crate::engine::archive::Archive;
use crate::engine::error::{err, ApiResult};
use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;

macro_rules! stubs {
    ($($op:ident => $m:ident($i:ident) -> $o:ty;)*) => {
        impl Engine {
            $(
                pub fn $m(&mut self, _now: Millis, _ar: &dyn Archive, _input: $i) -> ApiResult<$o> {
                    err(Exception::InternalFailure, concat!(stringify!($op), " is not implemented yet"))
                }
            )*
        }
    };
}

stubs! {
    AddTagsToOnPremisesInstances => add_tags_to_on_premises_instances(AddTagsToOnPremisesInstancesInput) -> ();
    BatchGetApplicationRevisions => batch_get_application_revisions(BatchGetApplicationRevisionsInput) -> BatchGetApplicationRevisionsOutput;
    BatchGetApplications => batch_get_applications(BatchGetApplicationsInput) -> BatchGetApplicationsOutput;
    BatchGetDeploymentGroups => batch_get_deployment_groups(BatchGetDeploymentGroupsInput) -> BatchGetDeploymentGroupsOutput;
    BatchGetDeploymentInstances => batch_get_deployment_instances(BatchGetDeploymentInstancesInput) -> BatchGetDeploymentInstancesOutput;
    BatchGetDeploymentTargets => batch_get_deployment_targets(BatchGetDeploymentTargetsInput) -> BatchGetDeploymentTargetsOutput;
    BatchGetDeployments => batch_get_deployments(BatchGetDeploymentsInput) -> BatchGetDeploymentsOutput;
    BatchGetOnPremisesInstances => batch_get_on_premises_instances(BatchGetOnPremisesInstancesInput) -> BatchGetOnPremisesInstancesOutput;
    ContinueDeployment => continue_deployment(ContinueDeploymentInput) -> ();
    CreateApplication => create_application(CreateApplicationInput) -> CreateApplicationOutput;
    CreateDeployment => create_deployment(CreateDeploymentInput) -> CreateDeploymentOutput;
    CreateDeploymentConfig => create_deployment_config(CreateDeploymentConfigInput) -> CreateDeploymentConfigOutput;
    CreateDeploymentGroup => create_deployment_group(CreateDeploymentGroupInput) -> CreateDeploymentGroupOutput;
    DeleteApplication => delete_application(DeleteApplicationInput) -> ();
    DeleteDeploymentConfig => delete_deployment_config(DeleteDeploymentConfigInput) -> ();
    DeleteDeploymentGroup => delete_deployment_group(DeleteDeploymentGroupInput) -> DeleteDeploymentGroupOutput;
    DeleteGitHubAccountToken => delete_git_hub_account_token(DeleteGitHubAccountTokenInput) -> DeleteGitHubAccountTokenOutput;
    DeleteResourcesByExternalId => delete_resources_by_external_id(DeleteResourcesByExternalIdInput) -> DeleteResourcesByExternalIdOutput;
    DeregisterOnPremisesInstance => deregister_on_premises_instance(DeregisterOnPremisesInstanceInput) -> ();
    GetApplication => get_application(GetApplicationInput) -> GetApplicationOutput;
    GetApplicationRevision => get_application_revision(GetApplicationRevisionInput) -> GetApplicationRevisionOutput;
    GetDeployment => get_deployment(GetDeploymentInput) -> GetDeploymentOutput;
    GetDeploymentConfig => get_deployment_config(GetDeploymentConfigInput) -> GetDeploymentConfigOutput;
    GetDeploymentGroup => get_deployment_group(GetDeploymentGroupInput) -> GetDeploymentGroupOutput;
    GetDeploymentInstance => get_deployment_instance(GetDeploymentInstanceInput) -> GetDeploymentInstanceOutput;
    GetDeploymentTarget => get_deployment_target(GetDeploymentTargetInput) -> GetDeploymentTargetOutput;
    GetOnPremisesInstance => get_on_premises_instance(GetOnPremisesInstanceInput) -> GetOnPremisesInstanceOutput;
    ListApplicationRevisions => list_application_revisions(ListApplicationRevisionsInput) -> ListApplicationRevisionsOutput;
    ListApplications => list_applications(ListApplicationsInput) -> ListApplicationsOutput;
    ListDeploymentConfigs => list_deployment_configs(ListDeploymentConfigsInput) -> ListDeploymentConfigsOutput;
    ListDeploymentGroups => list_deployment_groups(ListDeploymentGroupsInput) -> ListDeploymentGroupsOutput;
    ListDeploymentInstances => list_deployment_instances(ListDeploymentInstancesInput) -> ListDeploymentInstancesOutput;
    ListDeploymentTargets => list_deployment_targets(ListDeploymentTargetsInput) -> ListDeploymentTargetsOutput;
    ListDeployments => list_deployments(ListDeploymentsInput) -> ListDeploymentsOutput;
    ListGitHubAccountTokenNames => list_git_hub_account_token_names(ListGitHubAccountTokenNamesInput) -> ListGitHubAccountTokenNamesOutput;
    ListOnPremisesInstances => list_on_premises_instances(ListOnPremisesInstancesInput) -> ListOnPremisesInstancesOutput;
    ListTagsForResource => list_tags_for_resource(ListTagsForResourceInput) -> ListTagsForResourceOutput;
    PutLifecycleEventHookExecutionStatus => put_lifecycle_event_hook_execution_status(PutLifecycleEventHookExecutionStatusInput) -> PutLifecycleEventHookExecutionStatusOutput;
    RegisterApplicationRevision => register_application_revision(RegisterApplicationRevisionInput) -> ();
    RegisterOnPremisesInstance => register_on_premises_instance(RegisterOnPremisesInstanceInput) -> ();
    RemoveTagsFromOnPremisesInstances => remove_tags_from_on_premises_instances(RemoveTagsFromOnPremisesInstancesInput) -> ();
    SkipWaitTimeForInstanceTermination => skip_wait_time_for_instance_termination(SkipWaitTimeForInstanceTerminationInput) -> ();
    StopDeployment => stop_deployment(StopDeploymentInput) -> StopDeploymentOutput;
    TagResource => tag_resource(TagResourceInput) -> TagResourceOutput;
    UntagResource => untag_resource(UntagResourceInput) -> UntagResourceOutput;
    UpdateApplication => update_application(UpdateApplicationInput) -> ();
    UpdateDeploymentGroup => update_deployment_group(UpdateDeploymentGroupInput) -> UpdateDeploymentGroupOutput;}
