//! Revision locations (S3, GitHub, String, AppSpecContent), per compute
//! platform.

use crate::model::*;
use crate::state::error::{err, ApiResult};

/// A revision location, for the application's platform.
pub fn revision(rev: &RevisionLocation, platform: &ComputePlatform) -> ApiResult<()> {
    let server = *platform == ComputePlatform::Server;
    match &rev.revision_type {
        None => err(
            Exception::RevisionRequired,
            "revision.revisionType is required.",
        ),
        Some(RevisionLocationType::S3) => s3_revision(rev, platform),
        Some(RevisionLocationType::GitHub) => {
            if !server {
                return bad_revision(format!(
                    "GitHub revisions are for Server applications, not {platform}."
                ));
            }
            github_revision(rev)
        }
        Some(RevisionLocationType::String) => {
            if *platform != ComputePlatform::Lambda {
                return bad_revision(format!(
                    "String revisions are for Lambda applications, not {platform}."
                ));
            }
            if rev
                .string
                .as_ref()
                .and_then(|s| s.content.as_deref())
                .is_none_or(str::is_empty)
            {
                return bad_revision("A String revision needs string.content.".into());
            }
            Ok(())
        }
        Some(RevisionLocationType::AppSpecContent) => {
            if server {
                return bad_revision(
                    "AppSpecContent revisions are for Lambda and ECS applications.".into(),
                );
            }
            if rev
                .app_spec_content
                .as_ref()
                .and_then(|s| s.content.as_deref())
                .is_none_or(str::is_empty)
            {
                return bad_revision(
                    "An AppSpecContent revision needs appSpecContent.content.".into(),
                );
            }
            Ok(())
        }
        Some(other) => bad_revision(format!(
            "'{other}' is not a revision type (S3, GitHub, String, AppSpecContent)."
        )),
    }
}

fn bad_revision(why: String) -> ApiResult<()> {
    err(Exception::InvalidRevision, why)
}

/// An S3 revision: bucket, key, and a bundle type the platform reads.
fn s3_revision(rev: &RevisionLocation, platform: &ComputePlatform) -> ApiResult<()> {
    let server = *platform == ComputePlatform::Server;
    let Some(s3) = &rev.s3_location else {
        return bad_revision("An S3 revision needs s3Location.".into());
    };
    if s3.bucket.as_deref().is_none_or(str::is_empty) || s3.key.as_deref().is_none_or(str::is_empty)
    {
        return bad_revision("s3Location needs a bucket and a key.".into());
    }
    match (&s3.bundle_type, server) {
        (None, true) => Ok(()),
        (Some(BundleType::Tar | BundleType::Tgz | BundleType::Zip), true) => Ok(()),
        (Some(BundleType::Yaml | BundleType::Json), false) => Ok(()),
        (b, _) => bad_revision(format!(
            "bundleType {} is not valid for {platform}: use {}.",
            b.as_ref()
                .map(|b| b.to_string())
                .unwrap_or_else(|| "(none)".into()),
            if server {
                "tar, tgz or zip"
            } else {
                "YAML or JSON"
            }
        )),
    }
}

/// A GitHub revision: repository "account/repo" and a commit.
fn github_revision(rev: &RevisionLocation) -> ApiResult<()> {
    let gh = rev.git_hub_location.as_ref();
    let repo_ok = gh
        .and_then(|g| g.repository.as_deref())
        .is_some_and(|r| r.split('/').filter(|p| !p.is_empty()).count() == 2);
    if !repo_ok
        || gh
            .and_then(|g| g.commit_id.as_deref())
            .is_none_or(str::is_empty)
    {
        return bad_revision(
            "gitHubLocation needs repository \"account/repo\" and commitId.".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

    #[test]
    fn revisions_per_platform() {
        let s3 = |b: Option<BundleType>| RevisionLocation {
            revision_type: Some(RevisionLocationType::S3),
            s3_location: Some(S3Location {
                bucket: Some("b".into()),
                key: Some("k".into()),
                bundle_type: b,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(revision(&s3(Some(BundleType::Zip)), &ComputePlatform::Server).is_ok());
        assert_eq!(
            exc(revision(
                &s3(Some(BundleType::Yaml)),
                &ComputePlatform::Server
            )),
            Exception::InvalidRevision
        );
        assert!(revision(&s3(Some(BundleType::Yaml)), &ComputePlatform::Lambda).is_ok());
        let content = RevisionLocation {
            revision_type: Some(RevisionLocationType::AppSpecContent),
            app_spec_content: Some(AppSpecContent {
                content: Some("x".into()),
                sha256: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            exc(revision(&content, &ComputePlatform::Server)),
            Exception::InvalidRevision
        );
        assert_eq!(
            exc(revision(
                &RevisionLocation::default(),
                &ComputePlatform::Server
            )),
            Exception::RevisionRequired
        );
    }
}
