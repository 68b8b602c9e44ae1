//! EC2 blue/green deployments (reference §7.2 and §10).

use super::archive::Archive;
use super::records::*;
use super::Engine;
use crate::model::time::Millis;
use crate::model::*;

impl Engine {
    /// Starts an EC2 blue/green deployment.
    pub(crate) fn start_blue_green(
        &mut self,
        id: &str,
        _group: &GroupRecord,
        at: Millis,
        ar: &dyn Archive,
    ) {
        let message = "codedeck does not simulate EC2 blue/green deployments yet; the deployment was accepted but cannot run.".to_string();
        self.finish(
            id,
            at,
            DeploymentStatus::Failed,
            Some((ErrorCode::InternalError, message)),
            ar,
        );
    }
}
