//! The EC2/on-premises appspec as the agent reads it (reference §13.1):
//! lookup in the unpacked revision, validation in the agent's words.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use crate::model::FileExistsBehavior;

/// Seconds a script may run when the appspec gives no `timeout`.
pub const DEFAULT_TIMEOUT_SECS: u64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct AppSpec {
    pub files: Vec<FileMapping>,
    pub permissions: Vec<Permission>,
    /// Event name -> its scripts, in listed order.
    pub hooks: BTreeMap<String, Vec<Script>>,
    pub file_exists_behavior: Option<FileExistsBehavior>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileMapping {
    pub source: String,
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    pub object: String,
    pub pattern: String,
    pub except: Vec<String>,
    /// `file`, `directory` or both.
    pub files: bool,
    pub directories: bool,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub location: String,
    pub timeout_secs: u64,
    pub runas: Option<String>,
    pub sudo: bool,
}

/// The appspec file of an unpacked revision: the deployment's
/// `AppSpecFilename`, then `appspec.yaml`, then `appspec.yml`.
pub fn find(archive: &Path, filename: Option<&str>) -> Result<PathBuf, String> {
    let wanted = filename.unwrap_or("appspec.yml");
    let found = [wanted, "appspec.yaml", "appspec.yml"]
        .iter()
        .map(|name| archive.join(name))
        .find(|p| p.is_file());
    found.ok_or_else(|| {
        format!(
            "The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path \"{wanted}\". The revision was unpacked to directory \"{dir}\", and the AppSpec file was expected but not found at path \"{path}\". Consult the AWS CodeDeploy Appspec documentation for more information at http://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file.html",
            dir = archive.display(),
            path = archive.join(wanted).display(),
        )
    })
}

/// Reads and validates the appspec of an unpacked revision.
pub fn load(archive: &Path, filename: Option<&str>) -> Result<AppSpec, String> {
    let path = find(archive, filename)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
    parse(&text)
}

const FAILED: &str = "The deployment failed because";

pub fn parse(text: &str) -> Result<AppSpec, String> {
    if text.trim().is_empty() {
        return Err(format!("{FAILED} the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties."));
    }
    let doc: Value = serde_norway::from_str(text).map_err(|e| {
        format!("{FAILED} the application specification file is not valid YAML: {e}")
    })?;
    check_version(doc.get("version"))?;
    match doc.get("os").and_then(Value::as_str) {
        Some("linux") => {}
        other => return Err(format!("{FAILED} the application specification file specifies an unsupported operating system ({}). Specify \"linux\" in the os section of the AppSpec file (codedeck's local hosts run Linux), and then try again.", other.unwrap_or("none"))),
    }
    let file_exists_behavior = match doc.get("file_exists_behavior") {
        None | Some(Value::Null) => None,
        Some(v) => Some(match v.as_str() {
            Some("DISALLOW") => FileExistsBehavior::Disallow,
            Some("OVERWRITE") => FileExistsBehavior::Overwrite,
            Some("RETAIN") => FileExistsBehavior::Retain,
            _ => return Err(format!("{FAILED} an invalid file_exists_behavior value ({}) was entered in the application specification file. Use DISALLOW, OVERWRITE or RETAIN, and then try again.", show(v))),
        }),
    };
    Ok(AppSpec {
        files: files(doc.get("files"))?,
        permissions: permissions(doc.get("permissions"))?,
        hooks: hooks(doc.get("hooks"))?,
        file_exists_behavior,
    })
}

fn show(v: &Value) -> String {
    serde_norway::to_string(v)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// The agent compares with the number 0.0: a quoted "0.0" is refused.
fn check_version(v: Option<&Value>) -> Result<(), String> {
    match v {
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(()),
        other => Err(format!("{FAILED} an invalid version value ({}) was entered in the application specification (AppSpec) file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again.", other.map(show).unwrap_or_else(|| "none".into()))),
    }
}

fn list(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Sequence(items)) => items,
        _ => &[],
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn files(v: Option<&Value>) -> Result<Vec<FileMapping>, String> {
    list(v)
        .iter()
        .map(|f| match (text(f, "source"), text(f, "destination")) {
            (Some(source), Some(destination)) => Ok(FileMapping { source, destination }),
            (Some(source), None) => Err(format!("{FAILED} the application specification file specifies only a source file ({source}). Add the name of the destination file to the files section of the AppSpec file, and then try again.")),
            _ => Err(format!("{FAILED} the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.")),
        })
        .collect()
}

fn permissions(v: Option<&Value>) -> Result<Vec<Permission>, String> {
    list(v).iter().map(permission).collect()
}

fn permission(p: &Value) -> Result<Permission, String> {
    let Some(object) = text(p, "object") else {
        return Err(format!("{FAILED} a permission in the application specification file has no object. Add the object to the permissions section of the AppSpec file, and then try again."));
    };
    let types: Vec<String> = list(p.get("type"))
        .iter()
        .filter_map(|t| t.as_str().map(String::from))
        .collect();
    if let Some(bad) = types.iter().find(|t| *t != "file" && *t != "directory") {
        return Err(format!("{FAILED} the permission for {object} has an invalid type ({bad}); use file or directory."));
    }
    let mode = match text(p, "mode") {
        None => None,
        Some(m) => Some(u32::from_str_radix(&m, 8).ok().filter(|m| *m <= 0o7777).ok_or_else(|| format!("{FAILED} the permission for {object} has an invalid mode ({m}); write it in octal, like 644."))?),
    };
    Ok(Permission {
        pattern: text(p, "pattern").unwrap_or_else(|| "**".into()),
        except: list(p.get("except"))
            .iter()
            .filter_map(|e| e.as_str().map(String::from))
            .collect(),
        files: types.is_empty() || types.iter().any(|t| t == "file"),
        directories: types.is_empty() || types.iter().any(|t| t == "directory"),
        owner: text(p, "owner"),
        group: text(p, "group"),
        mode,
        object,
    })
}

fn hooks(v: Option<&Value>) -> Result<BTreeMap<String, Vec<Script>>, String> {
    let mut out = BTreeMap::new();
    let Some(Value::Mapping(m)) = v else {
        return Ok(out);
    };
    for (event, scripts) in m {
        let Some(event) = event.as_str() else {
            continue;
        };
        // Hooks with a null script list are ignored.
        let scripts = list(Some(scripts))
            .iter()
            .map(script)
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(event.to_string(), scripts);
    }
    Ok(out)
}

fn script(s: &Value) -> Result<Script, String> {
    let Some(location) = text(s, "location") else {
        return Err(format!("{FAILED} the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again."));
    };
    let timeout_secs = match s.get("timeout") {
        None | Some(Value::Null) => DEFAULT_TIMEOUT_SECS,
        Some(t) => t.as_u64().or_else(|| t.as_str().and_then(|s| s.trim().parse().ok())).filter(|t| *t > 0).ok_or_else(|| {
            format!("{FAILED} an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.")
        })?,
    };
    Ok(Script {
        location,
        timeout_secs,
        runas: text(s, "runas"),
        sudo: s.get("sudo").and_then(Value::as_bool).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agents_validation() {
        let ok = "version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: start.sh\n      timeout: 30\n  ValidateService:\n";
        let spec = parse(ok).expect("valid");
        assert_eq!(spec.hooks["ApplicationStart"][0].timeout_secs, 30);
        assert!(spec.hooks["ValidateService"].is_empty());
        assert!(parse("version: \"0.0\"\nos: linux\n")
            .unwrap_err()
            .contains("specifies \"0.0\" as the version"));
        assert!(parse("version: 0.0\nos: windows\n")
            .unwrap_err()
            .contains("unsupported operating system (windows)"));
        assert!(parse("").unwrap_err().contains("was empty"));
        let no_loc = "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - timeout: 3\n";
        assert!(parse(no_loc).unwrap_err().contains("no location"));
        let zero = "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0\n";
        assert!(parse(zero).unwrap_err().contains("invalid timeout"));
        let half = "version: 0.0\nos: linux\nfiles:\n  - source: app\n";
        assert!(parse(half)
            .unwrap_err()
            .contains("only a source file (app)"));
        let perm = "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    type: [socket]\n";
        assert!(parse(perm).unwrap_err().contains("invalid type (socket)"));
    }
}
