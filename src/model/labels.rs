//! Resources in the short forms people read and type: a revision as
//! `bucket/key` or `owner/repo@commit`, the sides of a traffic shift.

use super::*;

/// The short form of a revision: `bucket/key`, `repo@commit` or `inline`.
pub fn revision_label(rev: Option<&RevisionLocation>) -> String {
    let Some(rev) = rev else {
        return "-".into();
    };
    if let Some(s3) = &rev.s3_location {
        let key = s3.key.as_deref().unwrap_or("?");
        return match &s3.bucket {
            Some(b) => format!("{b}/{key}"),
            None => key.to_string(),
        };
    }
    if let Some(gh) = &rev.git_hub_location {
        let commit = gh.commit_id.as_deref().unwrap_or("?");
        let short = commit.get(..7).unwrap_or(commit);
        return format!("{}@{short}", gh.repository.as_deref().unwrap_or("?"));
    }
    "inline appspec".into()
}

/// Parses what a person types as a revision: `s3://bucket/key`, `bucket/key`,
/// `owner/repo@commit`.
pub fn parse_revision(text: &str) -> Option<RevisionLocation> {
    let text = text.trim();
    if let Some((repo, commit)) = text.split_once('@') {
        return (!repo.is_empty() && !commit.is_empty()).then(|| RevisionLocation {
            revision_type: Some(RevisionLocationType::GitHub),
            git_hub_location: Some(GitHubLocation {
                repository: Some(repo.into()),
                commit_id: Some(commit.into()),
            }),
            ..Default::default()
        });
    }
    let path = text.strip_prefix("s3://").unwrap_or(text);
    let (bucket, key) = path.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let bundle = match key.rsplit('.').next() {
        Some("tar") => BundleType::Tar,
        Some("tgz") | Some("gz") => BundleType::Tgz,
        Some("yaml") | Some("yml") => BundleType::Yaml,
        Some("json") => BundleType::Json,
        _ => BundleType::Zip,
    };
    Some(RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some(bucket.into()),
            key: Some(key.into()),
            bundle_type: Some(bundle),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// A Lambda or ECS deployment's two sides ("version 1", "task set Blue") and
/// the percent of traffic on the replacement, from its target.
pub fn traffic_sides(t: &DeploymentTarget) -> Option<(String, String, f64)> {
    if let Some(info) = t
        .lambda_target
        .as_ref()
        .and_then(|l| l.lambda_function_info.as_ref())
    {
        return Some((
            format!("version {}", info.current_version.as_deref().unwrap_or("?")),
            format!("version {}", info.target_version.as_deref().unwrap_or("?")),
            info.target_version_weight.unwrap_or(0.0),
        ));
    }
    let sets = t.ecs_target.as_ref()?.task_sets_info.as_ref()?;
    let green = sets
        .iter()
        .find(|s| s.task_set_label == Some(TargetLabel::Green));
    Some((
        "task set Blue".into(),
        "task set Green".into(),
        green.and_then(|s| s.traffic_weight).unwrap_or(0.0),
    ))
}

/// The Lambda function and alias a Lambda deployment's target shifts traffic
/// on (what the dashboard's "repair alias" names).
pub fn lambda_alias(t: &DeploymentTarget) -> Option<(String, String)> {
    let info = t.lambda_target.as_ref()?.lambda_function_info.as_ref()?;
    Some((info.function_name.clone()?, info.function_alias.clone()?))
}

/// The glyph of a status word (deployment, target or lifecycle event): what
/// the dashboard draws and the CI reports print, so they read alike.
pub fn glyph(word: &str) -> &'static str {
    match word {
        "Succeeded" => "✔",
        "Failed" => "✖",
        "InProgress" | "Baking" => "◌",
        "Ready" => "⏸",
        "Stopped" => "■",
        "Skipped" => "–",
        "Unknown" => "?",
        _ => "◷",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_round_trip_through_labels() {
        let r = parse_revision("s3://my-artifacts/app-v2.zip").expect("s3");
        assert_eq!(revision_label(Some(&r)), "my-artifacts/app-v2.zip");
        let g = parse_revision("acme/shop@0123456789abcdef").expect("github");
        assert_eq!(revision_label(Some(&g)), "acme/shop@0123456");
        assert!(parse_revision("nothing").is_none());
        assert!(parse_revision("/key").is_none());
    }
}
