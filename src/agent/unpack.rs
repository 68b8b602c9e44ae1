//! Unpacking a revision bundle, safely. The agent calls `tar -xpsf` or
//! `unzip -qo` and writes whatever the archive says; codedeck reads every
//! entry first and refuses the archive before anything is written when one
//! entry would land outside it (`..`, an absolute path, a link pointing out),
//! is a device or FIFO, or when the whole unpacks past the size limit. Files
//! and directories are written first, hard links next, symbolic links last,
//! so nothing is ever written through a link the archive made.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use super::{BundleKind, Limits};

/// One archive entry, as read before anything is written.
#[derive(Debug, Clone)]
struct Entry {
    /// Relative, normalised, never leaving the archive.
    path: PathBuf,
    kind: Kind,
    size: u64,
    mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Dir,
    File,
    Symlink(PathBuf),
    HardLink(PathBuf),
}

/// Unpacks `bundle` (a file, or a directory for `Directory`) into `dest`,
/// which must not exist yet. A single top-level directory holding an
/// appspec file is stripped, as the agent does.
pub(super) fn unpack(
    bundle: &Path,
    kind: &BundleKind,
    dest: &Path,
    limits: &Limits,
) -> Result<(), String> {
    let entries = match kind {
        BundleKind::Directory => scan_dir(bundle)?,
        BundleKind::Tar => scan_tar(tar::Archive::new(open(bundle)?))?,
        BundleKind::Tgz => scan_tar(tar::Archive::new(flate2::read::GzDecoder::new(open(
            bundle,
        )?)))?,
        BundleKind::Zip => scan_zip(bundle)?,
    };
    check(&entries, limits)?;
    let strip = top_level_to_strip(&entries);
    fs::create_dir_all(dest).map_err(|e| format!("Cannot create {}: {e}", dest.display()))?;
    let written = Writer {
        dest,
        strip: strip.as_deref(),
        budget: limits.max_unpacked_bytes,
    };
    let result = match kind {
        BundleKind::Directory => written.copy_dir(bundle, &entries),
        BundleKind::Tar => written.tar(tar::Archive::new(open(bundle)?)),
        BundleKind::Tgz => written.tar(tar::Archive::new(flate2::read::GzDecoder::new(open(
            bundle,
        )?))),
        BundleKind::Zip => written.zip(bundle),
    }
    .and_then(|()| written.links(&entries));
    if result.is_err() {
        // Half an archive is worse than none: the deployment's folder is its own.
        let _ = fs::remove_dir_all(dest);
    }
    result
}

fn open(path: &Path) -> Result<File, String> {
    File::open(path).map_err(|e| format!("Cannot open the bundle {}: {e}", path.display()))
}

/// A relative path inside the archive, or why the entry is refused.
fn safe_path(name: &str) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(format!("The bundle entry {name:?} refers to a parent directory (..); codedeck refuses archives that could write outside their folder.")),
            Component::RootDir | Component::Prefix(_) => return Err(format!("The bundle entry {name:?} is an absolute path; codedeck refuses archives that could write outside their folder.")),
        }
    }
    Ok(out)
}

/// Where a link at `at` pointing to `target` lands, if inside the archive.
fn link_inside(at: &Path, target: &Path) -> Option<PathBuf> {
    if target.is_absolute() {
        return None;
    }
    let mut parts: Vec<_> = at
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for c in target.components() {
        match c {
            Component::Normal(_) => parts.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    Some(parts.iter().collect())
}

/// Refuses links that point out, and archives past the limits.
fn check(entries: &[Entry], limits: &Limits) -> Result<(), String> {
    if entries.len() as u64 > limits.max_entries {
        return Err(format!(
            "The bundle holds {} entries, more than codedeck's limit of {}.",
            entries.len(),
            limits.max_entries
        ));
    }
    let mut total = 0u64;
    for e in entries {
        match &e.kind {
            Kind::Symlink(t) if link_inside(&e.path, t).is_none() => {
                return Err(format!("The bundle entry {:?} is a symbolic link to {:?}, outside the archive; codedeck refuses it.", e.path, t));
            }
            Kind::HardLink(t) if safe_path(&t.to_string_lossy()).is_err() => {
                return Err(format!("The bundle entry {:?} is a hard link to {:?}, outside the archive; codedeck refuses it.", e.path, t));
            }
            _ => {}
        }
        total = total.saturating_add(e.size);
        if total > limits.max_unpacked_bytes {
            return Err(format!("The bundle unpacks to more than {} bytes (codedeck's limit; at entry {:?}); it is refused as a possible archive bomb.", limits.max_unpacked_bytes, e.path));
        }
    }
    Ok(())
}

/// The single top-level directory to strip: it holds an appspec file and
/// nothing lies beside it.
fn top_level_to_strip(entries: &[Entry]) -> Option<PathBuf> {
    let mut tops = entries.iter().filter_map(|e| e.path.components().next());
    let first = tops.next()?;
    if !tops.all(|c| c == first) {
        return None;
    }
    let top = PathBuf::from(first.as_os_str());
    let holds_appspec = entries.iter().any(|e| {
        e.kind == Kind::File
            && (e.path == top.join("appspec.yml") || e.path == top.join("appspec.yaml"))
    });
    let is_dir = entries.iter().all(|e| e.path != top || e.kind == Kind::Dir);
    (holds_appspec && is_dir).then_some(top)
}

fn scan_tar<R: Read>(mut archive: tar::Archive<R>) -> Result<Vec<Entry>, String> {
    let bad = |e: io::Error| format!("The bundle is not a readable tar archive: {e}");
    let mut out = Vec::new();
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let header = entry.header();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = safe_path(&name)?;
        let link = || -> Result<PathBuf, String> {
            let l = entry
                .link_name()
                .map_err(bad)?
                .ok_or_else(|| format!("The bundle entry {name:?} is a link without a target."))?;
            Ok(l.into_owned())
        };
        let kind = match header.entry_type() {
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
            tar::EntryType::Symlink => Kind::Symlink(link()?),
            tar::EntryType::Link => Kind::HardLink(link()?),
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName | tar::EntryType::GNULongLink => continue,
            other => return Err(format!("The bundle entry {name:?} is a {other:?} (a device, FIFO or other special file); codedeck refuses it.")),
        };
        if path.as_os_str().is_empty() {
            continue;
        }
        let size = if kind == Kind::File { entry.size() } else { 0 };
        out.push(Entry {
            path,
            kind,
            size,
            mode: header.mode().ok(),
        });
    }
    Ok(out)
}

fn scan_zip(bundle: &Path) -> Result<Vec<Entry>, String> {
    let bad = |e: zip::result::ZipError| format!("The bundle is not a readable zip archive: {e}");
    let mut archive = zip::ZipArchive::new(open(bundle)?).map_err(bad)?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(bad)?;
        let name = file.name().map_err(bad)?.into_owned();
        let path = safe_path(&name)?;
        if path.as_os_str().is_empty() {
            continue;
        }
        let mode = file.unix_mode();
        let special = mode
            .map(|m| m & 0o170000)
            .is_some_and(|t| t != 0 && t != 0o100000 && t != 0o040000 && t != 0o120000);
        if special {
            return Err(format!("The bundle entry {name:?} is a device, FIFO or other special file; codedeck refuses it."));
        }
        let kind = if file.is_symlink() {
            let mut target = String::new();
            file.by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|e| format!("The bundle entry {name:?} cannot be read: {e}"))?;
            Kind::Symlink(PathBuf::from(target))
        } else if file.is_dir() {
            Kind::Dir
        } else {
            Kind::File
        };
        let size = if kind == Kind::File { file.size() } else { 0 };
        out.push(Entry {
            path,
            kind,
            size,
            mode,
        });
    }
    Ok(out)
}

/// A directory bundle (`codedeck local --type directory`) read like an
/// archive: its own links are held to the same rules.
fn scan_dir(root: &Path) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let read = fs::read_dir(&dir)
            .map_err(|e| format!("Cannot read the bundle directory {}: {e}", dir.display()))?;
        for item in read {
            let item = item.map_err(|e| format!("Cannot read {}: {e}", dir.display()))?;
            let path = rel.join(item.file_name());
            let meta = item
                .path()
                .symlink_metadata()
                .map_err(|e| format!("Cannot read {}: {e}", item.path().display()))?;
            let kind = if meta.file_type().is_symlink() {
                Kind::Symlink(fs::read_link(item.path()).map_err(|e| e.to_string())?)
            } else if meta.is_dir() {
                stack.push(path.clone());
                Kind::Dir
            } else if meta.is_file() {
                Kind::File
            } else {
                return Err(format!(
                    "The bundle entry {path:?} is a device, FIFO or socket; codedeck refuses it."
                ));
            };
            use std::os::unix::fs::PermissionsExt;
            let size = if kind == Kind::File { meta.len() } else { 0 };
            out.push(Entry {
                path,
                kind,
                size,
                mode: Some(meta.permissions().mode()),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Writes checked entries under `dest`, minus the stripped top level.
struct Writer<'a> {
    dest: &'a Path,
    strip: Option<&'a Path>,
    /// Bytes still allowed: declared sizes can lie, the writer counts.
    budget: u64,
}

impl Writer<'_> {
    fn target(&self, path: &Path) -> Option<PathBuf> {
        let rel = match self.strip {
            Some(top) => path.strip_prefix(top).ok()?,
            None => path,
        };
        (!rel.as_os_str().is_empty()).then(|| self.dest.join(rel))
    }

    fn tar<R: Read>(&self, mut archive: tar::Archive<R>) -> Result<(), String> {
        let bad = |e: io::Error| format!("The bundle is not a readable tar archive: {e}");
        let mut left = self.budget;
        for entry in archive.entries().map_err(bad)? {
            let mut entry = entry.map_err(bad)?;
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind.is_dir()) {
                continue;
            }
            let Ok(path) = safe_path(&String::from_utf8_lossy(&entry.path_bytes())) else {
                continue;
            };
            let mode = entry.header().mode().ok();
            self.write(&path, kind.is_dir(), mode, &mut entry, &mut left)?;
        }
        Ok(())
    }

    fn zip(&self, bundle: &Path) -> Result<(), String> {
        let bad =
            |e: zip::result::ZipError| format!("The bundle is not a readable zip archive: {e}");
        let mut archive = zip::ZipArchive::new(open(bundle)?).map_err(bad)?;
        let mut left = self.budget;
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).map_err(bad)?;
            if file.is_symlink() {
                continue;
            }
            let Ok(path) = safe_path(&file.name().map_err(bad)?) else {
                continue;
            };
            let (dir, mode) = (file.is_dir(), file.unix_mode());
            self.write(&path, dir, mode, &mut file, &mut left)?;
        }
        Ok(())
    }

    fn copy_dir(&self, root: &Path, entries: &[Entry]) -> Result<(), String> {
        let mut left = self.budget;
        for e in entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::Dir | Kind::File))
        {
            let mut reader: Box<dyn Read> = match e.kind {
                Kind::File => Box::new(open(&root.join(&e.path))?),
                _ => Box::new(io::empty()),
            };
            self.write(&e.path, e.kind == Kind::Dir, e.mode, &mut reader, &mut left)?;
        }
        Ok(())
    }

    /// Writes one directory or file, never through an existing link.
    fn write(
        &self,
        path: &Path,
        dir: bool,
        mode: Option<u32>,
        data: &mut dyn Read,
        left: &mut u64,
    ) -> Result<(), String> {
        let Some(to) = self.target(path) else {
            return Ok(());
        };
        let fail = |e: io::Error| format!("Cannot write {}: {e}", to.display());
        if dir {
            return fs::create_dir_all(&to).map_err(fail);
        }
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&to)
            .map_err(fail)?;
        let copied = io::copy(&mut data.take(left.saturating_add(1)), &mut out).map_err(fail)?;
        if copied > *left {
            return Err(format!("The bundle unpacks to more than its declared sizes allow (codedeck's limit is {} bytes; at entry {path:?}); it is refused as a possible archive bomb.", self.budget));
        }
        *left -= copied;
        out.flush().map_err(fail)?;
        if let Some(m) = mode.map(|m| m & 0o7777).filter(|m| *m != 0) {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&to, fs::Permissions::from_mode(m)).map_err(fail)?;
        }
        Ok(())
    }

    /// Hard links (to files already written), then symbolic links.
    fn links(&self, entries: &[Entry]) -> Result<(), String> {
        for e in entries {
            let (Some(at), Kind::HardLink(t)) = (self.target(&e.path), &e.kind) else {
                continue;
            };
            let from = safe_path(&t.to_string_lossy())
                .ok()
                .and_then(|p| self.target(&p));
            let Some(from) = from.filter(|f| f.symlink_metadata().is_ok_and(|m| m.is_file()))
            else {
                return Err(format!("The bundle entry {:?} is a hard link to {t:?}, which the archive does not hold as a file.", e.path));
            };
            fs::hard_link(&from, &at)
                .map_err(|err| format!("Cannot link {}: {err}", at.display()))?;
        }
        for e in entries {
            let (Some(at), Kind::Symlink(t)) = (self.target(&e.path), &e.kind) else {
                continue;
            };
            if let Some(parent) = at.parent() {
                fs::create_dir_all(parent)
                    .map_err(|err| format!("Cannot write {}: {err}", parent.display()))?;
            }
            std::os::unix::fs::symlink(t, &at)
                .map_err(|err| format!("Cannot link {}: {err}", at.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_inside_and_outside() {
        assert_eq!(
            link_inside(Path::new("a/b"), Path::new("c")),
            Some(PathBuf::from("a/c"))
        );
        assert_eq!(
            link_inside(Path::new("a/b"), Path::new("../c")),
            Some(PathBuf::from("c"))
        );
        assert_eq!(link_inside(Path::new("a/b"), Path::new("../../c")), None);
        assert_eq!(link_inside(Path::new("b"), Path::new("/etc/passwd")), None);
        assert!(safe_path("a/../../x").is_err());
        assert!(safe_path("/etc/x").is_err());
        assert_eq!(safe_path("./a/b").ok(), Some(PathBuf::from("a/b")));
    }
}
