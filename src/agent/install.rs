//! The Install event (reference §13.3): remove what the group's previous
//! install placed (its cleanup file), plan the copies from `files`, refuse a
//! clash before copying anything (`file_exists_behavior`), copy, apply
//! `permissions`, and record the new cleanup list and last install.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::appspec::{AppSpec, Permission};
use super::layout::Layout;
use super::users;
use crate::model::FileExistsBehavior;

const FAILED: &str = "The deployment failed because";

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Mkdir(PathBuf),
    Copy(PathBuf, PathBuf),
}

/// Where an appspec destination lands on this host.
pub fn destination(layout: &Layout, to_system: bool, dest: &str) -> Result<PathBuf, String> {
    let path = Path::new(dest);
    if !path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
        return Err(format!("{FAILED} the destination {dest} in the files section is not an absolute path without \"..\"."));
    }
    if to_system {
        return Ok(path.to_path_buf());
    }
    let rel: PathBuf = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    Ok(layout.fs_root().join(rel))
}

pub fn install(
    layout: &Layout,
    spec: &AppSpec,
    deployment: Option<FileExistsBehavior>,
    to_system: bool,
) -> Result<(), String> {
    remove_previous(layout)?;
    let behaviour = spec
        .file_exists_behavior
        .clone()
        .or(deployment)
        .unwrap_or(FileExistsBehavior::Disallow);
    let ops = plan(layout, spec, to_system, &behaviour)?;
    let mut done = Vec::new();
    let result = execute(&ops, &mut done);
    let cleanup: String = done.iter().map(|p| format!("{}\n", p.display())).collect();
    write(&layout.cleanup_file(), &cleanup)?;
    result?;
    write(&layout.install_file(), &instructions_json(&ops))?;
    for p in &spec.permissions {
        apply_permission(layout, to_system, p, &done)?;
    }
    write(
        &layout.last_successful_install(),
        &layout.deployment_dir().display().to_string(),
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("Cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("Cannot write {}: {e}", path.display()))
}

/// Deletes what the cleanup file lists (newest first), then the file.
fn remove_previous(layout: &Layout) -> Result<(), String> {
    let file = layout.cleanup_file();
    let Ok(text) = fs::read_to_string(&file) else {
        return Ok(());
    };
    for line in text.lines().rev().filter(|l| !l.is_empty()) {
        let p = Path::new(line);
        match p.symlink_metadata() {
            Ok(m) if m.is_dir() => {
                // Directories go only when empty: something else may live there now.
                let _ = fs::remove_dir(p);
            }
            Ok(_) => fs::remove_file(p).map_err(|e| {
                format!(
                    "Cannot remove {} (listed in {}): {e}",
                    p.display(),
                    file.display()
                )
            })?,
            Err(_) => {}
        }
    }
    fs::remove_file(&file).map_err(|e| format!("Cannot remove {}: {e}", file.display()))
}

fn plan(
    layout: &Layout,
    spec: &AppSpec,
    to_system: bool,
    behaviour: &FileExistsBehavior,
) -> Result<Vec<Op>, String> {
    let archive = layout.archive();
    let mut ops = Vec::new();
    for m in &spec.files {
        let rel = Path::new(m.source.trim_start_matches('/'));
        if rel.components().any(|c| c == Component::ParentDir) {
            return Err(format!(
                "{FAILED} the source {} in the files section leaves the revision.",
                m.source
            ));
        }
        let src = archive.join(rel);
        let dest = destination(layout, to_system, &m.destination)?;
        mkdirs(&dest, &mut ops);
        if src.is_dir() {
            copy_tree(&src, &dest, &mut ops)?;
        } else if src.is_file() {
            let name = src.file_name().map(PathBuf::from).unwrap_or_default();
            ops.push(Op::Copy(src.clone(), dest.join(name)));
        } else {
            return Err(format!(
                "{FAILED} the source {} in the files section does not exist in the revision.",
                m.source
            ));
        }
    }
    let mut kept = Vec::new();
    for op in ops {
        if let Op::Copy(_, to) = &op {
            if to.symlink_metadata().is_ok() {
                match behaviour {
                    FileExistsBehavior::Overwrite => {}
                    FileExistsBehavior::Retain => continue,
                    _ => {
                        return Err(format!(
                            "{FAILED} a specified file already exists at this location: {}",
                            to.display()
                        ))
                    }
                }
            }
        }
        kept.push(op);
    }
    Ok(kept)
}

/// The directories from the root down to `dir` that do not exist yet.
fn mkdirs(dir: &Path, ops: &mut Vec<Op>) {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.exists())
        .map(Path::to_path_buf)
        .collect();
    for d in missing.into_iter().rev() {
        let op = Op::Mkdir(d);
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
}

/// A source directory's contents, copied into `dest`.
fn copy_tree(src: &Path, dest: &Path, ops: &mut Vec<Op>) -> Result<(), String> {
    let mut entries: Vec<_> = fs::read_dir(src)
        .map_err(|e| format!("Cannot read {}: {e}", src.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for from in entries {
        let Some(name) = from.file_name() else {
            continue;
        };
        let to = dest.join(name);
        if from.is_dir() {
            mkdirs(&to, ops);
            copy_tree(&from, &to, ops)?;
        } else {
            ops.push(Op::Copy(from, to));
        }
    }
    Ok(())
}

fn execute(ops: &[Op], done: &mut Vec<PathBuf>) -> Result<(), String> {
    for op in ops {
        match op {
            Op::Mkdir(d) => {
                if !d.exists() {
                    fs::create_dir(d).map_err(|e| format!("Cannot create {}: {e}", d.display()))?;
                    done.push(d.clone());
                }
            }
            Op::Copy(from, to) => {
                if to
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink())
                {
                    fs::remove_file(to)
                        .map_err(|e| format!("Cannot replace {}: {e}", to.display()))?;
                }
                fs::copy(from, to).map_err(|e| {
                    format!("Cannot copy {} to {}: {e}", from.display(), to.display())
                })?;
                done.push(to.clone());
            }
        }
    }
    Ok(())
}

fn instructions_json(ops: &[Op]) -> String {
    let items: Vec<serde_json::Value> = ops
        .iter()
        .map(|op| match op {
            Op::Mkdir(d) => serde_json::json!({"type": "mkdir", "directory": d}),
            Op::Copy(f, t) => serde_json::json!({"type": "copy", "source": f, "destination": t}),
        })
        .collect();
    serde_json::json!({ "instructions": items }).to_string()
}

/// Applies one `permissions` entry to what this install placed under its
/// object (and the object itself when it is a directory).
fn apply_permission(
    layout: &Layout,
    to_system: bool,
    p: &Permission,
    installed: &[PathBuf],
) -> Result<(), String> {
    let object = destination(layout, to_system, &p.object)?;
    let mut targets: Vec<&Path> = installed
        .iter()
        .map(PathBuf::as_path)
        .filter(|i| i.starts_with(&object) && *i != object)
        .collect();
    if object.is_dir() {
        targets.push(&object);
    }
    for t in targets {
        let name = t
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_dir = t.is_dir();
        let wanted = if is_dir { p.directories } else { p.files };
        if !wanted || !glob(&p.pattern, &name) || p.except.iter().any(|e| glob(e, &name)) {
            continue;
        }
        if let Some(mode) = p.mode {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(t, fs::Permissions::from_mode(mode))
                .map_err(|e| format!("Cannot set the mode of {}: {e}", t.display()))?;
        }
        if p.owner.is_some() || p.group.is_some() {
            users::chown(t, p.owner.as_deref(), p.group.as_deref())?;
        }
    }
    Ok(())
}

/// The agent's patterns: `**` is everything, `*` any run of characters.
fn glob(pattern: &str, name: &str) -> bool {
    if pattern == "**" {
        return true;
    }
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn patterns() {
        assert!(glob("**", "x"));
        assert!(glob("*.sh", "start.sh"));
        assert!(!glob("*.sh", "start.py"));
        assert!(glob("a?c", "abc"));
    }
}
