//! CreateDeploymentGroup, GetDeploymentGroup, BatchGetDeploymentGroups,
//! UpdateDeploymentGroup, DeleteDeploymentGroup, ListDeploymentGroups.

use super::{batch_limit, page_names};
use crate::engine::validate::{self, GroupMembers};
use crate::engine::{configs, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// Deployment groups per application (reference §5).
const GROUP_LIMIT: usize = 1000;

/// What CreateDeploymentGroup resolved before building the group.
struct NewGroup {
    app_name: String,
    config: String,
    asgs: Vec<AutoScalingGroup>,
    platform: ComputePlatform,
}

/// A new group's description: the input, with AWS's defaults for what it omits.
fn new_group_info(g: NewGroup, input: CreateDeploymentGroupInput) -> DeploymentGroupInfo {
    DeploymentGroupInfo {
        application_name: Some(g.app_name),
        // The ID and name: set by `GroupRecord::new`.
        deployment_group_id: None,
        deployment_group_name: None,
        deployment_config_name: Some(g.config),
        ec2_tag_filters: Some(input.ec2_tag_filters.unwrap_or_default()),
        on_premises_instance_tag_filters: Some(
            input.on_premises_instance_tag_filters.unwrap_or_default(),
        ),
        auto_scaling_groups: Some(g.asgs),
        service_role_arn: input.service_role_arn,
        target_revision: None,
        trigger_configurations: Some(input.trigger_configurations.unwrap_or_default()),
        alarm_configuration: Some(input.alarm_configuration.unwrap_or(AlarmConfiguration {
            enabled: Some(false),
            ignore_poll_alarm_failure: Some(false),
            alarms: Some(vec![]),
        })),
        auto_rollback_configuration: input.auto_rollback_configuration,
        deployment_style: Some(
            input
                .deployment_style
                .unwrap_or_else(|| default_style(&g.platform)),
        ),
        outdated_instances_strategy: Some(
            input
                .outdated_instances_strategy
                .unwrap_or(OutdatedInstancesStrategy::Update),
        ),
        blue_green_deployment_configuration: input.blue_green_deployment_configuration,
        load_balancer_info: input.load_balancer_info,
        last_successful_deployment: None,
        last_attempted_deployment: None,
        ec2_tag_set: input.ec2_tag_set,
        on_premises_tag_set: input.on_premises_tag_set,
        compute_platform: Some(g.platform),
        ecs_services: input.ecs_services,
        termination_hook_enabled: Some(input.termination_hook_enabled.unwrap_or(false)),
    }
}

/// UpdateDeploymentGroup replaces each member the input gives.
fn replace_members(info: &mut DeploymentGroupInfo, input: &UpdateDeploymentGroupInput) {
    macro_rules! replace {
        ($($field:ident),*) => { $( if input.$field.is_some() { info.$field = input.$field.clone(); } )* };
    }
    replace!(
        ec2_tag_filters,
        on_premises_instance_tag_filters,
        service_role_arn,
        trigger_configurations,
        alarm_configuration,
        auto_rollback_configuration,
        outdated_instances_strategy,
        deployment_style,
        blue_green_deployment_configuration,
        load_balancer_info,
        ec2_tag_set,
        ecs_services,
        on_premises_tag_set,
        termination_hook_enabled
    );
}

/// The updated group as a whole must still be valid (members given in the
/// update were checked alone; together with the kept ones they may clash).
fn check_merged_group(
    info: &DeploymentGroupInfo,
    platform: &ComputePlatform,
    strict: bool,
) -> ApiResult<()> {
    let merged = CreateDeploymentGroupInput {
        application_name: info.application_name.clone(),
        deployment_group_name: info.deployment_group_name.clone(),
        ec2_tag_filters: info.ec2_tag_filters.clone(),
        on_premises_instance_tag_filters: info.on_premises_instance_tag_filters.clone(),
        ec2_tag_set: info.ec2_tag_set.clone(),
        on_premises_tag_set: info.on_premises_tag_set.clone(),
        deployment_style: info.deployment_style.clone(),
        load_balancer_info: info.load_balancer_info.clone(),
        blue_green_deployment_configuration: info.blue_green_deployment_configuration.clone(),
        ecs_services: info.ecs_services.clone(),
        ..Default::default()
    };
    validate::deployment_group_members(&GroupMembers::from(&merged), platform, strict)
}

impl Engine {
    /// The group `group` of application `app`, names validated.
    pub(crate) fn group_named(
        &self,
        app: Option<&str>,
        group: Option<&str>,
    ) -> ApiResult<&GroupRecord> {
        let app = self.app_named(app)?;
        let name = validate::deployment_group_name(group)?;
        let app_id = app.id();
        match self
            .groups
            .values()
            .find(|g| g.application_id == app_id && g.name() == name)
        {
            Some(g) => Ok(g),
            None => err(
                Exception::DeploymentGroupDoesNotExist,
                format!("No Deployment Group found for name: {name}"),
            ),
        }
    }

    fn platform_of(&self, app_name: &str) -> ComputePlatform {
        crate::model::rules::compute_platform(
            self.apps
                .get(app_name)
                .and_then(|a| a.info.compute_platform.as_ref()),
        )
    }

    /// Checks a config exists and fits the platform.
    fn group_config(&self, name: Option<&str>, platform: &ComputePlatform) -> ApiResult<String> {
        let name = match name {
            Some(n) => validate::deployment_config_name(Some(n))?.to_string(),
            None => default_config(platform).to_string(),
        };
        let info = self.config_named(&name)?;
        let config_platform = crate::model::rules::compute_platform(info.compute_platform.as_ref());
        if config_platform != *platform {
            // The exact exception is UNCONFIRMED (reference §16 item 9); this one names the member.
            return err(Exception::InvalidDeploymentConfigName, format!(
                "Deployment configuration {name} is for the {config_platform} compute platform, but the application uses {platform}."
            ));
        }
        Ok(name)
    }

    /// Resolves ASG names against the simulated world.
    fn auto_scaling_groups(
        &mut self,
        names: &[String],
        group_name: &str,
    ) -> ApiResult<Vec<AutoScalingGroup>> {
        validate::auto_scaling_group_names(names)?;
        // The fleet file's groups and the copies blue/green deployments launched.
        let known: Vec<String> = self.known_asgs().into_iter().collect();
        let mut out = Vec::new();
        for name in names {
            if !known.contains(name) {
                return err(Exception::InvalidAutoScalingGroup, format!(
                    "Auto Scaling group '{name}' does not exist (codedeck's fleet file declares: {}).",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ));
            }
            let hook_id = self.new_uuid("asg-hook");
            out.push(AutoScalingGroup {
                name: Some(name.clone()),
                hook: Some(format!(
                    "CodeDeploy-managed-automatic-launch-deployment-hook-{group_name}-{hook_id}"
                )),
                termination_hook: None,
            });
        }
        Ok(out)
    }

    /// Makes sure every alarm the group watches exists as a switch (OK).
    pub(super) fn ensure_alarms(&mut self, config: Option<&AlarmConfiguration>) {
        for alarm in config.and_then(|c| c.alarms.clone()).unwrap_or_default() {
            if let Some(name) = alarm.name.filter(|n| !self.alarms.contains_key(n)) {
                self.put_alarm(AlarmRecord {
                    name,
                    state: AlarmState::Ok,
                });
            }
        }
    }

    fn check_ecs_mapping(
        &self,
        services: Option<&Vec<ECSService>>,
        except_group: Option<&str>,
    ) -> ApiResult<()> {
        for svc in services.into_iter().flatten() {
            let taken = self.groups.values().find(|g| {
                Some(g.id()) != except_group
                    && g.info.ecs_services.iter().flatten().any(|s| {
                        s.cluster_name == svc.cluster_name && s.service_name == svc.service_name
                    })
            });
            if let Some(g) = taken {
                let (Some(cluster), Some(service)) = (&svc.cluster_name, &svc.service_name) else {
                    // Validated before: every ECS service names both.
                    return err(Exception::InvalidECSService, "An ECS deployment group needs exactly one ecsServices entry with clusterName and serviceName.");
                };
                return err(
                    Exception::ECSServiceMappingLimitExceeded,
                    format!(
                        "ECS service {cluster}:{service} is already used by deployment group {}.",
                        g.name()
                    ),
                );
            }
        }
        Ok(())
    }

    pub fn create_deployment_group(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: CreateDeploymentGroupInput,
    ) -> ApiResult<CreateDeploymentGroupOutput> {
        let app = self.app_named(input.application_name.as_deref())?;
        let (app_name, app_id) = (app.name().to_string(), app.id().to_string());
        let name =
            validate::deployment_group_name(input.deployment_group_name.as_deref())?.to_string();
        self.check_room_for_group(&app_id, &app_name, &name)?;
        validate::service_role_arn(input.service_role_arn.as_deref(), true)?;
        let platform = self.platform_of(&app_name);
        validate::deployment_group_members(
            &GroupMembers::from(&input),
            &platform,
            self.opts.strict,
        )?;
        let config = self.group_config(input.deployment_config_name.as_deref(), &platform)?;
        self.check_ecs_mapping(input.ecs_services.as_ref(), None)?;
        let tags = input.tags.clone().unwrap_or_default();
        validate::tags_to_add(&tags)?;
        let asgs = self.auto_scaling_groups(
            input.auto_scaling_groups.as_deref().unwrap_or_default(),
            &name,
        )?;
        self.ensure_alarms(input.alarm_configuration.as_ref());
        let id = self.new_uuid("group");
        let info = new_group_info(
            NewGroup {
                app_name,
                config,
                asgs,
                platform,
            },
            input,
        );
        self.groups.insert(
            id.clone(),
            GroupRecord::new(id.clone(), name, app_id, info, tags),
        );
        self.dirty.groups.insert(id.clone());
        Ok(CreateDeploymentGroupOutput {
            deployment_group_id: Some(id),
        })
    }

    /// The application has no group `name` yet and room for one more.
    fn check_room_for_group(&self, app_id: &str, app_name: &str, name: &str) -> ApiResult<()> {
        if self
            .groups
            .values()
            .any(|g| g.application_id == app_id && g.name() == name)
        {
            return err(
                Exception::DeploymentGroupAlreadyExists,
                format!(
                    "A deployment group named {name} already exists for application {app_name}."
                ),
            );
        }
        if self
            .groups
            .values()
            .filter(|g| g.application_id == app_id)
            .count()
            >= GROUP_LIMIT
        {
            return err(
                Exception::DeploymentGroupLimitExceeded,
                format!("An application may have at most {GROUP_LIMIT} deployment groups."),
            );
        }
        Ok(())
    }

    pub fn get_deployment_group(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: GetDeploymentGroupInput,
    ) -> ApiResult<GetDeploymentGroupOutput> {
        let g = self.group_named(
            input.application_name.as_deref(),
            input.deployment_group_name.as_deref(),
        )?;
        Ok(GetDeploymentGroupOutput {
            deployment_group_info: Some(self.group_info(g)),
        })
    }

    pub fn batch_get_deployment_groups(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: BatchGetDeploymentGroupsInput,
    ) -> ApiResult<BatchGetDeploymentGroupsOutput> {
        let app = self
            .app_named(input.application_name.as_deref())?
            .name()
            .to_string();
        let names = input.deployment_group_names.unwrap_or_default();
        if names.is_empty() {
            return err(
                Exception::DeploymentGroupNameRequired,
                "The deployment group names were not specified.",
            );
        }
        // The model's BatchLimitExceededException documentation says 100 (UNCONFIRMED).
        batch_limit(names.len(), 100, "deployment group names")?;
        let mut infos = Vec::new();
        let mut missing = Vec::new();
        for name in &names {
            validate::deployment_group_name(Some(name))?;
            match self.group_named(Some(&app), Some(name)) {
                Ok(g) => infos.push(self.group_info(g)),
                Err(_) => missing.push(name.clone()),
            }
        }
        let error_message = (!missing.is_empty()).then(|| {
            format!(
                "Deployment groups not found for application {app}: {}",
                missing.join(", ")
            )
        });
        Ok(BatchGetDeploymentGroupsOutput {
            deployment_groups_info: Some(infos),
            error_message,
        })
    }

    pub fn update_deployment_group(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: UpdateDeploymentGroupInput,
    ) -> ApiResult<UpdateDeploymentGroupOutput> {
        let app_name = self
            .app_named(input.application_name.as_deref())?
            .name()
            .to_string();
        let group = self
            .group_named(
                Some(&app_name),
                input.current_deployment_group_name.as_deref(),
            )?
            .clone();
        let platform = self.platform_of(&app_name);
        validate::deployment_group_members(
            &GroupMembers::from(&input),
            &platform,
            self.opts.strict,
        )?;
        validate::service_role_arn(input.service_role_arn.as_deref(), false)?;
        let mut info = group.info.clone();
        let group_name = match input.new_deployment_group_name.as_deref() {
            Some(new_name) => self.check_rename(&group, new_name, &app_name)?,
            None => group.name().to_string(),
        };
        if input.deployment_config_name.is_some() {
            info.deployment_config_name =
                Some(self.group_config(input.deployment_config_name.as_deref(), &platform)?);
        }
        self.check_ecs_mapping(input.ecs_services.as_ref(), Some(group.id()))?;
        if let Some(names) = &input.auto_scaling_groups {
            info.auto_scaling_groups = Some(self.auto_scaling_groups(names, &group_name)?);
        }
        replace_members(&mut info, &input);
        check_merged_group(&info, &platform, self.opts.strict)?;
        self.ensure_alarms(info.alarm_configuration.as_ref());
        let id = group.id().to_string();
        if let Some(g) = self.groups.get_mut(&id) {
            g.info = info;
            g.set_name(group_name);
        }
        self.dirty.groups.insert(id);
        Ok(UpdateDeploymentGroupOutput {
            hooks_not_cleaned_up: Some(vec![]),
        })
    }

    /// A valid new name for `group`, not taken by another group of its application.
    fn check_rename(
        &self,
        group: &GroupRecord,
        new_name: &str,
        app_name: &str,
    ) -> ApiResult<String> {
        let new_name = validate::deployment_group_name(Some(new_name))?;
        if new_name != group.name()
            && self
                .groups
                .values()
                .any(|g| g.application_id == group.application_id && g.name() == new_name)
        {
            return err(Exception::DeploymentGroupAlreadyExists, format!("A deployment group named {new_name} already exists for application {app_name}."));
        }
        Ok(new_name.to_string())
    }

    pub fn delete_deployment_group(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: DeleteDeploymentGroupInput,
    ) -> ApiResult<DeleteDeploymentGroupOutput> {
        let app = validate::application_name(input.application_name.as_deref())?;
        let name = validate::deployment_group_name(input.deployment_group_name.as_deref())?;
        let found = self
            .group_named(Some(app), Some(name))
            .ok()
            .map(|g| g.id().to_string());
        if let Some(id) = found {
            let running: Vec<String> = self
                .active
                .values()
                .filter(|a| a.rec.group_id == id)
                .map(|a| a.rec.id().to_string())
                .collect();
            for d in running {
                self.finish(
                    &d,
                    now,
                    DeploymentStatus::Stopped,
                    Some((
                        ErrorCode::DeploymentGroupMissing,
                        "The deployment group was deleted.".into(),
                    )),
                );
            }
            self.groups.remove(&id);
            self.out.push(Change::GroupDeleted { group_id: id });
        }
        Ok(DeleteDeploymentGroupOutput {
            hooks_not_cleaned_up: Some(vec![]),
        })
    }

    pub fn list_deployment_groups(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: ListDeploymentGroupsInput,
    ) -> ApiResult<ListDeploymentGroupsOutput> {
        let app = self.app_named(input.application_name.as_deref())?;
        let (name, app_id) = (app.name().to_string(), app.id().to_string());
        let names = self
            .groups
            .values()
            .filter(|g| g.application_id == app_id)
            .map(|g| g.name().to_string())
            .collect();
        let (page, next) = page_names(names, input.next_token.as_deref())?;
        Ok(ListDeploymentGroupsOutput {
            application_name: Some(name),
            deployment_groups: Some(page),
            next_token: next,
        })
    }
}

/// The configuration a group uses when none is named.
pub(crate) fn default_config(platform: &ComputePlatform) -> &'static str {
    match platform {
        ComputePlatform::Lambda => "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        ComputePlatform::Ecs => "CodeDeployDefault.ECSAllAtOnce",
        _ => configs::DEFAULT_SERVER_CONFIG,
    }
}

fn default_style(platform: &ComputePlatform) -> DeploymentStyle {
    let server = *platform == ComputePlatform::Server;
    DeploymentStyle {
        deployment_type: Some(if server {
            DeploymentType::InPlace
        } else {
            DeploymentType::BlueGreen
        }),
        deployment_option: Some(if server {
            DeploymentOption::WithoutTrafficControl
        } else {
            DeploymentOption::WithTrafficControl
        }),
    }
}
