//! Lambda and ECS deployments: one target, hooks, and traffic shifted per the
//! deployment configuration on the virtual clock (reference §7.3, §7.4, §9).

use super::archive::Archive;
use super::records::*;
use super::Engine;
use crate::model::time::Millis;
use crate::model::*;

impl Engine {
    /// Starts a Lambda or ECS deployment.
    pub(crate) fn start_shift(
        &mut self,
        id: &str,
        group: &GroupRecord,
        at: Millis,
        ar: &dyn Archive,
    ) {
        let kind = match group.info.compute_platform {
            Some(ComputePlatform::Ecs) => "ECS",
            _ => "Lambda",
        };
        let message = format!("codedeck does not simulate {kind} deployments yet; the deployment was accepted but cannot run.");
        self.finish(
            id,
            at,
            DeploymentStatus::Failed,
            Some((ErrorCode::InternalError, message)),
            ar,
        );
    }
}
