//! CreateDeploymentConfig, GetDeploymentConfig, DeleteDeploymentConfig,
//! ListDeploymentConfigs.

use super::page_names;
use crate::engine::configs::{self, is_predefined};
use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// Custom deployment configurations per account (reference §5).
const CUSTOM_CONFIG_LIMIT: usize = 200;

impl Engine {
    /// A configuration by name, or DeploymentConfigDoesNotExistException.
    pub(crate) fn config_named(&self, name: &str) -> ApiResult<DeploymentConfigInfo> {
        match self.config_info(name) {
            Some(c) => Ok(c),
            None => err(
                Exception::DeploymentConfigDoesNotExist,
                format!("No deployment configuration found for name: {name}"),
            ),
        }
    }

    pub fn create_deployment_config(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: CreateDeploymentConfigInput,
    ) -> ApiResult<CreateDeploymentConfigOutput> {
        let platform = validate::create_deployment_config(&input)?;
        let name =
            validate::custom_config_name(input.deployment_config_name.as_deref())?.to_string();
        if self.configs.contains_key(&name) || is_predefined(&name) {
            return err(
                Exception::DeploymentConfigAlreadyExists,
                format!("A deployment configuration named {name} already exists."),
            );
        }
        if self.configs.len() >= CUSTOM_CONFIG_LIMIT {
            return err(Exception::DeploymentConfigLimitExceeded, format!("An account may have at most {CUSTOM_CONFIG_LIMIT} custom deployment configurations."));
        }
        let id = self.new_uuid("config");
        let info = DeploymentConfigInfo {
            deployment_config_id: Some(id.clone()),
            // Set by `ConfigRecord::new`.
            deployment_config_name: None,
            minimum_healthy_hosts: input.minimum_healthy_hosts,
            create_time: Some(Timestamp(now)),
            compute_platform: Some(platform),
            traffic_routing_config: input.traffic_routing_config,
            zonal_config: input.zonal_config,
        };
        self.configs
            .insert(name.clone(), ConfigRecord::new(name.clone(), info));
        self.dirty.configs.insert(name);
        Ok(CreateDeploymentConfigOutput {
            deployment_config_id: Some(id),
        })
    }

    pub fn get_deployment_config(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: GetDeploymentConfigInput,
    ) -> ApiResult<GetDeploymentConfigOutput> {
        let name = validate::deployment_config_name(input.deployment_config_name.as_deref())?;
        let info = self.config_named(name)?;
        Ok(GetDeploymentConfigOutput {
            deployment_config_info: Some(info),
        })
    }

    pub fn delete_deployment_config(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: DeleteDeploymentConfigInput,
    ) -> ApiResult<()> {
        let name =
            validate::deployment_config_name(input.deployment_config_name.as_deref())?.to_string();
        if is_predefined(&name) {
            return err(
                Exception::InvalidOperation,
                format!("{name} is a predefined deployment configuration and cannot be deleted."),
            );
        }
        if !self.configs.contains_key(&name) {
            return Ok(());
        }
        let used_by_group = self
            .groups
            .values()
            .find(|g| g.info.deployment_config_name.as_deref() == Some(name.as_str()));
        if let Some(g) = used_by_group {
            return err(
                Exception::DeploymentConfigInUse,
                format!(
                    "Deployment configuration {name} is used by deployment group {}.",
                    g.name()
                ),
            );
        }
        if let Some(a) = self
            .active
            .values()
            .find(|a| a.rec.info.deployment_config_name.as_deref() == Some(name.as_str()))
        {
            return err(
                Exception::DeploymentConfigInUse,
                format!(
                    "Deployment configuration {name} is used by deployment {}.",
                    a.rec.id()
                ),
            );
        }
        self.configs.remove(&name);
        self.out.push(Change::ConfigDeleted { name });
        Ok(())
    }

    pub fn list_deployment_configs(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: ListDeploymentConfigsInput,
    ) -> ApiResult<ListDeploymentConfigsOutput> {
        let names: Vec<String> = configs::predefined_names()
            .map(str::to_string)
            .chain(self.configs.keys().cloned())
            .collect();
        let (page, next) = page_names(names, input.next_token.as_deref())?;
        Ok(ListDeploymentConfigsOutput {
            deployment_configs_list: Some(page),
            next_token: next,
        })
    }
}
