//! Where a revision's bundle is on this machine. codedeck has no S3 or
//! GitHub: an S3 revision is the file `<s3 root>/<bucket>/<key>`, a GitHub
//! revision `<github root>/<owner>/<repo>@<commit>` (a checkout directory or
//! an archive beside it). The environment the agent gives scripts about
//! their bundle (`BUNDLE_*`) is decided here too.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::model::{BundleType, RevisionLocation, RevisionLocationType};

/// The directories that stand in for S3 and GitHub.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    pub s3: Option<PathBuf>,
    pub github: Option<PathBuf>,
}

/// How a bundle is unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    Tar,
    Tgz,
    Zip,
    Directory,
}

impl BundleKind {
    /// `codedeploy-local --type`'s values.
    pub fn parse(text: &str) -> Option<BundleKind> {
        Some(match text {
            "tar" => BundleKind::Tar,
            "tgz" => BundleKind::Tgz,
            "zip" => BundleKind::Zip,
            "directory" => BundleKind::Directory,
            _ => return None,
        })
    }
}

/// A bundle found on this machine.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub path: PathBuf,
    pub kind: BundleKind,
    /// The revision's `eTag`, checked against the file's MD5 when downloaded.
    pub expected_etag: Option<String>,
    /// `BUNDLE_BUCKET`, `BUNDLE_KEY`, ... for the scripts.
    pub env: Vec<(String, String)>,
}

/// Finds the bundle of `revision` under `roots`, or says why it cannot.
pub fn resolve(revision: &RevisionLocation, roots: &Roots) -> Result<Bundle, String> {
    match revision.revision_type {
        Some(RevisionLocationType::S3) => s3(revision, roots),
        Some(RevisionLocationType::GitHub) => github(revision, roots),
        _ => Err("A Server deployment's revision must be in S3 or GitHub; codedeck's local hosts cannot run an inline appspec.".into()),
    }
}

fn s3(revision: &RevisionLocation, roots: &Roots) -> Result<Bundle, String> {
    let loc = revision.s3_location.clone().unwrap_or_default();
    let (Some(bucket), Some(key)) = (loc.bucket, loc.key) else {
        return Err("The S3 revision names no bucket or key.".into());
    };
    let url = format!("s3://{bucket}/{key}");
    let Some(root) = &roots.s3 else {
        return Err(format!("codedeck has no S3: start it with --s3-root DIR (or s3_root in the fleet file) so that {url} is the file DIR/{bucket}/{key}."));
    };
    let base = root
        .join(inside(&bucket, "bucket")?)
        .join(inside(&key, "key")?);
    // DECISION: a version is the sibling file `<key>?versionId=<v>` when it
    // exists; a root that keeps one copy per key serves it for any version.
    let versioned = loc
        .version
        .as_ref()
        .map(|v| PathBuf::from(format!("{}?versionId={v}", base.display())));
    let path = versioned.filter(|p| p.exists()).unwrap_or(base);
    if !path.exists() {
        return Err(format!(
            "The specified key does not exist: {url} (codedeck looked for {}).",
            path.display()
        ));
    }
    let kind = match loc.bundle_type {
        Some(BundleType::Tar) => BundleKind::Tar,
        Some(BundleType::Tgz) => BundleKind::Tgz,
        Some(BundleType::Zip) => BundleKind::Zip,
        // The agent treats any other type as tar.
        _ if path.is_dir() => BundleKind::Directory,
        _ => BundleKind::Tar,
    };
    let mut env = vec![
        ("BUNDLE_BUCKET".to_string(), bucket),
        ("BUNDLE_KEY".to_string(), key),
    ];
    env.extend(loc.version.map(|v| ("BUNDLE_VERSION".to_string(), v)));
    env.extend(loc.e_tag.clone().map(|e| ("BUNDLE_ETAG".to_string(), e)));
    Ok(Bundle {
        path,
        kind,
        expected_etag: loc.e_tag,
        env,
    })
}

fn github(revision: &RevisionLocation, roots: &Roots) -> Result<Bundle, String> {
    let loc = revision.git_hub_location.clone().unwrap_or_default();
    let (Some(repo), Some(commit)) = (loc.repository, loc.commit_id) else {
        return Err("The GitHub revision names no repository or commit.".into());
    };
    let Some(root) = &roots.github else {
        return Err(format!("codedeck has no network access to GitHub: start it with --github-root DIR (or github_root in the fleet file) holding {repo}@{commit} as a checkout directory or a .tar, .tar.gz or .zip archive."));
    };
    let base = root.join(inside(&format!("{repo}@{commit}"), "repository")?);
    let candidates = [
        (base.clone(), None),
        (
            PathBuf::from(format!("{}.tar.gz", base.display())),
            Some(BundleKind::Tgz),
        ),
        (
            PathBuf::from(format!("{}.tgz", base.display())),
            Some(BundleKind::Tgz),
        ),
        (
            PathBuf::from(format!("{}.tar", base.display())),
            Some(BundleKind::Tar),
        ),
        (
            PathBuf::from(format!("{}.zip", base.display())),
            Some(BundleKind::Zip),
        ),
    ];
    let found = candidates.into_iter().find(|(p, _)| p.exists());
    let Some((path, kind)) = found else {
        return Err(format!("The GitHub revision {repo}@{commit} is not under the GitHub root: codedeck looked for {} (a directory) and the same name with .tar.gz, .tgz, .tar or .zip.", base.display()));
    };
    let kind = kind.unwrap_or(if path.is_dir() {
        BundleKind::Directory
    } else {
        BundleKind::Tar
    });
    Ok(Bundle {
        path,
        kind,
        expected_etag: None,
        env: vec![("BUNDLE_COMMIT".to_string(), commit)],
    })
}

/// A bucket, key or repository as a path that stays under its root.
fn inside(name: &str, what: &str) -> Result<PathBuf, String> {
    let path = Path::new(name);
    let ok = path.components().all(|c| matches!(c, Component::Normal(_)));
    if ok && !name.is_empty() {
        Ok(path.to_path_buf())
    } else {
        Err(format!("The revision's {what} {name:?} is not a plain relative name; codedeck will not look outside its root for it."))
    }
}

/// Checks a downloaded bundle against the revision's eTag as S3 computes it
/// for single-part uploads (the MD5 of the object). Multipart eTags (with a
/// `-`) are not an MD5 and are not checked.
pub(super) fn check_etag(path: &Path, expected: &str) -> Result<(), String> {
    use md5::Digest;
    let expected = expected.trim_matches('"');
    if expected.contains('-') {
        return Ok(());
    }
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
    let mut hasher = md5::Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(format!(
            "Expected deployment artifact bundle etag {expected} but was actually {actual}"
        ))
    }
}
