//! The `errorInformation.message` texts of deployment error codes whose
//! wording the user guide gives, word for word (reference §3.1, §8.2).

use crate::model::ErrorCode;

/// HEALTH_CONSTRAINTS: too many instances failed (reference §8.2 rule 3, the
/// user guide's troubleshooting and error-code pages).
const HEALTH_CONSTRAINTS: &str = "The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.";

/// HEALTH_CONSTRAINTS_INVALID: the minimum healthy hosts leave no instance to
/// take offline, so the deployment fails before it touches one (reference §8.2
/// rule 1). The text is the user guide's error-code page ("Error codes for
/// AWS CodeDeploy"); the reference file names the code but does not quote it,
/// and the model's one-line summary ("The revision cannot be successfully
/// deployed within the instance health constraints specified.") is not a
/// message. The numbers behind the decision are in the event log's start line.
const HEALTH_CONSTRAINTS_INVALID: &str = "The deployment can't start because the minimum number of healthy instances, as defined by your deployment configuration, are not available. You can reduce the required number of healthy instances by updating your deployment configuration or increase the number of instances in this deployment group.";

/// HEALTH_CONSTRAINTS with its message.
pub(crate) fn health_constraints() -> (ErrorCode, String) {
    (ErrorCode::HealthConstraints, HEALTH_CONSTRAINTS.into())
}

/// HEALTH_CONSTRAINTS_INVALID with its message.
pub(crate) fn health_constraints_invalid() -> (ErrorCode, String) {
    (
        ErrorCode::HealthConstraintsInvalid,
        HEALTH_CONSTRAINTS_INVALID.into(),
    )
}
