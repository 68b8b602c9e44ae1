//! What a deployment status means to whoever watches it (reference §17):
//! `Succeeded`, `Failed` and `Stopped` are final; `Ready` and `Baking` are not.

use super::DeploymentStatus;

impl DeploymentStatus {
    /// The deployment will not change again.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            DeploymentStatus::Succeeded | DeploymentStatus::Failed | DeploymentStatus::Stopped
        )
    }

    /// CodeDeploy has picked the deployment's targets: before, target
    /// queries answer DeploymentNotStartedException (reference §14).
    pub fn has_started(&self) -> bool {
        !matches!(self, DeploymentStatus::Created | DeploymentStatus::Queued)
    }

    /// The deployment is its group's running one: unfinished and not
    /// waiting in the queue (`Created` is the moment before it starts).
    pub fn is_running(&self) -> bool {
        !self.is_final() && *self != DeploymentStatus::Queued
    }

    /// The statuses of deployments still running or waiting to run, as
    /// `ListDeployments`' `includeOnlyStatuses` takes them.
    pub const ACTIVE: [DeploymentStatus; 5] = [
        DeploymentStatus::Created,
        DeploymentStatus::Queued,
        DeploymentStatus::InProgress,
        DeploymentStatus::Baking,
        DeploymentStatus::Ready,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_and_active_statuses_split_the_enum() {
        for s in DeploymentStatus::ALL {
            assert_ne!(
                s.is_final(),
                DeploymentStatus::ACTIVE.contains(s),
                "{s} is either final or active"
            );
        }
        assert!(!DeploymentStatus::Ready.is_final());
        let running: Vec<&DeploymentStatus> = DeploymentStatus::ACTIVE
            .iter()
            .filter(|s| s.is_running())
            .collect();
        assert_eq!(
            running,
            [
                &DeploymentStatus::Created,
                &DeploymentStatus::InProgress,
                &DeploymentStatus::Baking,
                &DeploymentStatus::Ready
            ],
            "all but Queued"
        );
    }
}
