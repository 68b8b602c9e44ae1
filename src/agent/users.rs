//! Who codedeck runs as, and the owner changes only root may make. The
//! agent runs as root; codedeck runs with the user's rights, so `runas`,
//! `sudo` and `owner`/`group` need a clear error when it is not root.

use std::path::Path;

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The user codedeck runs as, for messages.
pub fn me() -> String {
    std::env::var("USER").unwrap_or_else(|_| {
        // SAFETY: geteuid has no preconditions and cannot fail.
        format!("uid {}", unsafe { libc::geteuid() })
    })
}

/// The user's ID. Hooks run on parallel blocking threads, so the lookup is
/// `getpwnam_r` (nix), never `getpwnam` and its shared static buffer.
fn uid_of(name: &str) -> Option<u32> {
    nix::unistd::User::from_name(name)
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw())
}

/// The group's ID, by `getgrnam_r` for the same reason.
fn gid_of(name: &str) -> Option<u32> {
    nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw())
}

/// Gives `path` an owner and group, as the agent's permissions do.
pub fn chown(path: &Path, owner: Option<&str>, group: Option<&str>) -> Result<(), String> {
    if !is_root() {
        return Err(format!(
            "The permissions section gives {} an owner or group, which needs root; codedeck runs as {} (the CodeDeploy agent runs as root). Run codedeck as root, or remove owner and group from the appspec's permissions.",
            path.display(),
            me()
        ));
    }
    let uid = match owner {
        Some(o) => Some(uid_of(o).ok_or_else(|| {
            format!("The permissions section names owner {o}, a user this host does not have.")
        })?),
        None => None,
    };
    let gid = match group {
        Some(g) => Some(gid_of(g).ok_or_else(|| {
            format!("The permissions section names group {g}, a group this host does not have.")
        })?),
        None => None,
    };
    std::os::unix::fs::chown(path, uid, gid)
        .map_err(|e| format!("Cannot change the owner of {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_by_the_reentrant_lookups() {
        assert_eq!(uid_of("root"), Some(0));
        assert_eq!(gid_of("root"), Some(0));
        assert_eq!(uid_of("no-such-user-codedeck"), None);
        assert_eq!(gid_of("no-such-group-codedeck"), None);
        // From many threads at once, as parallel hooks do.
        let all: Vec<Option<u32>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| uid_of("root"))).collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        assert!(all.iter().all(|u| *u == Some(0)));
    }
}
