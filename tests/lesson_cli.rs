//! `codedeck lesson --check` and `--export` as a teacher uses them, through
//! the real binary and without a terminal.

use std::process::Command;

fn codedeck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .args(args)
        .output()
        .expect("run codedeck")
}

#[test]
fn an_exported_lesson_checks_and_a_typo_is_named_with_its_line() {
    for name in [
        "batches",
        "rollback",
        "alarm",
        "canary",
        "ecs-ready",
        "blue-green",
        "zones",
    ] {
        let out = codedeck(&["lesson", "--export", name]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, &out.stdout).expect("write");
        let path = file.to_string_lossy().to_string();
        let ok = codedeck(&["lesson", "--check", &path]);
        let said = String::from_utf8_lossy(&ok.stdout);
        assert_eq!(
            ok.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(said.contains(": ok ("), "{said}");
    }
    let text = String::from_utf8_lossy(&codedeck(&["lesson", "--export", "alarm"]).stdout).replace(
        "do = \"alarm HighErrorRate on\"",
        "do = \"break i-nonexistent\"",
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, &text).expect("write");
    let path = file.to_string_lossy().to_string();
    let bad = codedeck(&["lesson", "--check", &path]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    let line = text
        .lines()
        .position(|l| l.contains("break i-nonexistent"))
        .expect("line")
        + 1;
    assert!(
        err.contains(&format!(
            "{path}:{line}: do = \"break i-nonexistent\": no host i-nonexistent"
        )),
        "{err}"
    );
    // Running it checks first: the same message, before any terminal is needed.
    let run = codedeck(&["lesson", &path]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no host i-nonexistent"));
    let unknown = codedeck(&["lesson", "--export", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("they are batches"));
}
