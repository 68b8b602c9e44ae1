//! Names, deployment IDs, the service role ARN, and the other one-value
//! members (compute platform, description).

use crate::model::*;
use crate::state::error::{err, ApiResult};

const NAME_CHARS: &str = "[A-Za-z0-9+=,.@_-]";

fn name_ok(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// A required name: missing or empty -> `required`, malformed -> `invalid`.
fn name<'a>(
    value: Option<&'a str>,
    what: &str,
    required: Exception,
    invalid: Exception,
) -> ApiResult<&'a str> {
    match value {
        None | Some("") => err(required, format!("The {what} name is required.")),
        Some(s) if !name_ok(s) => err(
            invalid,
            format!("The {what} name '{s}' is not 1 to 100 characters of {NAME_CHARS}."),
        ),
        Some(s) => Ok(s),
    }
}

pub fn application_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "application",
        Exception::ApplicationNameRequired,
        Exception::InvalidApplicationName,
    )
}

pub fn deployment_group_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "deployment group",
        Exception::DeploymentGroupNameRequired,
        Exception::InvalidDeploymentGroupName,
    )
}

pub fn deployment_config_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "deployment configuration",
        Exception::DeploymentConfigNameRequired,
        Exception::InvalidDeploymentConfigName,
    )
}

/// A new custom configuration's name: not in the reserved `CodeDeployDefault.` space.
pub fn custom_config_name(n: Option<&str>) -> ApiResult<&str> {
    let n = deployment_config_name(n)?;
    if n.starts_with(crate::engine::configs::PREDEFINED_PREFIX) {
        return err(Exception::InvalidDeploymentConfigName, format!("'{n}': names starting with CodeDeployDefault. are reserved for predefined configurations."));
    }
    Ok(n)
}

pub fn instance_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "instance",
        Exception::InstanceNameRequired,
        Exception::InvalidInstanceName,
    )
}

pub fn deployment_id(id: Option<&str>) -> ApiResult<&str> {
    match id {
        None | Some("") => err(
            Exception::DeploymentIdRequired,
            "A deployment ID is required.",
        ),
        Some(s) if !crate::model::ids::is_deployment_id(s) => err(
            Exception::InvalidDeploymentId,
            format!("'{s}' is not a deployment ID (d- followed by 9 characters of [A-Z0-9])."),
        ),
        Some(s) => Ok(s),
    }
}

/// Server when absent (UNCONFIRMED default, reference §14).
pub fn compute_platform(p: Option<&ComputePlatform>) -> ApiResult<ComputePlatform> {
    match p {
        None => Ok(ComputePlatform::Server),
        Some(p) if p.is_known() => Ok(p.clone()),
        Some(p) => err(
            Exception::InvalidComputePlatform,
            format!("'{p}' is not a compute platform (Server, Lambda or ECS)."),
        ),
    }
}

pub fn description(d: Option<&str>) -> ApiResult<()> {
    match d {
        Some(d) if d.chars().count() > 256 => err(
            Exception::DescriptionTooLong,
            format!(
                "The description is {} characters; the limit is 256.",
                d.chars().count()
            ),
        ),
        _ => Ok(()),
    }
}

/// `arn:<partition>:<service>:<region>:<12-digit account>:<resource prefix><more>`.
pub(super) fn arn_shape(arn: &str, service: &str, region_required: bool, resource: &str) -> bool {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6
        && p[0] == "arn"
        && matches!(p[1], "aws" | "aws-cn" | "aws-us-gov")
        && p[2] == service
        && (!region_required || !p[3].is_empty())
        && p[4].len() == 12
        && p[4].bytes().all(|b| b.is_ascii_digit())
        && p[5].len() > resource.len()
        && p[5].starts_with(resource)
}

pub fn service_role_arn(arn: Option<&str>, required: bool) -> ApiResult<()> {
    match arn {
        None | Some("") if required => err(Exception::RoleRequired, "serviceRoleArn is required."),
        None => Ok(()),
        Some(a) if !arn_shape(a, "iam", false, "role/") => err(
            Exception::InvalidRole,
            format!("'{a}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."),
        ),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

    #[test]
    fn names() {
        assert_eq!(
            application_name(Some("my-app_1.@=+,")).unwrap(),
            "my-app_1.@=+,"
        );
        assert_eq!(
            exc(application_name(None)),
            Exception::ApplicationNameRequired
        );
        assert_eq!(
            exc(application_name(Some(""))),
            Exception::ApplicationNameRequired
        );
        assert_eq!(
            exc(application_name(Some("a b"))),
            Exception::InvalidApplicationName
        );
        assert_eq!(
            exc(application_name(Some(&"a".repeat(101)))),
            Exception::InvalidApplicationName
        );
        assert_eq!(
            exc(deployment_group_name(Some("x/y"))),
            Exception::InvalidDeploymentGroupName
        );
        assert_eq!(
            exc(custom_config_name(Some("CodeDeployDefault.Mine"))),
            Exception::InvalidDeploymentConfigName
        );
        assert_eq!(
            exc(deployment_id(Some("d-abc"))),
            Exception::InvalidDeploymentId
        );
        assert_eq!(exc(deployment_id(None)), Exception::DeploymentIdRequired);
        assert!(deployment_id(Some("d-ABCDEF123")).is_ok());
    }

    #[test]
    fn roles_and_platforms() {
        assert!(
            service_role_arn(Some("arn:aws:iam::000000000000:role/codedeploy-role"), true).is_ok()
        );
        assert_eq!(exc(service_role_arn(None, true)), Exception::RoleRequired);
        assert_eq!(
            exc(service_role_arn(Some("role"), true)),
            Exception::InvalidRole
        );
        assert!(service_role_arn(None, false).is_ok());
        assert_eq!(compute_platform(None).unwrap(), ComputePlatform::Server);
        assert_eq!(
            exc(compute_platform(Some(&ComputePlatform::parse(
                "Kubernetes"
            )))),
            Exception::InvalidComputePlatform
        );
        assert_eq!(
            exc(description(Some(&"x".repeat(257)))),
            Exception::DescriptionTooLong
        );
    }
}
