//! `codedeck local`: AWS's `codedeploy-local` (reference §13.5) on the same
//! agent module as local hosts. No state file, no engine: one deployment of
//! a bundle on this machine, a line per lifecycle event, and the agent's
//! success or failure lines at the end.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;

use crate::agent::{self, Bundle, BundleKind, EventJob, EventResult, Limits, Roots};
use crate::model::lifecycle_event::{LifecycleEventName, SERVER_IN_PLACE_LB};
use crate::model::{FileExistsBehavior, RevisionLocation, RevisionLocationType, S3Location};

/// codedeploy-local's default order: an in-place deployment's events
/// behind a load balancer, less those the service runs (BlockTraffic,
/// AllowTraffic).
fn agent_events() -> Vec<LifecycleEventName> {
    SERVER_IN_PLACE_LB
        .into_iter()
        .filter(|e| e.agent_runs())
        .collect()
}

/// The same, as the names `--events` takes.
fn default_events() -> Vec<String> {
    agent_events().iter().map(|e| e.to_string()).collect()
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// The bundle: a directory or archive here, s3://bucket/key[?versionId=V&etag=E]
    /// (under --s3-root), or https://github.com/OWNER/REPO (under --github-root).
    #[arg(short = 'l', long, value_name = "LOCATION")]
    pub bundle_location: Option<String>,
    /// tgz, tar, zip or directory.
    #[arg(
        short = 't',
        long = "type",
        value_name = "TYPE",
        default_value = "directory"
    )]
    pub bundle_type: String,
    /// DISALLOW, OVERWRITE or RETAIN (the appspec's setting wins).
    #[arg(short = 'b', long, value_name = "BEHAVIOR", default_value = "DISALLOW")]
    pub file_exists_behavior: String,
    /// The deployment group ID: the folder under the root.
    #[arg(short = 'g', long, default_value = "default-local-deployment-group")]
    pub deployment_group: String,
    /// DEPLOYMENT_GROUP_NAME for the scripts.
    #[arg(short = 'd', long, default_value = "LocalFleet")]
    pub deployment_group_name: String,
    /// APPLICATION_NAME for the scripts (default: the bundle location).
    #[arg(short = 'a', long)]
    pub application_name: Option<String>,
    /// Events to run, in order, comma-separated (DownloadBundle and Install are added when missing).
    #[arg(short = 'e', long, value_delimiter = ',')]
    pub events: Vec<String>,
    /// The appspec's file name (default appspec.yml, then appspec.yaml).
    #[arg(short = 'A', long)]
    pub appspec_filename: Option<String>,
    /// The host root: deployment-root/ and fs/ (where `files` go) live under it.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Where s3:// locations are found: DIR/<bucket>/<key>.
    #[arg(long, value_name = "DIR")]
    pub s3_root: Option<PathBuf>,
    /// Where GitHub locations are found: DIR/<owner>/<repo>@<commit>.
    #[arg(long, value_name = "DIR")]
    pub github_root: Option<PathBuf>,
    /// Copy `files` where the appspec says, as the real agent does, instead of under the root's fs/.
    #[arg(long)]
    pub install_to_system: bool,
}

pub fn run(args: LocalArgs) -> anyhow::Result<()> {
    let kind = BundleKind::parse(&args.bundle_type).with_context(|| {
        format!(
            "--type {} is not one of tgz, tar, zip, directory",
            args.bundle_type
        )
    })?;
    let behaviour = match args.file_exists_behavior.to_ascii_uppercase().as_str() {
        "DISALLOW" => FileExistsBehavior::Disallow,
        "OVERWRITE" => FileExistsBehavior::Overwrite,
        "RETAIN" => FileExistsBehavior::Retain,
        other => bail!("--file-exists-behavior {other} is not one of DISALLOW, OVERWRITE, RETAIN"),
    };
    let location = match &args.bundle_location {
        Some(l) => l.clone(),
        None => std::env::current_dir()
            .context("no current directory")?
            .display()
            .to_string(),
    };
    let bundle = bundle(&location, kind, &args)?;
    let events = events(&args.events, &bundle, args.appspec_filename.as_deref())?;
    let root = match &args.root {
        Some(r) => r.clone(),
        None => default_root()?,
    };
    let deployment_id = format!(
        "d-{}-local",
        &uuid::Uuid::new_v4().simple().to_string()[..9].to_uppercase()
    );
    let job = EventJob {
        root: root.clone(),
        deployment_id: deployment_id.clone(),
        application_name: args
            .application_name
            .clone()
            .unwrap_or_else(|| location.clone()),
        deployment_group_name: args.deployment_group_name.clone(),
        deployment_group_id: args.deployment_group.clone(),
        event: String::new(),
        bundle: Ok(bundle),
        appspec_filename: args.appspec_filename.clone(),
        file_exists_behavior: Some(behaviour),
        install_to_system: args.install_to_system,
        limits: Limits::default(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!(
        "Starting local deployment {deployment_id} of {location} in {}",
        root.display()
    );
    let failure = rt.block_on(deploy(job, &events));
    match failure {
        None => {
            println!("AppSpec file valid. Local deployment successful");
            Ok(())
        }
        Some((event, result)) => {
            report_failure(
                &root,
                &args.deployment_group,
                &deployment_id,
                &event,
                &result,
            );
            std::process::exit(1)
        }
    }
}

/// Runs the events in order, printing a line as each ends; the first failure.
async fn deploy(job: EventJob, events: &[String]) -> Option<(String, EventResult)> {
    for event in events {
        let started = Instant::now();
        let result = agent::run_event(EventJob {
            event: event.clone(),
            ..job.clone()
        })
        .await;
        let took = started.elapsed().as_secs_f64();
        let word = if result.succeeded {
            "Succeeded"
        } else {
            "Failed"
        };
        println!("  {event:<20} {word:<10} {took:>6.2} s");
        let _ = std::io::stdout().flush();
        if !result.succeeded {
            return Some((event.clone(), result));
        }
    }
    None
}

fn report_failure(root: &Path, group: &str, id: &str, event: &str, r: &EventResult) {
    let code = r.error_code.as_ref().map_or("UnknownError", |c| c.as_str());
    let log = r
        .scripts_log
        .clone()
        .unwrap_or_else(|| agent::Layout::new(root, group, id).scripts_log());
    match r.script_name.as_deref().filter(|s| !s.is_empty()) {
        Some(script) => {
            let archive = agent::Layout::new(root, group, id).archive();
            eprintln!(
                "Your local deployment failed while trying to execute your script at {}",
                archive.join(script).display()
            );
        }
        None => eprintln!("Your local deployment failed at {event}."),
    }
    eprintln!("{code}: {}", r.message);
    if !r.log_tail.is_empty() {
        eprintln!("The script's newest output:\n{}", r.log_tail.trim_end());
    }
    eprintln!(
        "See the deployment log at {} for more details",
        log.display()
    );
}

/// Where `codedeck local` keeps its host root unless told: the data directory.
fn default_root() -> anyhow::Result<PathBuf> {
    let base = dirs::data_local_dir().context("no data directory: pass --root DIR")?;
    Ok(base.join("codedeck").join("local-host"))
}

/// The bundle at `location`, checked against `--type` as codedeploy-local does.
fn bundle(location: &str, kind: BundleKind, args: &LocalArgs) -> anyhow::Result<Bundle> {
    let roots = Roots {
        s3: args.s3_root.clone(),
        github: args.github_root.clone(),
    };
    if let Some(rest) = location.strip_prefix("s3://") {
        if kind == BundleKind::Directory {
            bail!("an s3:// bundle is an archive: give --type tgz, tar or zip");
        }
        return agent::resolve(&s3_revision(rest, kind)?, &roots).map_err(anyhow::Error::msg);
    }
    if let Some(repo) = github_repo(location) {
        return agent::resolve(&repo, &roots).map_err(anyhow::Error::msg);
    }
    if location.starts_with("http://") {
        bail!("http:// bundle locations are refused (as codedeploy-local refuses them): use a local path, s3:// or https://github.com/");
    }
    let path = PathBuf::from(location);
    match (path.is_dir(), path.is_file(), kind) {
        (false, false, _) => bail!("the bundle {location} does not exist"),
        (true, _, BundleKind::Directory)
        | (_, true, BundleKind::Tar | BundleKind::Tgz | BundleKind::Zip) => {}
        (true, _, _) => bail!("{location} is a directory: give --type directory"),
        (_, true, _) => bail!("{location} is a file: give --type tgz, tar or zip"),
    }
    Ok(Bundle {
        path,
        kind,
        expected_etag: None,
        env: Vec::new(),
    })
}

fn s3_revision(rest: &str, kind: BundleKind) -> anyhow::Result<RevisionLocation> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let Some((bucket, key)) = path
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        bail!("s3://{rest} names no bucket and key: write s3://BUCKET/KEY");
    };
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name).map(String::from))
    };
    let bundle_type = match kind {
        BundleKind::Tgz => crate::model::BundleType::Tgz,
        BundleKind::Zip => crate::model::BundleType::Zip,
        _ => crate::model::BundleType::Tar,
    };
    Ok(RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some(bucket.into()),
            key: Some(key.into()),
            bundle_type: Some(bundle_type),
            version: param("versionId="),
            e_tag: param("etag="),
        }),
        ..Default::default()
    })
}

/// `https://github.com/<o>/<r>` (HEAD) or the API's tarball/zipball URL.
fn github_repo(location: &str) -> Option<RevisionLocation> {
    let (repo, commit) = if let Some(rest) = location.strip_prefix("https://github.com/") {
        (
            rest.trim_end_matches('/')
                .trim_end_matches(".git")
                .to_string(),
            "HEAD".to_string(),
        )
    } else {
        let rest = location.strip_prefix("https://api.github.com/repos/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [o, r, "tarball" | "zipball", c] => (format!("{o}/{r}"), c.to_string()),
            _ => return None,
        }
    };
    Some(RevisionLocation {
        revision_type: Some(RevisionLocationType::GitHub),
        git_hub_location: Some(crate::model::GitHubLocation {
            repository: Some(repo),
            commit_id: Some(commit),
        }),
        ..Default::default()
    })
}

/// The events to run: the default order, or `--events` with DownloadBundle
/// and Install added when missing, checked before anything runs by the
/// agent's rules (`agent::order`): known events, or the appspec's own hooks
/// (read from `bundle` only when a name is not a known event).
fn events(given: &[String], bundle: &Bundle, appspec: Option<&str>) -> anyhow::Result<Vec<String>> {
    if given.is_empty() {
        return Ok(default_events());
    }
    // DECISION: DownloadBundle goes first when missing and Install right
    // after it, so `-e DownloadBundle` alone is valid.
    let mut out: Vec<String> = given.to_vec();
    let (download, install) = (
        LifecycleEventName::DownloadBundle.as_str(),
        LifecycleEventName::Install.as_str(),
    );
    if !out.iter().any(|e| e == download) {
        out.insert(0, download.to_string());
    }
    if !out.iter().any(|e| e == install) {
        let at = out.iter().position(|e| e == download).map_or(0, |i| i + 1);
        out.insert(at, install.to_string());
    }
    let known = agent_events();
    let is_known = |e: &str| LifecycleEventName::parse_among(e, &known).is_ok();
    let custom = if out.iter().all(|e| is_known(e)) {
        Vec::new()
    } else {
        agent::order::appspec_hooks(bundle, appspec)
            .map_err(|e| anyhow::anyhow!("--events: cannot read the appspec's hooks: {e}"))?
            .into_iter()
            .filter(|h| !is_known(h))
            .collect()
    };
    agent::order::check_order(&out, &known, &custom)
        .map_err(|e| anyhow::anyhow!("--events: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_follow_codedeploy_local() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("appspec.yml"),
            "version: 0.0\nos: linux\nhooks:\n  Warm:\n    - location: warm.sh\n",
        )
        .expect("appspec");
        let bundle = Bundle {
            path: dir.path().to_path_buf(),
            kind: BundleKind::Directory,
            expected_etag: None,
            env: Vec::new(),
        };
        let e = |s: &[&str]| {
            let given: Vec<String> = s.iter().map(|x| x.to_string()).collect();
            events(&given, &bundle, None)
        };
        assert_eq!(
            e(&["ApplicationStart"]).expect("ok"),
            ["DownloadBundle", "Install", "ApplicationStart"]
        );
        assert!(e(&["ApplicationStart", "DownloadBundle"])
            .unwrap_err()
            .to_string()
            .contains("ApplicationStart cannot run before DownloadBundle"));
        assert!(e(&["BeforeInstall", "DownloadBundle"])
            .unwrap_err()
            .to_string()
            .contains("BeforeInstall cannot run before DownloadBundle"));
        assert!(e(&["Foo"])
            .unwrap_err()
            .to_string()
            .contains("Foo is not a lifecycle event"));
        assert_eq!(e(&["Warm"]).expect("a hook of the appspec").len(), 3);
        let all = e(&[]).expect("ok");
        assert_eq!(all.len(), 11);
        assert_eq!(
            (all[0].as_str(), all[10].as_str()),
            ("BeforeBlockTraffic", "AfterAllowTraffic")
        );
    }
}
