//! Resource tags, tag filters and tag sets.

use crate::model::*;
use crate::state::error::{err, ApiResult};

/// Resource tags: key 1-128, value at most 256, at most 50 tags.
pub fn tags_to_add(tags: &[Tag]) -> ApiResult<()> {
    if tags.len() > 50 {
        return err(
            Exception::InvalidTagsToAdd,
            format!(
                "{} tags were given; a resource may have at most 50.",
                tags.len()
            ),
        );
    }
    for t in tags {
        match t.key.as_deref() {
            None | Some("") => {
                return err(
                    Exception::InvalidTagsToAdd,
                    "Every tag needs a non-empty Key.",
                )
            }
            Some(k) if k.len() > 128 => {
                return err(
                    Exception::InvalidTagsToAdd,
                    format!("Tag key '{k}' is longer than 128 characters."),
                )
            }
            _ => {}
        }
        if t.value.as_deref().is_some_and(|v| v.len() > 256) {
            return err(
                Exception::InvalidTagsToAdd,
                "A tag value is longer than 256 characters.",
            );
        }
    }
    Ok(())
}

/// One tag filter, whatever its shape: (key, value, type).
fn filter(
    key: Option<&str>,
    value: Option<&str>,
    kind: Option<&str>,
    known: bool,
    bad: Exception,
) -> ApiResult<()> {
    let shown = format!(
        "{{Key={}, Value={}, Type={}}}",
        key.unwrap_or(""),
        value.unwrap_or(""),
        kind.unwrap_or("")
    );
    let need = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            err(bad, format!("Tag filter {shown}: {what}."))
        }
    };
    need(known, "Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE")?;
    let has_key = key.is_some_and(|k| !k.is_empty());
    let has_value = value.is_some_and(|v| !v.is_empty());
    match kind {
        Some("KEY_ONLY") => need(has_key, "KEY_ONLY needs a Key")?,
        Some("VALUE_ONLY") => need(has_value, "VALUE_ONLY needs a Value")?,
        Some("KEY_AND_VALUE") => need(
            has_key && has_value,
            "KEY_AND_VALUE needs a Key and a Value",
        )?,
        _ => need(has_key || has_value, "a Key or a Value is required")?,
    }
    need(
        key.is_none_or(|k| k.len() <= 128) && value.is_none_or(|v| v.len() <= 256),
        "keys are at most 128 characters and values at most 256",
    )
}

pub fn ec2_tag_filters(filters: &[EC2TagFilter]) -> ApiResult<()> {
    for f in filters {
        let kind = f.r#type.as_ref();
        filter(
            f.key.as_deref(),
            f.value.as_deref(),
            kind.map(|k| k.as_str()),
            kind.is_none_or(|k| k.is_known()),
            Exception::InvalidEC2Tag,
        )?;
    }
    Ok(())
}

pub fn tag_filters(filters: &[TagFilter]) -> ApiResult<()> {
    for f in filters {
        let kind = f.r#type.as_ref();
        filter(
            f.key.as_deref(),
            f.value.as_deref(),
            kind.map(|k| k.as_str()),
            kind.is_none_or(|k| k.is_known()),
            Exception::InvalidTag,
        )?;
    }
    Ok(())
}

pub(super) fn tag_set_size(n: usize) -> ApiResult<()> {
    if n > 3 {
        return err(
            Exception::TagSetListLimitExceeded,
            format!("A tag set holds at most 3 tag groups; {n} were given."),
        );
    }
    Ok(())
}

pub fn ec2_tag_set(set: &EC2TagSet) -> ApiResult<()> {
    let groups = set.ec2_tag_set_list.as_deref().unwrap_or_default();
    tag_set_size(groups.len())?;
    groups.iter().try_for_each(|g| ec2_tag_filters(g))
}

pub fn on_premises_tag_set(set: &OnPremisesTagSet) -> ApiResult<()> {
    let groups = set.on_premises_tag_set_list.as_deref().unwrap_or_default();
    tag_set_size(groups.len())?;
    groups.iter().try_for_each(|g| tag_filters(g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;
    use crate::engine::validate::{deployment_group_members, GroupMembers};

    #[test]
    fn tag_filters_and_sets() {
        let f = |k: Option<&str>, v: Option<&str>, t: &str| EC2TagFilter {
            key: k.map(Into::into),
            value: v.map(Into::into),
            r#type: Some(EC2TagFilterType::parse(t)),
        };
        assert!(ec2_tag_filters(&[f(Some("Name"), Some("web"), "KEY_AND_VALUE")]).is_ok());
        assert_eq!(
            exc(ec2_tag_filters(&[f(Some("Name"), None, "KEY_AND_VALUE")])),
            Exception::InvalidEC2Tag
        );
        assert_eq!(
            exc(ec2_tag_filters(&[f(Some("Name"), None, "BOGUS")])),
            Exception::InvalidEC2Tag
        );
        assert_eq!(
            exc(ec2_tag_filters(&[f(None, None, "VALUE_ONLY")])),
            Exception::InvalidEC2Tag
        );
        let set = EC2TagSet {
            ec2_tag_set_list: Some(vec![vec![f(Some("a"), None, "KEY_ONLY")]; 4]),
        };
        assert_eq!(exc(ec2_tag_set(&set)), Exception::TagSetListLimitExceeded);
        let both = CreateDeploymentGroupInput {
            ec2_tag_filters: Some(vec![f(Some("a"), None, "KEY_ONLY")]),
            ec2_tag_set: Some(EC2TagSet {
                ec2_tag_set_list: Some(vec![vec![f(Some("a"), None, "KEY_ONLY")]]),
            }),
            ..Default::default()
        };
        assert_eq!(
            exc(deployment_group_members(
                &GroupMembers::from(&both),
                &ComputePlatform::Server,
                false
            )),
            Exception::InvalidEC2TagCombination
        );
    }
}
