//! The order the agent can run a deployment's events in (reference §13.5):
//! what may come before the new revision is downloaded and installed. One
//! rule for the hooks (`run_hooks` reads the last install's scripts for the
//! same events) and for `codedeck local --events`.

use std::path::Path;

use super::{appspec, unpack, Bundle, BundleKind, Limits};
use crate::model::lifecycle_event::LifecycleEventName::{
    self, BeforeInstall, DownloadBundle, Install,
};
use crate::model::lifecycle_event::{names, FROM_LAST_INSTALL};

/// Checks `events` (in the order given) against the agent's rules: every
/// name is a lifecycle event the agent runs (`known`) or one of the
/// appspec's own hooks (`custom`); before DownloadBundle only the events run
/// from the last install; before Install only those, DownloadBundle and
/// BeforeInstall. The error names the event and what is allowed.
pub fn check_order(
    events: &[String],
    known: &[LifecycleEventName],
    custom: &[String],
) -> Result<(), String> {
    let named = events
        .iter()
        .map(|e| agent_event(e, known, custom))
        .collect::<Result<Vec<_>, _>>()?;
    let at = |name: LifecycleEventName| named.iter().position(|e| *e == Some(name));
    let (Some(download), Some(install)) = (at(DownloadBundle), at(Install)) else {
        return Err("DownloadBundle and Install must both be in the list".into());
    };
    let early = names(&FROM_LAST_INSTALL);
    let from_last = |e: &Option<LifecycleEventName>| e.is_some_and(|e| e.runs_last_revision());
    if let Some(bad) = named[..download].iter().position(|e| !from_last(e)) {
        return Err(format!(
            "{} cannot run before DownloadBundle: only {early} can (they run the last installed revision's scripts)",
            events[bad]
        ));
    }
    if let Some(bad) = named[..install]
        .iter()
        .position(|e| !from_last(e) && !matches!(e, Some(DownloadBundle | BeforeInstall)))
    {
        return Err(format!(
            "{} cannot run before Install: only {early}, DownloadBundle and BeforeInstall can",
            events[bad]
        ));
    }
    Ok(())
}

/// Name `e` parsed once: one of the `known` events, `None` for one of the
/// appspec's own hooks (`custom`), or why it is neither.
fn agent_event(
    e: &str,
    known: &[LifecycleEventName],
    custom: &[String],
) -> Result<Option<LifecycleEventName>, String> {
    let named = e.parse::<LifecycleEventName>().ok();
    if named.is_some_and(|n| !n.agent_runs()) {
        return Err(format!(
            "{e} is the load balancer's, not the agent's: it cannot run here"
        ));
    }
    if named.is_some_and(|n| known.contains(&n)) {
        return Ok(named);
    }
    if custom.iter().any(|c| c == e) {
        return Ok(None);
    }
    let hooks = if custom.is_empty() {
        "the appspec defines no other hooks".to_string()
    } else {
        format!("the appspec's other hooks: {}", custom.join(", "))
    };
    Err(format!(
        "{e} is not a lifecycle event: use {} ({hooks})",
        names(known)
    ))
}

/// The hooks the bundle's appspec lists, read before anything runs (an
/// archive is unpacked, checked as DownloadBundle would, into a scratch
/// directory that is removed after).
pub fn appspec_hooks(bundle: &Bundle, filename: Option<&str>) -> Result<Vec<String>, String> {
    if bundle.kind == BundleKind::Directory {
        return hooks_in(&bundle.path, filename);
    }
    let scratch = std::env::temp_dir().join(format!(
        "codedeck-appspec-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let result = unpack::unpack(&bundle.path, &bundle.kind, &scratch, &Limits::default())
        .and_then(|()| hooks_in(&scratch, filename));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn hooks_in(dir: &Path, filename: Option<&str>) -> Result<Vec<String>, String> {
    Ok(appspec::load(dir, filename)?.hooks.into_keys().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [LifecycleEventName; 4] = [
        LifecycleEventName::ApplicationStop,
        DownloadBundle,
        BeforeInstall,
        Install,
    ];

    fn check(events: &[&str], custom: &[&str]) -> Result<(), String> {
        let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        let custom: Vec<String> = custom.iter().map(|e| e.to_string()).collect();
        check_order(&events, &KNOWN, &custom)
    }

    #[test]
    fn only_the_last_installs_events_come_before_download() {
        assert!(check(&["ApplicationStop", "DownloadBundle", "Install"], &[]).is_ok());
        let e = check(&["BeforeInstall", "DownloadBundle", "Install"], &[]).unwrap_err();
        assert!(
            e.starts_with("BeforeInstall cannot run before DownloadBundle: only ApplicationStop"),
            "{e}"
        );
        let e = check(&["DownloadBundle", "Warm", "Install"], &["Warm"]).unwrap_err();
        assert!(e.starts_with("Warm cannot run before Install"), "{e}");
        assert!(check(&["DownloadBundle", "Install", "Warm"], &["Warm"]).is_ok());
    }

    #[test]
    fn unknown_names_are_refused_with_what_is_allowed() {
        let e = check(&["DownloadBundle", "Install", "Foo"], &[]).unwrap_err();
        assert!(
            e.starts_with("Foo is not a lifecycle event: use ApplicationStop"),
            "{e}"
        );
        let e = check(&["DownloadBundle", "Install", "AllowTraffic"], &[]).unwrap_err();
        assert!(e.contains("load balancer"), "{e}");
    }
}
