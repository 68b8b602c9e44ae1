//! The agent module on its own: bundles unpacked safely, the appspec's
//! files installed, hooks run with the agent's semantics (reference §13).

mod common_agent;

use std::path::{Path, PathBuf};

use codedeck::agent::{self, Bundle, BundleKind, EventJob, EventResult, Limits, Roots};
use codedeck::model::{
    FileExistsBehavior, LifecycleErrorCode, RevisionLocation, RevisionLocationType, S3Location,
};
use common_agent::*;

const GROUP: &str = "dg-1234";

fn job(root: &Path, deployment: &str, event: &str, bundle: &Bundle) -> EventJob {
    EventJob {
        root: root.to_path_buf(),
        deployment_id: deployment.into(),
        application_name: "shop".into(),
        deployment_group_name: "prod".into(),
        deployment_group_id: GROUP.into(),
        event: event.into(),
        bundle: Ok(bundle.clone()),
        appspec_filename: None,
        file_exists_behavior: None,
        install_to_system: false,
        limits: Limits::default(),
    }
}

fn run(job: EventJob) -> EventResult {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(agent::run_event(job))
}

/// Runs `events` in order; the first failure, if any.
fn deploy(root: &Path, d: &str, bundle: &Bundle, events: &[&str]) -> Option<(String, EventResult)> {
    for e in events {
        let r = run(job(root, d, e, bundle));
        if !r.succeeded {
            return Some((e.to_string(), r));
        }
    }
    None
}

const ALL: [&str; 7] = [
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
];

fn s3_bundle(path: &Path, kind: BundleKind) -> Bundle {
    Bundle {
        path: path.to_path_buf(),
        kind,
        expected_etag: None,
        env: vec![
            ("BUNDLE_BUCKET".into(), "artifacts".into()),
            ("BUNDLE_KEY".into(), "shop.tgz".into()),
        ],
    }
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

#[test]
fn a_good_bundle_installs_its_files_and_runs_its_hooks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tgz = tmp.path().join("shop.tgz");
    // One top-level directory holding the appspec: stripped, as the agent does.
    tar_of(&sample("good"), &tgz, true, "shop-1.0");
    let root = tmp.path().join("host");
    let bundle = s3_bundle(&tgz, BundleKind::Tgz);
    assert_eq!(deploy(&root, "d-GOOD00001", &bundle, &ALL), None);
    let fs = root.join("fs");
    assert_eq!(
        read(fs.join("var/www/shop/index.html")),
        "<h1>shop v1</h1>\n"
    );
    let env = read(fs.join("var/www/shop/deployed.env"));
    for var in [
        "LIFECYCLE_EVENT=AfterInstall",
        "DEPLOYMENT_ID=d-GOOD00001",
        "APPLICATION_NAME=shop",
        "DEPLOYMENT_GROUP_NAME=prod",
        "DEPLOYMENT_GROUP_ID=dg-1234",
        "BUNDLE_BUCKET=artifacts",
        "BUNDLE_KEY=shop.tgz",
    ] {
        assert!(env.lines().any(|l| l == var), "{var} in\n{env}");
    }
    // The agent's layout and its scripts.log format.
    let dir = root.join("deployment-root").join(GROUP).join("d-GOOD00001");
    assert!(dir.join("bundle.tar").is_file());
    assert!(dir.join("deployment-archive/appspec.yml").is_file());
    let log = read(dir.join("logs/scripts.log"));
    let lines: Vec<&str> = log.lines().map(|l| &l[20..]).collect();
    assert!(
        log.lines()
            .all(|l| l.as_bytes()[4] == b'-' && l.as_bytes()[13] == b':'),
        "{log}"
    );
    let start = lines
        .iter()
        .position(|l| *l == "LifecycleEvent - ApplicationStart")
        .expect("event line");
    assert_eq!(
        &lines[start..start + 3],
        [
            "LifecycleEvent - ApplicationStart",
            "Script - scripts/start.sh",
            "[stdout]shop started"
        ]
    );
    let instructions = root.join("deployment-root/deployment-instructions");
    assert!(read(instructions.join("dg-1234-cleanup")).contains("var/www/shop/index.html"));
    assert_eq!(
        read(instructions.join("dg-1234_last_successful_install")),
        dir.display().to_string()
    );
    assert!(
        read(root.join("deployment-root/deployment-logs/codedeploy-agent-deployments.log"))
            .starts_with("[d-GOOD00001]")
    );
    // No earlier install: this deployment's ApplicationStop ran nothing.
    assert!(!read(fs.join("var/log/shop/hooks.log")).contains("stop"));
}

#[test]
fn a_failing_script_reports_script_failed_with_its_output() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zip = tmp.path().join("shop.zip");
    zip_of(&sample("failing-validate"), &zip);
    let root = tmp.path().join("host");
    let bundle = s3_bundle(&zip, BundleKind::Zip);
    let (event, r) = deploy(&root, "d-FAIL00001", &bundle, &ALL).expect("fails");
    assert_eq!(event, "ValidateService");
    assert_eq!(r.error_code, Some(LifecycleErrorCode::ScriptFailed));
    assert_eq!(r.script_name.as_deref(), Some("scripts/validate.sh"));
    assert_eq!(
        r.message,
        "Script at specified location: scripts/validate.sh failed with exit code 3"
    );
    assert!(
        r.log_tail
            .contains("[stdout]checking http://localhost/health\n"),
        "{}",
        r.log_tail
    );
    assert!(
        r.log_tail
            .contains("[stderr]health check failed: HTTP 500\n"),
        "{}",
        r.log_tail
    );
    let log = r.scripts_log.expect("scripts.log");
    assert!(read(&log).contains("[stderr]health check failed: HTTP 500"));
}

#[test]
fn application_stop_runs_the_last_successful_install() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (good, bad) = (tmp.path().join("good.tar"), tmp.path().join("bad.tar"));
    tar_of(&sample("good"), &good, false, ".");
    tar_of(&sample("failing-validate"), &bad, false, ".");
    let root = tmp.path().join("host");
    assert_eq!(
        deploy(
            &root,
            "d-ONE000001",
            &s3_bundle(&good, BundleKind::Tar),
            &ALL
        ),
        None
    );
    let failed = deploy(
        &root,
        "d-TWO000002",
        &s3_bundle(&bad, BundleKind::Tar),
        &ALL,
    );
    assert_eq!(failed.map(|f| f.0).as_deref(), Some("ValidateService"));
    let hooks = read(root.join("fs/var/log/shop/hooks.log"));
    // The second deployment's ApplicationStop is the first revision's script;
    // its own files replaced the first's (the cleanup file made room).
    assert!(hooks.contains("stop good d-TWO000002"), "{hooks}");
    assert!(hooks.contains("start failing d-TWO000002"), "{hooks}");
    assert_eq!(
        read(root.join("fs/var/www/shop/index.html")),
        "<h1>shop v2</h1>\n"
    );
    // Its Install succeeded: the next ApplicationStop runs its stop script.
    let third = deploy(
        &root,
        "d-THREE0003",
        &s3_bundle(&good, BundleKind::Tar),
        &["ApplicationStop"],
    );
    assert_eq!(third, None);
    assert!(read(root.join("fs/var/log/shop/hooks.log")).contains("stop failing d-THREE0003"));
}

#[test]
fn a_script_past_its_timeout_is_killed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tar = tmp.path().join("t.tar");
    tar_of(&sample("timeout"), &tar, false, ".");
    let root = tmp.path().join("host");
    let started = std::time::Instant::now();
    let (event, r) = deploy(
        &root,
        "d-TIME00001",
        &s3_bundle(&tar, BundleKind::Tar),
        &ALL,
    )
    .expect("fails");
    assert!(
        started.elapsed().as_secs() < 30,
        "the 60 s sleep was not killed"
    );
    assert_eq!(event, "ApplicationStart");
    assert_eq!(r.error_code, Some(LifecycleErrorCode::ScriptTimedOut));
    assert_eq!(
        r.message,
        "Script at specified location: scripts/start.sh failed to complete in 2 seconds"
    );
    assert!(r
        .log_tail
        .contains("[stdout]waiting for a port that never opens"));
}

#[test]
fn a_background_child_holding_stdout_fails_the_hook() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tar = tmp.path().join("b.tar");
    tar_of(&sample("background-stdout"), &tar, false, ".");
    let root = tmp.path().join("host");
    let (event, r) = deploy(
        &root,
        "d-BACK00001",
        &s3_bundle(&tar, BundleKind::Tar),
        &ALL,
    )
    .expect("fails");
    assert_eq!(event, "ApplicationStart");
    assert_eq!(r.error_code, Some(LifecycleErrorCode::UnknownError));
    assert_eq!(
        r.message,
        "Script at specified location: scripts/start.sh failed to close STDOUT/STDERR"
    );
    assert!(r.log_tail.contains("[stdout]server started"));
}

#[test]
fn a_missing_script_and_a_bad_appspec_say_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("src");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("appspec.yml"), APPSPEC).expect("appspec");
    let root = tmp.path().join("host");
    let bundle = s3_bundle(&dir, BundleKind::Directory);
    let (_, r) = deploy(&root, "d-MISS00001", &bundle, &ALL).expect("fails");
    assert_eq!(r.error_code, Some(LifecycleErrorCode::ScriptMissing));
    let archive = root
        .join("deployment-root")
        .join(GROUP)
        .join("d-MISS00001/deployment-archive");
    assert_eq!(
        r.message,
        format!(
            "Script does not exist at specified location: {}",
            archive.join("start.sh").display()
        )
    );
    std::fs::write(dir.join("appspec.yml"), "version: \"0.0\"\nos: linux\n").expect("appspec");
    let (event, r) = deploy(&root, "d-VERS00001", &bundle, &ALL).expect("fails");
    // The first hook of the new revision reads its appspec first.
    assert_eq!(event, "BeforeInstall");
    assert!(
        r.message
            .contains("Make sure your AppSpec file specifies \"0.0\" as the version"),
        "{}",
        r.message
    );
    std::fs::remove_file(dir.join("appspec.yml")).expect("rm");
    let (_, r) = deploy(&root, "d-NONE00001", &bundle, &ALL).expect("fails");
    assert!(r.message.starts_with("The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path \"appspec.yml\""), "{}", r.message);
}

#[test]
fn file_exists_behavior_decides_a_clash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tar = tmp.path().join("g.tar");
    tar_of(&sample("good"), &tar, false, ".");
    let bundle = s3_bundle(&tar, BundleKind::Tar);
    let root = tmp.path().join("host");
    let index = root.join("fs/var/www/shop/index.html");
    std::fs::create_dir_all(index.parent().expect("parent")).expect("mkdir");
    std::fs::write(&index, "theirs").expect("write");
    let install = |d: &str, b: Option<FileExistsBehavior>| {
        assert!(run(job(&root, d, "DownloadBundle", &bundle)).succeeded);
        run(EventJob {
            file_exists_behavior: b,
            ..job(&root, d, "Install", &bundle)
        })
    };
    let r = install("d-DISALLOW1", None);
    assert!(!r.succeeded);
    assert_eq!(
        r.message,
        format!(
            "The deployment failed because a specified file already exists at this location: {}",
            index.display()
        )
    );
    assert!(
        !root.join("fs/var/www/shop/VERSION").exists(),
        "nothing copied before the clash was found"
    );
    assert!(install("d-RETAIN001", Some(FileExistsBehavior::Retain)).succeeded);
    assert_eq!(read(&index), "theirs");
    std::fs::remove_file(root.join("deployment-root/deployment-instructions/dg-1234-cleanup"))
        .expect("forget");
    assert!(install("d-OVERWRITE", Some(FileExistsBehavior::Overwrite)).succeeded);
    assert_eq!(read(&index), "<h1>shop v1</h1>\n");
}

#[test]
fn the_agent_keeps_five_revisions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tar = tmp.path().join("g.tar");
    tar_of(&sample("good"), &tar, false, ".");
    let bundle = s3_bundle(&tar, BundleKind::Tar);
    let root = tmp.path().join("host");
    for i in 0..8 {
        let d = format!("d-KEEP0000{i}");
        assert_eq!(
            deploy(&root, &d, &bundle, &["DownloadBundle", "Install"]),
            None
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kept = std::fs::read_dir(root.join("deployment-root").join(GROUP))
        .expect("group")
        .count();
    assert_eq!(kept, 5);
    assert!(root
        .join("deployment-root")
        .join(GROUP)
        .join("d-KEEP00007")
        .is_dir());
}

/// Unpacks `archive` as DownloadBundle does; the failure message.
fn refused(tmp: &Path, archive: &Path, kind: BundleKind, limits: Limits) -> String {
    let root = tmp.join("host");
    let bundle = s3_bundle(archive, kind);
    let r = run(EventJob {
        limits,
        ..job(&root, "d-EVIL00001", "DownloadBundle", &bundle)
    });
    assert!(!r.succeeded, "{archive:?} was accepted");
    assert_eq!(r.error_code, Some(LifecycleErrorCode::UnknownError));
    let archive_dir = root
        .join("deployment-root")
        .join(GROUP)
        .join("d-EVIL00001/deployment-archive");
    assert!(!archive_dir.exists(), "nothing is left unpacked");
    r.message
}

#[test]
fn hostile_archives_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Everything runs two levels down, so `../..` would still land in tmp.
    let work = tmp.path().join("a/b");
    std::fs::create_dir_all(&work).expect("mkdir");
    let cases: [(&str, &[RawEntry], &str); 5] = [
        (
            "slip",
            &[
                ("appspec.yml", tar::EntryType::Regular, "", APPSPEC),
                ("../../evil.txt", tar::EntryType::Regular, "", b"x"),
            ],
            "\"../../evil.txt\" refers to a parent directory",
        ),
        (
            "absolute",
            &[(
                "/tmp/codedeck-evil-abs.txt",
                tar::EntryType::Regular,
                "",
                b"x",
            )],
            "\"/tmp/codedeck-evil-abs.txt\" is an absolute path",
        ),
        (
            "symlink",
            &[
                ("link", tar::EntryType::Symlink, "../../..", b""),
                ("link/evil.txt", tar::EntryType::Regular, "", b"x"),
            ],
            "\"link\" is a symbolic link to \"../../..\", outside the archive",
        ),
        (
            "hardlink",
            &[("passwd", tar::EntryType::Link, "/etc/passwd", b"")],
            "\"passwd\" is a hard link to \"/etc/passwd\", outside the archive",
        ),
        (
            "device",
            &[("null", tar::EntryType::Char, "", b"")],
            "\"null\" is a Char",
        ),
    ];
    for (name, entries, wanted) in cases {
        let archive = work.join(format!("{name}.tar"));
        raw_tar(&archive, entries);
        let message = refused(&work, &archive, BundleKind::Tar, Limits::default());
        assert!(message.contains(wanted), "{name}: {message}");
    }
    assert!(!tmp.path().join("evil.txt").exists() && !tmp.path().join("a/evil.txt").exists());
    assert!(!Path::new("/tmp/codedeck-evil-abs.txt").exists());
    // A zip slip, and a bomb past the limit.
    let zip = work.join("slip.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).expect("zip"));
    z.start_file("../../evil.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    std::io::Write::write_all(&mut z, b"x").expect("write");
    z.finish().expect("finish");
    assert!(refused(&work, &zip, BundleKind::Zip, Limits::default())
        .contains("refers to a parent directory"));
    let bomb = work.join("bomb.tar");
    raw_tar(
        &bomb,
        &[
            ("appspec.yml", tar::EntryType::Regular, "", APPSPEC),
            ("big", tar::EntryType::Regular, "", &[0u8; 4096]),
        ],
    );
    let small = Limits {
        max_unpacked_bytes: 1024,
        ..Limits::default()
    };
    let message = refused(&work, &bomb, BundleKind::Tar, small);
    assert!(
        message.contains("unpacks to more than 1024 bytes") && message.contains("\"big\""),
        "{message}"
    );
}

#[test]
fn bundles_resolve_under_local_roots() {
    let tmp = tempfile::tempdir().expect("tmp");
    let s3 = tmp.path().join("s3");
    std::fs::create_dir_all(s3.join("artifacts")).expect("mkdir");
    std::fs::write(s3.join("artifacts/app.tar"), b"not really a tar").expect("write");
    let rev = |key: &str, etag: Option<&str>| RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some("artifacts".into()),
            key: Some(key.into()),
            bundle_type: Some(codedeck::model::BundleType::Tar),
            e_tag: etag.map(String::from),
            ..Default::default()
        }),
        ..Default::default()
    };
    let roots = Roots {
        s3: Some(s3.clone()),
        github: None,
    };
    let found = agent::resolve(&rev("app.tar", None), &roots).expect("found");
    assert_eq!(found.path, s3.join("artifacts/app.tar"));
    let missing = agent::resolve(&rev("nope.tar", None), &roots).unwrap_err();
    assert!(
        missing.starts_with("The specified key does not exist: s3://artifacts/nope.tar"),
        "{missing}"
    );
    let no_root = agent::resolve(&rev("app.tar", None), &Roots::default()).unwrap_err();
    assert!(no_root.contains("--s3-root"), "{no_root}");
    let escape = agent::resolve(&rev("../../etc/passwd", None), &roots).unwrap_err();
    assert!(escape.contains("not a plain relative name"), "{escape}");
    // The eTag is the file's MD5; a mismatch fails DownloadBundle in the agent's words.
    let bundle = agent::resolve(
        &rev("app.tar", Some("\"0123456789abcdef0123456789abcdef\"")),
        &roots,
    )
    .expect("found");
    let r = run(job(
        &tmp.path().join("host"),
        "d-ETAG00001",
        "DownloadBundle",
        &bundle,
    ));
    assert!(r.message.starts_with("Expected deployment artifact bundle etag 0123456789abcdef0123456789abcdef but was actually "), "{}", r.message);
    let github = RevisionLocation {
        revision_type: Some(RevisionLocationType::GitHub),
        git_hub_location: Some(codedeck::model::GitHubLocation {
            repository: Some("acme/shop".into()),
            commit_id: Some("abc123".into()),
        }),
        ..Default::default()
    };
    let offline = agent::resolve(&github, &roots).unwrap_err();
    assert!(
        offline.contains("no network access to GitHub") && offline.contains("--github-root"),
        "{offline}"
    );
    let gh_root = tmp.path().join("gh");
    std::fs::create_dir_all(gh_root.join("acme/shop@abc123")).expect("checkout");
    let roots = Roots {
        s3: None,
        github: Some(gh_root.clone()),
    };
    let checkout = agent::resolve(&github, &roots).expect("found");
    assert_eq!(
        (checkout.path, checkout.kind),
        (gh_root.join("acme/shop@abc123"), BundleKind::Directory)
    );
    assert_eq!(
        checkout.env,
        vec![("BUNDLE_COMMIT".to_string(), "abc123".to_string())]
    );
    let _: PathBuf = s3;
}
