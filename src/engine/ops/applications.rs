//! CreateApplication, GetApplication, BatchGetApplications, UpdateApplication,
//! DeleteApplication, ListApplications.

use super::{batch_limit, page_names};
use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// Applications per account (reference §5).
const APPLICATION_LIMIT: usize = 1000;

impl Engine {
    pub(crate) fn app(&self, name: &str) -> ApiResult<&ApplicationRecord> {
        match self.apps.get(name) {
            Some(a) => Ok(a),
            None => err(
                Exception::ApplicationDoesNotExist,
                format!("No application found for name: {name}"),
            ),
        }
    }

    /// Validates a name and finds the application.
    pub(crate) fn app_named(&self, name: Option<&str>) -> ApiResult<&ApplicationRecord> {
        let name = validate::application_name(name)?;
        self.app(name)
    }

    pub fn create_application(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: CreateApplicationInput,
    ) -> ApiResult<CreateApplicationOutput> {
        let name = validate::application_name(input.application_name.as_deref())?.to_string();
        let platform = validate::compute_platform(input.compute_platform.as_ref())?;
        let tags = input.tags.unwrap_or_default();
        validate::tags_to_add(&tags)?;
        if self.apps.contains_key(&name) {
            return err(
                Exception::ApplicationAlreadyExists,
                format!("{name} already exists in your account"),
            );
        }
        if self.apps.len() >= APPLICATION_LIMIT {
            return err(
                Exception::ApplicationLimitExceeded,
                format!("An account may have at most {APPLICATION_LIMIT} applications."),
            );
        }
        let id = self.new_uuid("application");
        let info = ApplicationInfo {
            create_time: Some(Timestamp(now)),
            linked_to_git_hub: Some(false),
            git_hub_account_name: None,
            compute_platform: Some(platform),
            // The ID and name: set by `ApplicationRecord::new`.
            ..Default::default()
        };
        let record = ApplicationRecord::new(id.clone(), name.clone(), info, tags);
        self.apps.insert(name.clone(), record);
        self.dirty.apps.insert(name);
        Ok(CreateApplicationOutput {
            application_id: Some(id),
        })
    }

    pub fn get_application(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: GetApplicationInput,
    ) -> ApiResult<GetApplicationOutput> {
        let app = self.app_named(input.application_name.as_deref())?;
        Ok(GetApplicationOutput {
            application: Some(app.info.clone()),
        })
    }

    pub fn batch_get_applications(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: BatchGetApplicationsInput,
    ) -> ApiResult<BatchGetApplicationsOutput> {
        let names = input.application_names.unwrap_or_default();
        if names.is_empty() {
            return err(
                Exception::ApplicationNameRequired,
                "The minimum number of required application names was not specified.",
            );
        }
        batch_limit(names.len(), 100, "application names")?;
        let infos = names
            .iter()
            .map(|n| self.app_named(Some(n)).map(|a| a.info.clone()))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(BatchGetApplicationsOutput {
            applications_info: Some(infos),
        })
    }

    pub fn update_application(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: UpdateApplicationInput,
    ) -> ApiResult<()> {
        let name = self
            .app_named(input.application_name.as_deref())?
            .name()
            .to_string();
        let Some(new_name) = input.new_application_name.as_deref() else {
            return Ok(());
        };
        let new_name = validate::application_name(Some(new_name))?.to_string();
        if new_name == name {
            return Ok(());
        }
        if self.apps.contains_key(&new_name) {
            return err(
                Exception::ApplicationAlreadyExists,
                format!("{new_name} already exists in your account"),
            );
        }
        let Some(mut record) = self.apps.remove(&name) else {
            return Ok(());
        };
        record.set_name(new_name.clone());
        let app_id = record.id().to_string();
        self.apps.insert(new_name.clone(), record);
        self.dirty.apps.insert(new_name.clone());
        for group in self
            .groups
            .values_mut()
            .filter(|g| g.application_id == app_id)
        {
            group.info.application_name = Some(new_name.clone());
            self.dirty.groups.insert(group.id().to_string());
        }
        Ok(())
    }

    pub fn delete_application(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: DeleteApplicationInput,
    ) -> ApiResult<()> {
        let name = validate::application_name(input.application_name.as_deref())?.to_string();
        let Some(app) = self.apps.get(&name) else {
            return Ok(());
        };
        let app_id = app.id().to_string();
        // Deployments still running in the application end with it.
        let running: Vec<String> = self
            .active
            .values()
            .filter(|a| a.rec.application_id == app_id)
            .map(|a| a.rec.id().to_string())
            .collect();
        for id in running {
            self.finish(
                &id,
                now,
                DeploymentStatus::Stopped,
                Some((
                    ErrorCode::ApplicationMissing,
                    "The application was deleted.".into(),
                )),
            );
        }
        self.apps.remove(&name);
        self.groups.retain(|_, g| g.application_id != app_id);
        self.out.push(Change::ApplicationDeleted {
            application_id: app_id,
        });
        Ok(())
    }

    pub fn list_applications(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: ListApplicationsInput,
    ) -> ApiResult<ListApplicationsOutput> {
        let (page, next) = page_names(
            self.apps.keys().cloned().collect(),
            input.next_token.as_deref(),
        )?;
        Ok(ListApplicationsOutput {
            applications: Some(page),
            next_token: next,
        })
    }
}
