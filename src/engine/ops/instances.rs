//! On-premises instances: Register, Deregister, Get, BatchGet, List,
//! AddTagsTo..., RemoveTagsFrom....

use super::{batch_limit, page_names};
use crate::engine::selection::{any_matches, onprem_filters};
use crate::engine::{validate, Engine};
use crate::model::time::{iso, Millis, MINUTE};
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// Tags per on-premises instance and instances per tagging call (UNCONFIRMED numbers).
const TAGS_PER_INSTANCE: usize = 10;
const INSTANCES_PER_CALL: usize = 100;

/// How long CodeDeploy keeps a deregistered instance's record, in virtual time.
/// The user guide (deregistering an on-premises instance): "you cannot create a
/// replacement instance with the same name or the same associated IAM user
/// name until AWS CodeDeploy deletes its records … typically … about 24
/// hours". The reference file is silent; codedeck keeps it exactly 24 hours
/// (UNCONFIRMED: AWS says "typically").
pub(crate) const DEREGISTERED_KEPT: Millis = 24 * 60 * MINUTE;

/// Whether CodeDeploy still has the record at `now`: registered, or
/// deregistered less than 24 hours ago. Such a record keeps its name and its
/// IAM ARN taken and is listed (as Deregistered); after that it is gone.
fn kept(info: &InstanceInfo, now: Millis) -> bool {
    info.deregister_time
        .is_none_or(|t| now < t.0.saturating_add(DEREGISTERED_KEPT))
}

fn valid_arn(arn: &str, service: &str, resource: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == service
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].starts_with(resource)
        && parts[5].len() > resource.len()
}

impl Engine {
    fn registered(&self, name: &str) -> ApiResult<&InstanceRecord> {
        match self
            .instances
            .get(name)
            .filter(|i| i.info.deregister_time.is_none())
        {
            Some(i) => Ok(i),
            None => err(
                Exception::InstanceNotRegistered,
                format!("On-premises instance {name} is not registered."),
            ),
        }
    }

    /// A name or an IAM ARN stays taken while CodeDeploy keeps the record that
    /// holds it, deregistered ones included (`DEREGISTERED_KEPT`).
    fn check_name_and_arn_free(
        &self,
        now: Millis,
        name: &str,
        session: Option<&str>,
        user: Option<&str>,
    ) -> ApiResult<()> {
        let held = |i: &&InstanceRecord| kept(&i.info, now);
        let until = |i: &InstanceRecord| match i.info.deregister_time {
            None => "is registered".to_string(),
            Some(t) => format!(
                "was deregistered at {}: CodeDeploy keeps its record until {}, 24 hours later",
                iso(t.0),
                iso(t.0.saturating_add(DEREGISTERED_KEPT))
            ),
        };
        if let Some(other) = self.instances.get(name).filter(|i| held(i)) {
            return err(
                Exception::InstanceNameAlreadyRegistered,
                format!("On-premises instance name {name} {}.", until(other)),
            );
        }
        for other in self.instances.values().filter(held) {
            if session.is_some() && other.info.iam_session_arn.as_deref() == session {
                return err(
                    Exception::IamSessionArnAlreadyRegistered,
                    format!(
                        "The IAM session ARN of on-premises instance {} {}.",
                        other.name(),
                        until(other)
                    ),
                );
            }
            if user.is_some() && other.info.iam_user_arn.as_deref() == user {
                return err(
                    Exception::IamUserArnAlreadyRegistered,
                    format!(
                        "The IAM user ARN of on-premises instance {} {}.",
                        other.name(),
                        until(other)
                    ),
                );
            }
        }
        Ok(())
    }

    /// Deletes the records of instances deregistered 24 hours ago or more
    /// (`DEREGISTERED_KEPT`); reads already skip them, this frees the store.
    pub(crate) fn delete_expired_instances(&mut self, now: Millis) {
        let gone: Vec<String> = self
            .instances
            .iter()
            .filter(|(_, i)| !kept(&i.info, now))
            .map(|(name, _)| name.clone())
            .collect();
        for name in gone {
            self.instances.remove(&name);
            self.dirty.instances.remove(&name);
            self.out.push(Change::InstanceDeleted { name });
        }
    }

    pub fn register_on_premises_instance(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: RegisterOnPremisesInstanceInput,
    ) -> ApiResult<()> {
        let name = validate::instance_name(input.instance_name.as_deref())?.to_string();
        let (session, user) = (
            input.iam_session_arn.filter(|a| !a.is_empty()),
            input.iam_user_arn.filter(|a| !a.is_empty()),
        );
        match (&session, &user) {
            (None, None) => return err(Exception::IamArnRequired, "Either iamSessionArn or iamUserArn is required."),
            (Some(_), Some(_)) => return err(Exception::MultipleIamArnsProvided, "Give iamSessionArn or iamUserArn, not both."),
            (Some(s), None) if !valid_arn(s, "sts", "assumed-role/") => {
                return err(Exception::InvalidIamSessionArn, format!("{s} is not an IAM session ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)."))
            }
            (None, Some(u)) if !valid_arn(u, "iam", "user/") => {
                return err(Exception::InvalidIamUserArn, format!("{u} is not an IAM user ARN (arn:aws:iam::<account>:user/<name>)."))
            }
            _ => {}
        }
        self.check_name_and_arn_free(now, &name, session.as_deref(), user.as_deref())?;
        let info = InstanceInfo {
            // Set by `InstanceRecord::new`.
            instance_name: None,
            iam_session_arn: session,
            iam_user_arn: user,
            instance_arn: Some(self.arns().on_premises_instance(&name)),
            register_time: Some(Timestamp(now)),
            deregister_time: None,
            tags: Some(vec![]),
        };
        self.instances
            .insert(name.clone(), InstanceRecord::new(name.clone(), info));
        self.dirty.instances.insert(name);
        Ok(())
    }

    pub fn deregister_on_premises_instance(
        &mut self,
        now: Millis,
        _ar: &dyn Archive,
        input: DeregisterOnPremisesInstanceInput,
    ) -> ApiResult<()> {
        let name = validate::instance_name(input.instance_name.as_deref())?.to_string();
        if let Some(rec) = self
            .instances
            .get_mut(&name)
            .filter(|i| i.info.deregister_time.is_none())
        {
            rec.info.deregister_time = Some(Timestamp(now));
            self.dirty.instances.insert(name);
        }
        Ok(())
    }

    pub fn get_on_premises_instance(
        &self,
        now: Millis,
        _ar: &dyn Archive,
        input: GetOnPremisesInstanceInput,
    ) -> ApiResult<GetOnPremisesInstanceOutput> {
        let name = validate::instance_name(input.instance_name.as_deref())?;
        match self.instances.get(name).filter(|i| kept(&i.info, now)) {
            Some(i) => Ok(GetOnPremisesInstanceOutput {
                instance_info: Some(i.info.clone()),
            }),
            None => err(
                Exception::InstanceNotRegistered,
                format!("On-premises instance {name} is not registered."),
            ),
        }
    }

    pub fn batch_get_on_premises_instances(
        &self,
        now: Millis,
        _ar: &dyn Archive,
        input: BatchGetOnPremisesInstancesInput,
    ) -> ApiResult<BatchGetOnPremisesInstancesOutput> {
        let names = input.instance_names.unwrap_or_default();
        if names.is_empty() {
            return err(
                Exception::InstanceNameRequired,
                "At least one instance name must be specified.",
            );
        }
        batch_limit(names.len(), 25, "instance names")?;
        let mut infos = Vec::new();
        for name in &names {
            validate::instance_name(Some(name))?;
            if let Some(i) = self.instances.get(name).filter(|i| kept(&i.info, now)) {
                infos.push(i.info.clone());
            }
        }
        Ok(BatchGetOnPremisesInstancesOutput {
            instance_infos: Some(infos),
        })
    }

    pub fn list_on_premises_instances(
        &self,
        now: Millis,
        _ar: &dyn Archive,
        input: ListOnPremisesInstancesInput,
    ) -> ApiResult<ListOnPremisesInstancesOutput> {
        if let Some(s) = input.registration_status.as_ref().filter(|s| !s.is_known()) {
            return err(
                Exception::InvalidRegistrationStatus,
                format!("'{s}' is not a registration status (Registered or Deregistered)."),
            );
        }
        let filters = input.tag_filters.unwrap_or_default();
        validate::tag_filters(&filters)
            .map_err(|e| crate::engine::ApiError::new(Exception::InvalidTagFilter, e.message))?;
        let filters = onprem_filters(&filters);
        // Deregistered instances are listed while their record is kept (24 hours).
        let names = self
            .instances
            .values()
            .filter(|i| kept(&i.info, now))
            .filter(|i| match &input.registration_status {
                Some(RegistrationStatus::Registered) => i.info.deregister_time.is_none(),
                Some(RegistrationStatus::Deregistered) => i.info.deregister_time.is_some(),
                _ => true,
            })
            .filter(|i| {
                filters.is_empty() || {
                    let tags = i
                        .info
                        .tags
                        .iter()
                        .flatten()
                        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
                        .collect();
                    any_matches(&tags, &filters)
                }
            })
            .filter_map(|i| i.info.instance_name.clone())
            .collect();
        let (page, next) = page_names(names, input.next_token.as_deref())?;
        Ok(ListOnPremisesInstancesOutput {
            instance_names: Some(page),
            next_token: next,
        })
    }

    /// Validates the tags and instance names of the two tagging calls.
    fn tagging_input(
        &self,
        tags: Option<&Vec<Tag>>,
        names: Option<&Vec<String>>,
    ) -> ApiResult<(Vec<Tag>, Vec<String>)> {
        let tags = tags.cloned().unwrap_or_default();
        if tags.is_empty() {
            return err(
                Exception::TagRequired,
                "At least one tag must be specified.",
            );
        }
        for t in &tags {
            if t.key.as_deref().is_none_or(str::is_empty) || t.value.is_none() {
                return err(
                    Exception::InvalidTag,
                    "Each tag needs both a Key and a Value.",
                );
            }
            if t.key.as_deref().is_some_and(|k| k.len() > 128)
                || t.value.as_deref().is_some_and(|v| v.len() > 256)
            {
                return err(
                    Exception::InvalidTag,
                    "Tag keys are at most 128 characters and values at most 256.",
                );
            }
            // codedeck's fault tags must name a fault the event can have.
            if let (Some(k), Some(v)) = (t.key.as_deref(), t.value.as_deref()) {
                if let Some(why) = crate::engine::host_behaviour::fault_tag_refusal(k, v) {
                    return err(Exception::InvalidTag, why);
                }
            }
        }
        if tags.len() > TAGS_PER_INSTANCE {
            return err(
                Exception::TagLimitExceeded,
                format!("An on-premises instance may have at most {TAGS_PER_INSTANCE} tags."),
            );
        }
        let names = names.cloned().unwrap_or_default();
        if names.is_empty() {
            return err(
                Exception::InstanceNameRequired,
                "At least one instance name must be specified.",
            );
        }
        if names.len() > INSTANCES_PER_CALL {
            return err(
                Exception::InstanceLimitExceeded,
                format!("At most {INSTANCES_PER_CALL} instances may be tagged in one call."),
            );
        }
        for name in &names {
            validate::instance_name(Some(name))?;
            self.registered(name)?;
        }
        Ok((tags, names))
    }

    pub fn add_tags_to_on_premises_instances(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: AddTagsToOnPremisesInstancesInput,
    ) -> ApiResult<()> {
        let (tags, names) =
            self.tagging_input(input.tags.as_ref(), input.instance_names.as_ref())?;
        for name in &names {
            let existing = self
                .instances
                .get(name)
                .and_then(|i| i.info.tags.clone())
                .unwrap_or_default();
            let mut merged = existing;
            for t in &tags {
                merged.retain(|e| e.key != t.key);
                merged.push(t.clone());
            }
            if merged.len() > TAGS_PER_INSTANCE {
                return err(
                    Exception::TagLimitExceeded,
                    format!(
                        "Instance {name} would have {} tags; the limit is {TAGS_PER_INSTANCE}.",
                        merged.len()
                    ),
                );
            }
        }
        for name in names {
            if let Some(rec) = self.instances.get_mut(&name) {
                let list = rec.info.tags.get_or_insert_with(Vec::new);
                for t in &tags {
                    list.retain(|e| e.key != t.key);
                    list.push(t.clone());
                }
                self.dirty.instances.insert(name);
            }
        }
        Ok(())
    }

    pub fn remove_tags_from_on_premises_instances(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: RemoveTagsFromOnPremisesInstancesInput,
    ) -> ApiResult<()> {
        let (tags, names) =
            self.tagging_input(input.tags.as_ref(), input.instance_names.as_ref())?;
        for name in names {
            if let Some(rec) = self.instances.get_mut(&name) {
                if let Some(list) = rec.info.tags.as_mut() {
                    list.retain(|e| !tags.iter().any(|t| t.key == e.key && t.value == e.value));
                }
                self.dirty.instances.insert(name);
            }
        }
        Ok(())
    }
}
