//! TagResource, UntagResource, ListTagsForResource: applications and deployment
//! groups are taggable; other CodeDeploy ARNs are not.

use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};

/// What a resource ARN names.
enum Taggable {
    Application(String),
    Group(String),
}

impl Engine {
    fn resolve_arn(&self, arn: Option<&str>) -> ApiResult<Taggable> {
        let Some(arn) = arn.filter(|a| !a.is_empty()) else {
            return err(Exception::ResourceArnRequired, "ResourceArn is required.");
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6
            || parts[0] != "arn"
            || !parts[1].starts_with("aws")
            || parts[5].is_empty()
        {
            return err(Exception::InvalidArn, format!("{arn} is not a valid ARN."));
        }
        if parts[2] != "codedeploy" {
            return err(
                Exception::ArnNotSupported,
                format!("{arn} is not a CodeDeploy resource."),
            );
        }
        let resource = parts[5];
        if let Some(name) = resource.strip_prefix("application:") {
            let app = self.app(name)?;
            return Ok(Taggable::Application(app.name().to_string()));
        }
        if let Some(rest) = resource.strip_prefix("deploymentgroup:") {
            let Some((app, group)) = rest.split_once('/') else {
                return err(
                    Exception::InvalidArn,
                    format!("{arn} does not name application/group."),
                );
            };
            let g = self.group_named(Some(app), Some(group))?;
            return Ok(Taggable::Group(g.id().to_string()));
        }
        if let Some(name) = resource.strip_prefix("deploymentconfig:") {
            self.config_named(name)?;
        }
        err(
            Exception::ArnNotSupported,
            format!("Tags are supported on applications and deployment groups, not {arn}."),
        )
    }

    fn tags_mut(&mut self, target: &Taggable) -> Option<&mut Vec<Tag>> {
        match target {
            Taggable::Application(name) => {
                self.dirty.apps.insert(name.clone());
                self.apps.get_mut(name).map(|a| &mut a.tags)
            }
            Taggable::Group(id) => {
                self.dirty.groups.insert(id.clone());
                self.groups.get_mut(id).map(|g| &mut g.tags)
            }
        }
    }

    pub fn tag_resource(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: TagResourceInput,
    ) -> ApiResult<TagResourceOutput> {
        let target = self.resolve_arn(input.resource_arn.as_deref())?;
        let tags = input.tags.unwrap_or_default();
        if tags.is_empty() {
            return err(
                Exception::TagRequired,
                "At least one tag must be specified.",
            );
        }
        validate::tags_to_add(&tags)?;
        if let Some(list) = self.tags_mut(&target) {
            for t in tags {
                list.retain(|e| e.key != t.key);
                list.push(t);
            }
        }
        Ok(TagResourceOutput {})
    }

    pub fn untag_resource(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: UntagResourceInput,
    ) -> ApiResult<UntagResourceOutput> {
        let target = self.resolve_arn(input.resource_arn.as_deref())?;
        let keys = input.tag_keys.unwrap_or_default();
        if keys.is_empty() {
            return err(
                Exception::TagRequired,
                "At least one tag key must be specified.",
            );
        }
        if let Some(list) = self.tags_mut(&target) {
            list.retain(|t| !t.key.as_ref().is_some_and(|k| keys.contains(k)));
        }
        Ok(UntagResourceOutput {})
    }

    pub fn list_tags_for_resource(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: ListTagsForResourceInput,
    ) -> ApiResult<ListTagsForResourceOutput> {
        let tags = match self.resolve_arn(input.resource_arn.as_deref())? {
            Taggable::Application(name) => self.apps.get(&name).map(|a| a.tags.clone()),
            Taggable::Group(id) => self.groups.get(&id).map(|g| g.tags.clone()),
        };
        Ok(ListTagsForResourceOutput {
            tags: Some(tags.unwrap_or_default()),
            next_token: None,
        })
    }
}
