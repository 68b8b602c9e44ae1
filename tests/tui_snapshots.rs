//! Whole-screen snapshots of the dashboard over the seeded demo world on a
//! fixed virtual clock (80x24 and 120x40), plus colour checks on the buffer.

use codedeck::runtime::Runtime;
use codedeck::tui::harness::Harness;
use codedeck::tui::ApiStatus;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// A fresh dashboard over the demo world at `w` x `h`, in colour.
fn harness(w: u16, h: u16) -> Harness {
    harness_and_clock(w, h).0
}

/// The dashboard and the demo world's runtime, whose fixed clock a test steps.
fn harness_and_clock(w: u16, h: u16) -> (Harness, Runtime) {
    let source = codedeck::demo::source().expect("demo");
    let runtime = source.runtime().clone();
    let api = ApiStatus::Serving("127.0.0.1:4599".into());
    let d = Harness::new(source, api, false, (w, h)).expect("first frame");
    (d, runtime)
}

/// The buffer after typing `keys` into a fresh dashboard over the demo world.
fn screen(keys: &str, w: u16, h: u16) -> Buffer {
    let mut d = harness(w, h);
    d.keys(keys).expect("keys");
    d.render(w, h).expect("render")
}

/// Like `screen`, then lets the fixed clock run `steps` scheduled wake-ups.
fn screen_after(keys: &str, w: u16, h: u16, steps: usize) -> Buffer {
    let (mut d, runtime) = harness_and_clock(w, h);
    d.keys(keys).expect("keys");
    for _ in 0..steps {
        runtime.step();
    }
    d.render(w, h).expect("render")
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The cell where `needle` starts on the screen.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let first = needle.chars().next()?.to_string();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() != first {
                continue;
            }
            let mut s = String::new();
            for dx in 0..needle.chars().count() as u16 {
                if x + dx < buf.area.width {
                    s.push_str(buf[(x + dx, y)].symbol());
                }
            }
            if s == needle {
                return Some((x, y));
            }
        }
    }
    None
}

/// Keys from the applications list (sorted: checkout-fn, storefront, web-shop;
/// web-shop's groups: api, blue-green, prod, staging; deployments newest first).
const PROD: &str = "G\rjj\r";
/// prod's newest deployment is the rollback; the one before it failed.
const FAILED: &str = "G\rjj\rj\r";
const CANARY: &str = "\r\r\r";
const ECS: &str = "j\r\r\r";
const BLUE_GREEN: &str = "G\rj\r\r";

#[test]
fn applications_80x24() {
    insta::assert_snapshot!(text(&screen("", 80, 24)));
}

/// The LAST column at 160 columns: each application's worst group.
#[test]
fn applications_160x40() {
    insta::assert_snapshot!(text(&screen("", 160, 40)));
}

/// The LAST column at 160 columns: each group's newest deployment.
#[test]
fn groups_160x40() {
    insta::assert_snapshot!(text(&screen("G\r", 160, 40)));
}

/// `:failed`: every application's failed deployments, each naming where.
#[test]
fn failed_everywhere_80x24() {
    insta::assert_snapshot!(text(&screen(":failed\r", 80, 24)));
}

/// The command line offering completions.
#[test]
fn command_line_completion_80x24() {
    insta::assert_snapshot!(text(&screen(":blue\t", 80, 24)));
}

#[test]
fn groups_80x24() {
    insta::assert_snapshot!(text(&screen("G\r", 80, 24)));
}

#[test]
fn deployments_80x24() {
    insta::assert_snapshot!(text(&screen(PROD, 80, 24)));
}

#[test]
fn deployments_120x40() {
    insta::assert_snapshot!(text(&screen(PROD, 120, 40)));
}

#[test]
fn failed_timeline_80x24() {
    insta::assert_snapshot!(text(&screen(FAILED, 80, 24)));
}

#[test]
fn failed_timeline_120x40() {
    insta::assert_snapshot!(text(&screen(FAILED, 120, 40)));
}

#[test]
fn diagnostics_120x40() {
    insta::assert_snapshot!(text(&screen(&format!("{FAILED}l"), 120, 40)));
}

#[test]
fn help_120x40() {
    insta::assert_snapshot!(text(&screen("?", 120, 40)));
}

#[test]
fn help_80x24() {
    let screen = text(&screen("?", 80, 24));
    // Every key fits: the compact help lists them in two columns.
    for b in codedeck::tui::keymap::KEYMAP {
        assert!(screen.contains(b.label), "{} missing:\n{screen}", b.label);
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn create_form_80x24() {
    insta::assert_snapshot!(text(&screen(&format!("{PROD}n"), 80, 24)));
}

#[test]
fn filtered_failed_80x24() {
    insta::assert_snapshot!(text(&screen(&format!("{PROD}/status:failed\r"), 80, 24)));
}

#[test]
fn lambda_canary_traffic_120x40() {
    let buf = screen(CANARY, 120, 40);
    let screen = text(&buf);
    assert!(screen.contains("version 2 90%"), "{screen}");
    assert!(screen.contains("10% version 3"), "{screen}");
    assert!(screen.contains("next shift in 4m37s"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn lambda_canary_traffic_80x24() {
    insta::assert_snapshot!(text(&screen(CANARY, 80, 24)));
}

#[test]
fn lambda_timeline_footer_160x45() {
    let screen = text(&screen(CANARY, 160, 45));
    let footer = screen.lines().nth(44).expect("45 lines");
    // Every key that applies, as far as 160 columns go, `f` as a hook fault.
    for key in ["? help", "space resume", "f fail hook"] {
        assert!(footer.contains(key), "{key:?} missing from {footer:?}");
    }
    assert!(screen.contains("⏭ next: a 4m37s wait, then"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn config_picker_filtered_80x24() {
    // checkout-fn (Lambda): the form's config field offers Lambda configs;
    // typing filters them.
    let screen = text(&screen("\r\rn\t\tlinear", 80, 24));
    assert!(screen.contains("Linear"), "{screen}");
    assert!(!screen.contains("Canary 10% / 5 min ▸"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn config_picker_120x40() {
    insta::assert_snapshot!(text(&screen("\r\rn\t\t", 120, 40)));
}

#[test]
fn event_log_of_the_selection_and_of_everything_120x40() {
    // The failed deployment's own events, then every event (`e`), taller (`L`).
    let own = text(&screen(FAILED, 120, 40));
    let all = text(&screen(&format!("{FAILED}eL"), 120, 40));
    assert!(own.contains("Events(d-"), "{own}");
    assert!(all.contains(" Events["), "{all}");
    insta::assert_snapshot!("event_log_all_taller_120x40", all);
}

#[test]
fn ecs_traffic_120x40() {
    insta::assert_snapshot!(text(&screen(ECS, 120, 40)));
}

#[test]
fn blue_green_waiting_120x40() {
    let screen = text(&screen(BLUE_GREEN, 120, 40));
    assert!(screen.contains("Green · replacement[4]"), "{screen}");
    assert!(screen.contains("Blue · original[4]"), "{screen}");
    assert!(screen.contains("press C"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn blue_green_waiting_80x24() {
    insta::assert_snapshot!(text(&screen(BLUE_GREEN, 80, 24)));
}

#[test]
fn continue_key_reroutes_the_waiting_blue_green_deployment() {
    // C asks first (Cancel focused), → moves to the action, Enter confirms.
    let screen = text(&screen(&format!("{BLUE_GREEN}C\x1b"), 120, 40));
    assert!(screen.contains("Ready"), "esc cancels: {screen}");
    let after = text(&screen_after(&format!("{BLUE_GREEN}C\t\r"), 120, 40, 1));
    assert!(after.contains("◌ InProgress"), "{after}");
    assert!(
        after.contains("Phase   rerouting traffic to the replacement"),
        "{after}"
    );
    assert!(!after.contains("press C"), "{after}");
}

#[test]
fn weight_bar_colours_original_blue_and_replacement_green() {
    let buf = screen(CANARY, 120, 40);
    let (x, y) = find(&buf, "▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒").expect("original part of the bar");
    assert_eq!(buf[(x, y)].fg, Color::Blue);
    let (x, y) = find(&buf, "███").expect("replacement part of the bar");
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[test]
fn failed_is_red_and_succeeded_green() {
    let buf = screen(PROD, 120, 40);
    let (x, y) = find(&buf, "✖ Failed").expect("a failed deployment is listed");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert_eq!(buf[(x + 2, y)].fg, Color::Red);
    let (x, y) = find(&buf, "✔ Succeeded").expect("a succeeded deployment is listed");
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[test]
fn no_color_keeps_glyphs_and_words_but_drops_colours() {
    for keys in [PROD, CANARY, BLUE_GREEN] {
        let mut d = harness(120, 40);
        d.model.color = false;
        d.keys(keys).expect("keys");
        let buf = d.render(120, 40).expect("render");
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                assert!(
                    matches!(buf[(x, y)].fg, Color::Reset)
                        && matches!(buf[(x, y)].bg, Color::Reset),
                    "colour at {x},{y} after {keys:?}"
                );
            }
        }
    }
    let mut d = harness(120, 40);
    d.model.color = false;
    d.keys(PROD).expect("keys");
    let buf = d.render(120, 40).expect("render");
    find(&buf, "✖ Failed").expect("glyph and word remain");
}

#[test]
fn readme_keys_table_is_the_keymap() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- keys:start -->\n")
        .expect("keys start marker")
        + 20;
    let end = readme.find("<!-- keys:end -->").expect("keys end marker");
    assert_eq!(
        &readme[start..end],
        codedeck::tui::keymap::markdown(),
        "README keys differ from the keymap: paste `codedeck keys` between the markers"
    );
}

#[test]
fn readme_glyphs_are_the_legend() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- glyphs:start -->")
        .expect("glyphs start marker");
    let end = readme
        .find("<!-- glyphs:end -->")
        .expect("glyphs end marker");
    let table = &readme[start..end];
    for (glyph, meaning) in codedeck::tui::theme::LEGEND {
        assert!(
            table.contains(&format!("| `{glyph}` | {meaning} |")),
            "README lacks {glyph} {meaning}"
        );
    }
}

/// The help lists the keys inside popups, and scrolls to the legend when the
/// terminal is too short for all of it.
#[test]
fn help_lists_popup_keys_and_scrolls() {
    let top = text(&screen("?", 120, 40));
    assert!(top.contains("j/k scroll"), "{top}");
    assert!(!top.contains("world change"), "{top}");
    let scrolled = text(&screen("?jjjjjjjjjj", 120, 40));
    assert!(
        scrolled.contains("Confirmation (Cancel is the default)"),
        "{scrolled}"
    );
    assert!(scrolled.contains("world change"), "{scrolled}");
}
