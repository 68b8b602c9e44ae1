//! The list of all 47 operations as the engine exposes them. `$m!` receives
//! `Operation => read|write method(Input) -> Output;` for each, so the API
//! layer (and tests) can generate their dispatch from one table. `read`
//! operations take `&Engine` (the runtime neither advances nor commits for
//! them); `write` operations take `&mut Engine`. The kind is declared here,
//! once, and the compiler holds each method to it.

#[macro_export]
macro_rules! for_each_operation {
    ($m:ident) => {
        $m! {
            AddTagsToOnPremisesInstances => write add_tags_to_on_premises_instances(AddTagsToOnPremisesInstancesInput) -> ();
            BatchGetApplicationRevisions => read batch_get_application_revisions(BatchGetApplicationRevisionsInput) -> BatchGetApplicationRevisionsOutput;
            BatchGetApplications => read batch_get_applications(BatchGetApplicationsInput) -> BatchGetApplicationsOutput;
            BatchGetDeploymentGroups => read batch_get_deployment_groups(BatchGetDeploymentGroupsInput) -> BatchGetDeploymentGroupsOutput;
            BatchGetDeploymentInstances => read batch_get_deployment_instances(BatchGetDeploymentInstancesInput) -> BatchGetDeploymentInstancesOutput;
            BatchGetDeploymentTargets => read batch_get_deployment_targets(BatchGetDeploymentTargetsInput) -> BatchGetDeploymentTargetsOutput;
            BatchGetDeployments => read batch_get_deployments(BatchGetDeploymentsInput) -> BatchGetDeploymentsOutput;
            BatchGetOnPremisesInstances => read batch_get_on_premises_instances(BatchGetOnPremisesInstancesInput) -> BatchGetOnPremisesInstancesOutput;
            ContinueDeployment => write continue_deployment(ContinueDeploymentInput) -> ();
            CreateApplication => write create_application(CreateApplicationInput) -> CreateApplicationOutput;
            CreateDeployment => write create_deployment(CreateDeploymentInput) -> CreateDeploymentOutput;
            CreateDeploymentConfig => write create_deployment_config(CreateDeploymentConfigInput) -> CreateDeploymentConfigOutput;
            CreateDeploymentGroup => write create_deployment_group(CreateDeploymentGroupInput) -> CreateDeploymentGroupOutput;
            DeleteApplication => write delete_application(DeleteApplicationInput) -> ();
            DeleteDeploymentConfig => write delete_deployment_config(DeleteDeploymentConfigInput) -> ();
            DeleteDeploymentGroup => write delete_deployment_group(DeleteDeploymentGroupInput) -> DeleteDeploymentGroupOutput;
            DeleteGitHubAccountToken => write delete_git_hub_account_token(DeleteGitHubAccountTokenInput) -> DeleteGitHubAccountTokenOutput;
            DeleteResourcesByExternalId => write delete_resources_by_external_id(DeleteResourcesByExternalIdInput) -> DeleteResourcesByExternalIdOutput;
            DeregisterOnPremisesInstance => write deregister_on_premises_instance(DeregisterOnPremisesInstanceInput) -> ();
            GetApplication => read get_application(GetApplicationInput) -> GetApplicationOutput;
            GetApplicationRevision => read get_application_revision(GetApplicationRevisionInput) -> GetApplicationRevisionOutput;
            GetDeployment => read get_deployment(GetDeploymentInput) -> GetDeploymentOutput;
            GetDeploymentConfig => read get_deployment_config(GetDeploymentConfigInput) -> GetDeploymentConfigOutput;
            GetDeploymentGroup => read get_deployment_group(GetDeploymentGroupInput) -> GetDeploymentGroupOutput;
            GetDeploymentInstance => read get_deployment_instance(GetDeploymentInstanceInput) -> GetDeploymentInstanceOutput;
            GetDeploymentTarget => read get_deployment_target(GetDeploymentTargetInput) -> GetDeploymentTargetOutput;
            GetOnPremisesInstance => read get_on_premises_instance(GetOnPremisesInstanceInput) -> GetOnPremisesInstanceOutput;
            ListApplicationRevisions => read list_application_revisions(ListApplicationRevisionsInput) -> ListApplicationRevisionsOutput;
            ListApplications => read list_applications(ListApplicationsInput) -> ListApplicationsOutput;
            ListDeploymentConfigs => read list_deployment_configs(ListDeploymentConfigsInput) -> ListDeploymentConfigsOutput;
            ListDeploymentGroups => read list_deployment_groups(ListDeploymentGroupsInput) -> ListDeploymentGroupsOutput;
            ListDeploymentInstances => read list_deployment_instances(ListDeploymentInstancesInput) -> ListDeploymentInstancesOutput;
            ListDeploymentTargets => read list_deployment_targets(ListDeploymentTargetsInput) -> ListDeploymentTargetsOutput;
            ListDeployments => read list_deployments(ListDeploymentsInput) -> ListDeploymentsOutput;
            ListGitHubAccountTokenNames => read list_git_hub_account_token_names(ListGitHubAccountTokenNamesInput) -> ListGitHubAccountTokenNamesOutput;
            ListOnPremisesInstances => read list_on_premises_instances(ListOnPremisesInstancesInput) -> ListOnPremisesInstancesOutput;
            ListTagsForResource => read list_tags_for_resource(ListTagsForResourceInput) -> ListTagsForResourceOutput;
            PutLifecycleEventHookExecutionStatus => write put_lifecycle_event_hook_execution_status(PutLifecycleEventHookExecutionStatusInput) -> PutLifecycleEventHookExecutionStatusOutput;
            RegisterApplicationRevision => write register_application_revision(RegisterApplicationRevisionInput) -> ();
            RegisterOnPremisesInstance => write register_on_premises_instance(RegisterOnPremisesInstanceInput) -> ();
            RemoveTagsFromOnPremisesInstances => write remove_tags_from_on_premises_instances(RemoveTagsFromOnPremisesInstancesInput) -> ();
            SkipWaitTimeForInstanceTermination => write skip_wait_time_for_instance_termination(SkipWaitTimeForInstanceTerminationInput) -> ();
            StopDeployment => write stop_deployment(StopDeploymentInput) -> StopDeploymentOutput;
            TagResource => write tag_resource(TagResourceInput) -> TagResourceOutput;
            UntagResource => write untag_resource(UntagResourceInput) -> UntagResourceOutput;
            UpdateApplication => write update_application(UpdateApplicationInput) -> ();
            UpdateDeploymentGroup => write update_deployment_group(UpdateDeploymentGroupInput) -> UpdateDeploymentGroupOutput;
        }
    };
}
pub use for_each_operation;
