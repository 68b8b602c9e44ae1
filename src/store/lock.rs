//! Single ownership of a state file: an advisory lock on the sidecar
//! `<path>.lock`, which also names the owner for the error a second opener gets.
//!
//! The lock is `flock`-style (std's `File::try_lock`): the OS drops it when the
//! owner's file handle closes, including when the process dies, so a lock file
//! left behind by a killed process never blocks anyone; the next owner simply
//! rewrites its contents. Locks belong to the open file description, so a second
//! `Store::open` of the same path fails even inside the same process.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::StoreError;

/// Who holds a state file, as written into its lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockOwner {
    pub pid: u32,
    /// When the owner opened the state file (UTC, RFC 3339).
    pub started: String,
    /// The owner's command line.
    pub command: String,
}

impl LockOwner {
    fn current() -> LockOwner {
        let command = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        LockOwner {
            pid: std::process::id(),
            started: rfc3339_utc(SystemTime::now()),
            command,
        }
    }
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct OwnerLock {
    file: File,
    path: PathBuf,
    /// This open made the lock file (so a refused open can remove it again).
    created: bool,
}

/// `<state path>.lock`.
pub(crate) fn lock_path(state: &Path) -> PathBuf {
    let mut name = OsString::from(state.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

impl OwnerLock {
    /// Takes the lock for the state file at `state`, or says who has it.
    pub(crate) fn acquire(state: &Path) -> Result<OwnerLock, StoreError> {
        let path = lock_path(state);
        let io = |source| StoreError::Io {
            path: path.clone(),
            cause: source,
        };
        // `create_new` first so we know whether the file is ours to remove;
        // never truncate before holding the lock (that would erase the owner's name).
        let (file, created) = match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => (f, true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map_err(io)?;
                (f, false)
            }
            Err(e) => return Err(io(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let owner = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| serde_json::from_str::<LockOwner>(&s).ok());
                return Err(StoreError::Locked {
                    path: state.to_path_buf(),
                    owner,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let mut lock = OwnerLock {
            file,
            path,
            created,
        };
        lock.write_owner(&LockOwner::current())?;
        Ok(lock)
    }

    fn write_owner(&mut self, owner: &LockOwner) -> Result<(), StoreError> {
        let text = serde_json::to_string(owner).map_err(|source| StoreError::Encode {
            what: "lock owner",
            cause: source,
        })?;
        let path = &self.path;
        let io = |source| StoreError::Io {
            path: path.clone(),
            cause: source,
        };
        self.file.set_len(0).map_err(io)?;
        // The handle was just opened, so its position is 0.
        self.file.write_all(text.as_bytes()).map_err(io)?;
        self.file.write_all(b"\n").map_err(io)?;
        Ok(())
    }

    /// Gives the lock up after a refused open, removing the lock file if this
    /// open created it (so pointing codedeck at a foreign file leaves no litter).
    pub(crate) fn abandon(self) {
        if self.created {
            // Still locked while we unlink: nobody else can have taken it.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `2026-11-22T15:00:00Z` without a date library (proleptic Gregorian, UTC).
fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc_dates() {
        let at = |s| rfc3339_utc(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_359_600), "2026-11-22T15:00:00Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
