//! Who codedeck runs as, and the owner changes only root may make. The
//! agent runs as root; codedeck runs with the user's rights, so `runas`,
//! `sudo` and `owner`/`group` need a clear error when it is not root.

use std::ffi::CString;
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

fn uid_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: getpwnam reads a NUL-terminated name; the record it returns is
    // read at once, before another call could reuse its buffer.
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    // SAFETY: a non-null result points at a valid passwd record.
    (!pw.is_null()).then(|| unsafe { (*pw).pw_uid })
}

fn gid_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: as for getpwnam.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    // SAFETY: a non-null result points at a valid group record.
    (!gr.is_null()).then(|| unsafe { (*gr).gr_gid })
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
