//! The dashboard's actions as CodeDeploy calls. "Roll back" follows the same
//! rule as the engine (`DeploymentGroupInfo::rollback_source`): stop with
//! rollback while running, else redeploy the revision of the group's last
//! successful deployment.

use aws_sdk_codedeploy::types as sdk;

use super::client::CallError;
use super::{convert, AwsSource};
use crate::model::*;
use crate::source::{Action, NewDeployment, Outcome};

impl AwsSource {
    pub(super) async fn perform(&self, action: Action) -> Outcome {
        let kind = action.kind();
        if kind.local_only() {
            return Err(format!(
                "{} exists only on the local engine: AWS has no virtual clock or simulated world",
                kind.label()
            ));
        }
        let result = match action {
            Action::Create(nd) => self.create(&nd).await,
            Action::Stop { id, rollback } => self.stop(&id, rollback).await,
            Action::RollBack { id } => self.roll_back(&id).await,
            Action::Continue { id, wait } => self.continue_(&id, &wait).await,
            _ => Ok(String::new()),
        };
        // The next read must see what the action changed.
        self.cache.lock().await.last = None;
        result.map_err(|e| e.to_string())
    }

    async fn create(&self, nd: &NewDeployment) -> Result<String, CallError> {
        let input = nd.input();
        let out = self
            .call(
                "CreateDeployment",
                self.client
                    .create_deployment()
                    .set_application_name(input.application_name)
                    .set_deployment_group_name(input.deployment_group_name)
                    .set_revision(input.revision.as_ref().map(convert::sdk_revision))
                    .set_deployment_config_name(input.deployment_config_name)
                    .set_description(input.description)
                    .set_auto_rollback_configuration(
                        input
                            .auto_rollback_configuration
                            .as_ref()
                            .map(convert::sdk_auto_rollback),
                    )
                    .send(),
            )
            .await?;
        Ok(crate::source::created_line(
            out.deployment_id().unwrap_or("?"),
            "",
        ))
    }

    async fn stop(&self, id: &str, rollback: bool) -> Result<String, CallError> {
        let out = self
            .call(
                "StopDeployment",
                self.client
                    .stop_deployment()
                    .deployment_id(id)
                    .auto_rollback_enabled(rollback)
                    .send(),
            )
            .await?;
        Ok(format!(
            "stop {id}: {}",
            out.status_message().unwrap_or("requested")
        ))
    }

    async fn continue_(&self, id: &str, wait: &DeploymentWaitType) -> Result<String, CallError> {
        self.call(
            "ContinueDeployment",
            self.client
                .continue_deployment()
                .deployment_id(id)
                .deployment_wait_type(sdk::DeploymentWaitType::from(wait.as_str()))
                .send(),
        )
        .await?;
        Ok(match wait {
            DeploymentWaitType::TerminationWait => format!("{id}: originals removed now"),
            _ => format!("{id} continues: traffic reroutes"),
        })
    }

    async fn roll_back(&self, id: &str) -> Result<String, CallError> {
        let info = self.info(id).await?;
        if !info.status.as_ref().is_some_and(DeploymentStatus::is_final) {
            return self.stop(id, true).await;
        }
        let (Some(app), Some(group)) = (info.application_name, info.deployment_group_name) else {
            return Err(no_rollback("the deployment names no application or group"));
        };
        let out = self
            .call(
                "GetDeploymentGroup",
                self.client
                    .get_deployment_group()
                    .application_name(&app)
                    .deployment_group_name(&group)
                    .send(),
            )
            .await?;
        let group_info = out.deployment_group_info().map(convert::group);
        let Some(source) = group_info
            .as_ref()
            .and_then(|g| g.rollback_source())
            .map(String::from)
        else {
            return Err(no_rollback(
                "the group has no successful deployment to roll back to",
            ));
        };
        let Some(revision) = self.info(&source).await?.revision else {
            return Err(no_rollback(
                "the last successful deployment has no revision",
            ));
        };
        let nd = NewDeployment {
            app,
            group,
            revision,
            description: Some(format!("Roll back to the revision of {source}")),
            ..Default::default()
        };
        let created = self.create(&nd).await?;
        Ok(format!("{created}: redeploys the revision of {source}"))
    }
}

impl AwsSource {
    /// One deployment's info (no targets).
    async fn info(&self, id: &str) -> Result<DeploymentInfo, CallError> {
        let mut cache = self.cache.lock().await;
        self.deployments(&mut cache, &[id.to_string()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CallError::Service {
                code: "DeploymentDoesNotExistException".into(),
                message: format!("Deployment {id} does not exist."),
            })
    }
}

fn no_rollback(why: &str) -> CallError {
    CallError::Service {
        code: "RevisionRequiredException".into(),
        message: format!("cannot roll back: {why}"),
    }
}
