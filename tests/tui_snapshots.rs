//! Whole-screen snapshots of the dashboard over the seeded demo world on a
//! fixed virtual clock (80x24 and 120x40), plus colour checks on the buffer.

use codedeck::source::Source;
use codedeck::tui::launch::{demo_source, drive, render};
use codedeck::tui::{ApiStatus, Model};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn model(source: &dyn Source) -> Model {
    let mut m = Model::new(
        source.mode(),
        ApiStatus::Serving("127.0.0.1:4599".into()),
        false,
        true,
    );
    m.color = true;
    m
}

/// The buffer after typing `keys` into a fresh dashboard over the demo world.
fn screen(keys: &str, w: u16, h: u16) -> Buffer {
    let mut source = demo_source();
    let mut m = model(&source);
    render(&mut source, &mut m, w, h).expect("first frame");
    for ch in keys.chars() {
        drive(&mut source, &mut m, ch).expect("key");
    }
    render(&mut source, &mut m, w, h).expect("render")
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

#[test]
fn applications_80x24() {
    insta::assert_snapshot!(text(&screen("", 80, 24)));
}

#[test]
fn groups_80x24() {
    insta::assert_snapshot!(text(&screen("\r", 80, 24)));
}

#[test]
fn deployments_80x24() {
    insta::assert_snapshot!(text(&screen("\r\r", 80, 24)));
}

#[test]
fn deployments_120x40() {
    insta::assert_snapshot!(text(&screen("\r\r", 120, 40)));
}

#[test]
fn failed_timeline_80x24() {
    insta::assert_snapshot!(text(&screen("\r\rj\r", 80, 24)));
}

#[test]
fn failed_timeline_120x40() {
    insta::assert_snapshot!(text(&screen("\r\rj\r", 120, 40)));
}

#[test]
fn diagnostics_120x40() {
    insta::assert_snapshot!(text(&screen("\r\rj\rl", 120, 40)));
}

#[test]
fn help_120x40() {
    insta::assert_snapshot!(text(&screen("?", 120, 40)));
}

#[test]
fn create_form_80x24() {
    insta::assert_snapshot!(text(&screen("\r\rn", 80, 24)));
}

#[test]
fn filtered_failed_80x24() {
    insta::assert_snapshot!(text(&screen("\r\r/status:failed\r", 80, 24)));
}

#[test]
fn failed_is_red_and_succeeded_green() {
    let buf = screen("\r\r", 120, 40);
    let (x, y) = find(&buf, "✖ Failed").expect("a failed deployment is listed");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert_eq!(buf[(x + 2, y)].fg, Color::Red);
    let (x, y) = find(&buf, "✔ Succeeded").expect("a succeeded deployment is listed");
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[test]
fn no_color_keeps_glyphs_and_words_but_drops_colours() {
    let mut source = demo_source();
    let mut m = model(&source);
    m.color = false;
    for ch in "\r\r".chars() {
        drive(&mut source, &mut m, ch).expect("key");
    }
    let buf = render(&mut source, &mut m, 120, 40).expect("render");
    let (x, y) = find(&buf, "✖ Failed").expect("glyph and word remain");
    assert_eq!(buf[(x, y)].fg, Color::Reset);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            assert!(
                matches!(buf[(x, y)].fg, Color::Reset) && matches!(buf[(x, y)].bg, Color::Reset),
                "colour at {x},{y}"
            );
        }
    }
}
