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
    }
}
