//! The README's pictures are what the dashboard draws now: each is made again
//! here, on the demo world's fixed clock, and must equal the committed file
//! (as the keys table must equal the keymap). `demo.tape` tells the tour's
//! story for VHS, waiting on the texts the tour checks.

use std::path::Path;

use codedeck::cli::screenshot;
use codedeck::tui::tour::{TourStep, DEMO};

fn committed(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Equal, or a short failure naming the command that makes the file again
/// (the whole SVG in an assertion message helps nobody).
fn assert_fresh(file: &str, made: &str, command: &str) {
    let old = committed(file);
    assert!(
        old == made,
        "{file} is stale ({} bytes committed, {} drawn now): run `{command}` and commit it",
        old.len(),
        made.len()
    );
}

#[test]
fn tour_svg_is_what_the_dashboard_draws() {
    let made = screenshot::tour_svg().expect("the tour plays");
    assert_fresh(
        screenshot::TOUR_FILE,
        &made,
        "cargo run -- screenshot --tour",
    );
}

#[test]
fn still_svg_is_what_the_dashboard_draws() {
    let made = screenshot::still_svg().expect("the still renders");
    assert_fresh(screenshot::STILL_FILE, &made, "cargo run -- screenshot");
}

#[test]
fn tour_plays_in_an_img_and_stays_small() {
    let svg = committed(screenshot::TOUR_FILE);
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    assert!(!svg.contains("<script"), "GitHub's <img> runs no script");
    assert!(svg.contains("@keyframes") && svg.contains("infinite"));
}

#[test]
fn readme_opens_with_the_tour() {
    let readme = include_str!("../README.md");
    let first = readme.find("![").expect("an image");
    assert!(
        readme[first..].starts_with("![codedeck at work")
            && readme[first..].contains("](assets/demo.svg)"),
        "the README's first picture is the tour"
    );
    assert!(readme.contains("cargo run -- screenshot --tour"));
}

/// The texts `demo.tape` waits for (`Wait+Screen /regex/`, its escapes undone).
fn tape_waits() -> Vec<String> {
    include_str!("../demo.tape")
        .lines()
        .filter_map(|l| l.strip_prefix("Wait+Screen /")?.strip_suffix('/'))
        .map(|re| re.replace('\\', ""))
        .collect()
}

#[test]
fn demo_tape_tells_the_tours_story() {
    let checks: Vec<String> = DEMO
        .iter()
        .filter_map(|s| match s {
            TourStep::Expect(t) | TourStep::Until(t, _) => Some(t.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        tape_waits(),
        checks,
        "demo.tape's Wait+Screen texts and the tour's checks (src/tui/tour.rs) differ"
    );
}
