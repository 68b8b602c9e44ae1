//! The dashboard's "roll back" key (not a CodeDeploy operation): stop with
//! rollback while the deployment runs, else redeploy the revision a rollback
//! takes (`DeploymentGroupInfo::rollback_source`, reference §11) as a new
//! deployment, as "Manual rollback" in the user guide describes.

use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::{RollbackPlan, RolledBack};

impl Engine {
    /// What [`Engine::roll_back`] would do for deployment `id`.
    pub fn rollback_plan(&self, ar: &dyn Archive, id: &str) -> ApiResult<RollbackPlan> {
        let rec = self.deployment_record(ar, Some(id))?;
        if !rec.is_finished() {
            return Ok(RollbackPlan::Stop);
        }
        let Some(group) = self.groups.get(&rec.group_id) else {
            return err(
                Exception::DeploymentGroupDoesNotExist,
                "The deployment group no longer exists.",
            );
        };
        let Some(source) = group.info.rollback_source() else {
            return err(
                Exception::RevisionRequired,
                "The group has no successful deployment to roll back to.",
            );
        };
        let source = source.to_string();
        let Some(revision) = self.last_successful_revision(&rec.group_id) else {
            return err(
                Exception::RevisionRequired,
                format!("The last successful deployment {source} has no revision."),
            );
        };
        Ok(RollbackPlan::Redeploy {
            source,
            revision: Box::new(revision),
        })
    }

    /// Rolls deployment `id` back as [`Engine::rollback_plan`] says.
    pub fn roll_back(&mut self, now: Millis, ar: &dyn Archive, id: &str) -> ApiResult<RolledBack> {
        match self.rollback_plan(ar, id)? {
            RollbackPlan::Stop => {
                let out = self.stop_deployment(
                    now,
                    ar,
                    StopDeploymentInput {
                        deployment_id: Some(id.to_string()),
                        auto_rollback_enabled: Some(true),
                    },
                )?;
                Ok(RolledBack::Stopping(
                    out.status_message
                        .unwrap_or_else(|| "stopping with rollback".to_string()),
                ))
            }
            RollbackPlan::Redeploy { source, revision } => {
                let rec = self.deployment_record(ar, Some(id))?;
                let out = self.create_deployment(
                    now,
                    ar,
                    CreateDeploymentInput {
                        application_name: rec.info.application_name.clone(),
                        deployment_group_name: rec.info.deployment_group_name.clone(),
                        revision: Some(*revision),
                        description: Some(format!("Roll back to the revision of {source}")),
                        ..Default::default()
                    },
                )?;
                let Some(new_id) = out.deployment_id else {
                    return err(
                        Exception::InternalFailure,
                        "CreateDeployment answered without a deployment ID.",
                    );
                };
                Ok(RolledBack::Redeployed { id: new_id, source })
            }
        }
    }
}
