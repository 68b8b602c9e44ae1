//! Dashboard frames as one animated SVG that plays inside GitHub's `<img>`:
//! no script. The frames stand side by side in a strip that one CSS
//! animation slides past the view, holding each for its time (`steps(1)`),
//! in a loop.
//!
//! Small by construction: neighbouring equal frames are one, a frame seen
//! before is used again, and a frame close to the last full one draws only
//! the rows that changed over it.

use std::collections::HashMap;

use ratatui::buffer::Buffer;

use super::screenshot::{self, num, CW};

/// One picture of the screen and how long it stays.
pub struct Frame {
    pub buf: Buffer,
    pub ms: u32,
}

/// A change drawn over the last full frame costs at most this share of
/// drawing the frame whole; beyond it the frame is drawn whole.
const DELTA_SHARE: usize = 2;

/// The animated SVG of `frames`, `title` its accessible name.
pub fn svg(frames: &[Frame], title: &str) -> String {
    let Some(first) = frames.first() else {
        return screenshot::svg(&Buffer::empty(Default::default()));
    };
    let (w, h) = (first.buf.area.width, first.buf.area.height);
    let mut defs = Defs::default();
    // (definition, ms) per place in the strip.
    let mut strip: Vec<(usize, u32)> = Vec::new();
    for f in frames {
        let id = defs.id(&f.buf);
        match strip.last_mut() {
            Some((last, ms)) if *last == id => *ms += f.ms,
            _ => strip.push((id, f.ms)),
        }
    }
    let total: u32 = strip.iter().map(|(_, ms)| ms).sum();
    let style = format!(
        "#s{{animation:t {}s steps(1,end) infinite}}@keyframes t{{{}}}",
        f64::from(total) / 1000.0,
        keyframes(&strip, f32::from(w) * CW)
    );
    let mut out = screenshot::open(w, h, &style);
    out.push_str(&format!(
        "<title>{title}</title>\n<defs>\n{}</defs>\n<g id=\"s\">\n",
        defs.out
    ));
    for (i, (id, _)) in strip.iter().enumerate() {
        let x = num(i as f32 * f32::from(w) * CW);
        out.push_str(&format!("<use href=\"#f{id}\" x=\"{x}\"/>\n"));
    }
    out.push_str("</g>\n");
    out.push_str(screenshot::CLOSE);
    out
}

/// Where the strip stands from each frame's start on, as a share of the loop.
fn keyframes(strip: &[(usize, u32)], width: f32) -> String {
    let total: u32 = strip.iter().map(|(_, ms)| ms).sum();
    let mut out = String::new();
    let mut at = 0u32;
    let place = |i: usize| format!("{{transform:translateX({}px)}}", num(-(i as f32) * width));
    for (i, (_, ms)) in strip.iter().enumerate() {
        let pct = f64::from(at) * 100.0 / f64::from(total.max(1));
        let pct = format!("{pct:.3}");
        let pct = pct.trim_end_matches('0').trim_end_matches('.');
        out.push_str(&format!("{pct}%{}", place(i)));
        at += ms;
    }
    out.push_str(&format!("100%{}", place(strip.len().saturating_sub(1))));
    out
}

/// The frames defined so far, each once.
#[derive(Default)]
struct Defs {
    out: String,
    /// A frame's cells as drawn whole -> its definition.
    seen: HashMap<String, usize>,
    /// The last frame drawn whole: the next ones draw over it.
    key: Option<(usize, Buffer)>,
}

impl Defs {
    /// The definition that draws `buf`, made if it is new.
    fn id(&mut self, buf: &Buffer) -> usize {
        let whole = screenshot::cells(buf);
        if let Some(id) = self.seen.get(&whole) {
            return *id;
        }
        let id = self.seen.len();
        let over = self.key.as_ref().and_then(|(key, kb)| {
            let d = delta(kb, buf);
            (d.len() * DELTA_SHARE <= whole.len()).then(|| format!("<use href=\"#f{key}\"/>\n{d}"))
        });
        let body = match over {
            Some(over) => over,
            None => {
                self.key = Some((id, buf.clone()));
                whole.clone()
            }
        };
        self.out
            .push_str(&format!("<g id=\"f{id}\">\n{body}</g>\n"));
        self.seen.insert(whole, id);
        id
    }
}

/// What `to` draws over `from`: on each row that changed, the span from its
/// first to its last changed cell, its old look painted over.
fn delta(from: &Buffer, to: &Buffer) -> String {
    let mut out = String::new();
    if from.area != to.area {
        return screenshot::cells(to);
    }
    for y in 0..to.area.height {
        let changed: Vec<u16> = (0..to.area.width)
            .filter(|&x| !screenshot::same(&from[(x, y)], &to[(x, y)]))
            .collect();
        let (Some(&first), Some(&last)) = (changed.first(), changed.last()) else {
            continue;
        };
        // A symbol that may spill over its cell is drawn again with the span.
        let first = first.saturating_sub(1);
        screenshot::row(to, y, (first, last + 1), true, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn frame(text: &str, ms: u32) -> Frame {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 3));
        buf.set_string(0, 0, "codedeck ✔ ◌ ✖ ◷", Style::default());
        buf.set_string(0, 1, text, Style::default());
        buf.set_string(0, 2, "a b c d e f g h i j", Style::default());
        Frame { buf, ms }
    }

    #[test]
    fn equal_frames_are_defined_once_and_a_change_draws_over_the_last_whole_one() {
        let frames = [
            frame("deploying", 100),
            frame("deploying", 100),
            frame("deployed", 100),
            frame("deploying", 100),
        ];
        let svg = svg(&frames, "t");
        assert_eq!(svg.matches("<g id=\"f").count(), 2, "{svg}");
        assert!(
            svg.contains("<g id=\"f1\">\n<use href=\"#f0\"/>\n<rect x=\"42\" y=\"17\""),
            "{svg}"
        );
        // Three places in the strip: 200 ms, 100 ms, 100 ms.
        assert!(
            svg.contains("animation:t 0.4s steps(1,end) infinite"),
            "{svg}"
        );
        assert!(svg.contains("0%{transform:translateX(0px)}50%{transform:translateX(-168px)}75%"));
        assert_eq!(svg.matches("<use href=\"#f0\" x=").count(), 2);
    }
}
