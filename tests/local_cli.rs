//! `codedeck local` on each sample bundle, as codedeploy-local behaves.

mod common_agent;

use std::path::Path;
use std::process::{Command, Output};

use common_agent::*;

fn local(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .arg("local")
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run codedeck local")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

#[test]
fn a_good_bundle_deploys_from_a_directory_or_an_archive() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let o = local(&root, &["-l", path(&sample("good"))]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.ends_with("AppSpec file valid. Local deployment successful\n"),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.contains("Succeeded")).count(),
        11,
        "{out}"
    );
    assert!(root.join("fs/var/www/shop/index.html").is_file());
    let tgz = tmp.path().join("good.tgz");
    tar_of(&sample("good"), &tgz, true, "app");
    let o = local(
        &root,
        &["-l", path(&tgz), "-t", "tgz", "-e", "ApplicationStart"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let events: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .skip(1)
        .collect();
    assert_eq!(
        events,
        ["DownloadBundle", "Install", "ApplicationStart", "AppSpec"]
    );
}

#[test]
fn failures_exit_non_zero_with_the_agents_lines() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let cases = [
        ("failing-validate", "ScriptFailed: Script at specified location: scripts/validate.sh failed with exit code 3"),
        ("timeout", "ScriptTimedOut: Script at specified location: scripts/start.sh failed to complete in 2 seconds"),
        ("background-stdout", "UnknownError: Script at specified location: scripts/start.sh failed to close STDOUT/STDERR"),
    ];
    for (bundle, wanted) in cases {
        let o = local(&root, &["-l", path(&sample(bundle)), "-g", bundle]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{bundle}: {out}{err}");
        assert!(
            err.contains("Your local deployment failed while trying to execute your script at "),
            "{err}"
        );
        assert!(err.contains(wanted), "{bundle}: {err}");
        assert!(
            err.contains("See the deployment log at ") && err.contains("/logs/scripts.log"),
            "{err}"
        );
    }
}

#[test]
fn bad_input_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let slip = tmp.path().join("slip.tar");
    raw_tar(
        &slip,
        &[
            ("appspec.yml", tar::EntryType::Regular, "", APPSPEC),
            ("../x", tar::EntryType::Regular, "", b"x"),
        ],
    );
    let o = local(&root, &["-l", path(&slip), "-t", "tar"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("failed at DownloadBundle")
            && err.contains("\"../x\" refers to a parent directory"),
        "{err}"
    );
    assert!(!tmp.path().join("x").exists());
    let good = sample("good");
    let checks = [
        (
            vec!["-l", path(&slip)],
            "is a file: give --type tgz, tar or zip",
        ),
        (
            vec!["-l", path(&good), "-t", "zip"],
            "is a directory: give --type directory",
        ),
        (
            vec!["-l", "http://example.com/b.zip", "-t", "zip"],
            "http:// bundle locations are refused",
        ),
        (
            vec!["-l", "s3://artifacts/app.zip", "-t", "zip"],
            "--s3-root",
        ),
        (
            vec!["-l", "https://github.com/acme/shop"],
            "no network access to GitHub",
        ),
        (
            vec!["-l", path(&good), "-e", "ApplicationStart,DownloadBundle"],
            "ApplicationStart cannot run before DownloadBundle",
        ),
    ];
    for (args, wanted) in checks {
        let o = local(&root, &args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(wanted), "{args:?}: {err}");
    }
}

/// Unknown event names and impossible orders are refused before anything
/// runs, naming the event and what is allowed (the agent's own rule).
#[test]
fn events_are_checked_before_anything_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let good = sample("good");
    let checks = [
        (
            vec!["-e", "Foo"],
            "--events: Foo is not a lifecycle event: use BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop",
        ),
        (
            vec!["-e", "BeforeInstall", "-e", "DownloadBundle"],
            "--events: BeforeInstall cannot run before DownloadBundle: only ApplicationStop, BeforeBlockTraffic, AfterBlockTraffic can",
        ),
        (
            vec!["-e", "DownloadBundle,AfterInstall,Install"],
            "--events: AfterInstall cannot run before Install",
        ),
        (
            vec!["-e", "AllowTraffic"],
            "--events: AllowTraffic is the load balancer's, not the agent's",
        ),
    ];
    for (events, wanted) in checks {
        let mut args = vec!["-l", path(&good)];
        args.extend(events.iter().copied());
        let o = local(&root, &args);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{events:?}: {out}{err}");
        assert!(err.contains(wanted), "{events:?}: {err}");
        assert!(out.is_empty(), "{events:?} ran something: {out}");
    }
    assert!(!root.join("deployment-root").exists(), "nothing ran");
}
