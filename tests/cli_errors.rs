//! Bad input to the real binary: each mistake gets one precise line naming
//! what is wrong and what to do, never a panic, a repeated cause or a
//! position that points elsewhere.

use std::path::Path;
use std::process::{Command, Output};

fn codedeck(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .args(args)
        .current_dir(dir)
        .env_remove("CODEDECK_STATE")
        .env("TMPDIR", dir)
        .output()
        .expect("run codedeck")
}

/// The one error line: exit status 1 (64 for usage), stderr as text.
fn refused(args: &[&str], dir: &Path) -> String {
    let o = codedeck(args, dir);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{args:?} was accepted: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {err}"
    );
    err.trim_end().to_string()
}

#[test]
fn a_fleet_files_unknown_key_is_pointed_at_with_the_valid_keys() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fleet = tmp.path().join("fleet.toml");
    let text = "[defaults]\njitter = 0.1\n\n[[instance]]\nname = \"a\"\n\n[[instance]]\n\
                name = \"web-1\"\ntags = { env = \"prod\" }\n\nfial = \"Install\"\n";
    std::fs::write(&fleet, text).expect("fleet");
    let fleet = fleet.to_str().expect("utf-8");
    let err = refused(
        &["serve", "--state", ":memory:", "--fleet", fleet],
        tmp.path(),
    );
    assert!(
        err.contains("fleet.toml: line 11, column 1: unknown field `fial`"),
        "{err}"
    );
    assert!(
        err.contains("expected one of `id`, `name`") && err.contains("`fail`"),
        "{err}"
    );
    assert!(err.ends_with("(did you mean `fail`?)"), "{err}");
}

#[test]
fn a_fleet_files_wrong_type_names_its_key() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fleet = tmp.path().join("fleet.toml");
    std::fs::write(&fleet, "[[instance]]\nname = \"a\"\nfail = 3\n").expect("fleet");
    let fleet = fleet.to_str().expect("utf-8");
    let err = refused(
        &["serve", "--state", ":memory:", "--fleet", fleet],
        tmp.path(),
    );
    assert!(
        err.contains("line 3, column 8: fail: invalid type: integer `3`, expected a string"),
        "{err}"
    );
}

#[test]
fn a_directory_as_state_file_says_to_name_a_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(tmp.path().join("states")).expect("dir");
    let err = refused(&["serve", "--state", "states"], tmp.path());
    assert_eq!(
        err,
        "codedeck: state file states is a directory: name a file in it, e.g. --state states/state.db"
    );
}

#[test]
fn a_corrupt_state_file_says_so_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("state.db");
    drop(codedeck::store::Store::open(&path).expect("a state file"));
    // Keep SQLite's header, break the schema page after it.
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[100..400].fill(0xff);
    std::fs::write(&path, bytes).expect("corrupt");
    let err = refused(&["serve", "--state", "state.db"], tmp.path());
    assert!(err.contains("state file state.db is corrupt"), "{err}");
    assert!(err.ends_with("move it aside to start afresh"), "{err}");
    assert_eq!(err.matches("malformed").count(), 1, "{err}");
}

#[test]
fn a_negative_speed_must_be_positive() {
    let tmp = tempfile::tempdir().expect("tmp");
    for args in [
        vec!["--speed", "-5", "--state", ":memory:"],
        vec!["serve", "--speed", "-5", "--state", ":memory:"],
        vec!["serve", "--speed=-5", "--state", ":memory:"],
    ] {
        let err = refused(&args, tmp.path());
        assert_eq!(
            err, "codedeck: --speed -5: must be a positive number",
            "{args:?}"
        );
    }
}

#[test]
fn read_only_help_says_the_api_still_accepts_changes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = codedeck(&["--help"], tmp.path());
    let help = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("The API (unless --no-api) still accepts changes"),
        "{help}"
    );
}
