//! A local host's folders, laid out as the agent's root_dir
//! (`/opt/codedeploy-agent/deployment-root`, reference §13.3), under
//! `<host root>/deployment-root/`; installed files under `<host root>/fs/`.

use std::path::{Path, PathBuf};

/// The paths of one deployment on one host.
#[derive(Debug, Clone)]
pub struct Layout {
    host_root: PathBuf,
    group_id: String,
    deployment_id: String,
}

impl Layout {
    pub fn new(host_root: &Path, group_id: &str, deployment_id: &str) -> Layout {
        Layout {
            host_root: host_root.to_path_buf(),
            group_id: group_id.to_string(),
            deployment_id: deployment_id.to_string(),
        }
    }

    /// The agent's root_dir.
    pub fn agent_root(&self) -> PathBuf {
        self.host_root.join("deployment-root")
    }

    /// Where `files` go unless the host installs to the system.
    pub fn fs_root(&self) -> PathBuf {
        self.host_root.join("fs")
    }

    pub fn group_dir(&self) -> PathBuf {
        self.agent_root().join(&self.group_id)
    }

    pub fn deployment_dir(&self) -> PathBuf {
        self.group_dir().join(&self.deployment_id)
    }

    pub fn bundle_file(&self) -> PathBuf {
        self.deployment_dir().join("bundle.tar")
    }

    pub fn archive(&self) -> PathBuf {
        self.deployment_dir().join("deployment-archive")
    }

    pub fn scripts_log(&self) -> PathBuf {
        self.deployment_dir().join("logs").join("scripts.log")
    }

    pub fn deployments_log(&self) -> PathBuf {
        self.agent_root()
            .join("deployment-logs")
            .join("codedeploy-agent-deployments.log")
    }

    fn instructions(&self) -> PathBuf {
        self.agent_root().join("deployment-instructions")
    }

    pub fn cleanup_file(&self) -> PathBuf {
        self.instructions()
            .join(format!("{}-cleanup", self.group_id))
    }

    pub fn install_file(&self) -> PathBuf {
        self.instructions()
            .join(format!("{}-install.json", self.group_id))
    }

    pub fn last_successful_install(&self) -> PathBuf {
        self.instructions()
            .join(format!("{}_last_successful_install", self.group_id))
    }

    pub fn most_recent_install(&self) -> PathBuf {
        self.instructions()
            .join(format!("{}_most_recent_install", self.group_id))
    }

    pub fn deployment_id(&self) -> &str {
        &self.deployment_id
    }

    /// The deployment folder the last successful Install was in, if any.
    pub fn last_install_dir(&self) -> Option<PathBuf> {
        let text = std::fs::read_to_string(self.last_successful_install()).ok()?;
        Some(PathBuf::from(text.trim()))
    }

    /// Keeps the newest `keep - 1` older revisions of the group (and always
    /// the last successful install), so that with this one `keep` remain.
    pub fn prune(&self, keep: usize) {
        let last = self.last_install_dir();
        let mine = self.deployment_dir();
        let Ok(read) = std::fs::read_dir(self.group_dir()) else {
            return;
        };
        let mut old: Vec<(std::time::SystemTime, PathBuf)> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && *p != mine && Some(p) != last.as_ref())
            .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
            .collect();
        old.sort();
        let kept_last = usize::from(last.as_ref().is_some_and(|l| l.exists()));
        let room = keep.saturating_sub(1 + kept_last);
        let extra = old.len().saturating_sub(room);
        for (_, p) in old.into_iter().take(extra) {
            if let Err(e) = std::fs::remove_dir_all(&p) {
                tracing::warn!("cannot prune old revision {}: {e}", p.display());
            }
        }
    }
}

/// The agent's restart-tracking file of a deployment on a host (§13.2).
pub fn ongoing_marker(host_root: &Path, deployment_id: &str) -> PathBuf {
    host_root
        .join("deployment-root")
        .join("ongoing-deployment")
        .join(deployment_id)
}
