//! A screen as SVG, drawn from the dashboard's own buffer: the README's still
//! picture, and the cells the animated tour ([`super::animation`]) is made of.
//!
//! Neighbouring cells of one look become one `<text>` whose `textLength`
//! pins it to the grid, whatever monospace font the viewer has; symbols a
//! font may draw wider (✔, ◌, ⏸ …) stand alone at their own cell.

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

/// Cell size in SVG units.
pub const CW: f32 = 8.4;
pub const CH: f32 = 17.0;

/// The terminal's colours as a dark theme shows them; a cell's colour is an
/// index here, its CSS class `c<i>`. 0 is the background, 9 the default text.
const PALETTE: [&str; 10] = [
    "#1e1e1e", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#808080",
    "#e5e5e5", "#cccccc",
];
const BG: u8 = 0;
const FG: u8 = 9;

/// The 16 terminal colours (the light ones as the normal ones) in the palette.
fn colour(c: Color, fg: bool) -> u8 {
    match c {
        Color::Black => 0,
        Color::Red | Color::LightRed => 1,
        Color::Green | Color::LightGreen => 2,
        Color::Yellow | Color::LightYellow => 3,
        Color::Blue | Color::LightBlue => 4,
        Color::Magenta | Color::LightMagenta => 5,
        Color::Cyan | Color::LightCyan => 6,
        Color::Gray | Color::DarkGray => 7,
        Color::White => 8,
        _ if fg => FG,
        _ => BG,
    }
}

/// How a cell looks: colours after REVERSED, bold, dim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    fg: u8,
    bg: u8,
    bold: bool,
    dim: bool,
}

fn look(cell: &Cell) -> Look {
    let (mut fg, mut bg) = (colour(cell.fg, true), colour(cell.bg, false));
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
        if cell.fg == Color::Reset {
            bg = FG;
        }
    }
    Look {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        dim: cell.modifier.contains(Modifier::DIM),
    }
}

/// True when two cells draw the same.
pub fn same(a: &Cell, b: &Cell) -> bool {
    a.symbol() == b.symbol() && look(a) == look(b)
}

/// A coordinate, short: `8.4`, `17`.
pub fn num(v: f32) -> String {
    // -0 is 0.
    let v = if v == 0.0 { 0.0 } else { v };
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => s,
    }
}

/// Symbols every monospace font draws on the grid: ASCII, box drawing, blocks.
fn gridded(sym: &str) -> bool {
    sym.chars()
        .all(|c| c.is_ascii() || ('\u{2500}'..='\u{259f}').contains(&c))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Space around the screen, as a terminal window leaves.
const PAD: f32 = 10.0;

/// The SVG every picture starts with: size, font, colour classes, a dark
/// window, and the screen inside it (which clips what lies beyond).
pub fn open(width: u16, height: u16, extra_style: &str) -> String {
    let mut style =
        String::from("text{fill:#cccccc;white-space:pre}.b{font-weight:bold}.d{opacity:.6}");
    for (i, rgb) in PALETTE.iter().enumerate() {
        style.push_str(&format!(".c{i}{{fill:{rgb}}}"));
    }
    style.push_str(extra_style);
    let (w, h) = (f32::from(width) * CW, f32::from(height) * CH);
    let (ow, oh) = (num(w + 2.0 * PAD), num(h + 2.0 * PAD));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{ow}\" height=\"{oh}\" viewBox=\"0 0 {ow} {oh}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\" xml:space=\"preserve\">\n<style>{style}</style>\n<rect width=\"100%\" height=\"100%\" rx=\"6\" class=\"c0\"/>\n<svg x=\"{PAD}\" y=\"{PAD}\" width=\"{}\" height=\"{}\">\n",
        num(w),
        num(h)
    )
}

/// The end of what [`open`] began.
pub const CLOSE: &str = "</svg>\n</svg>\n";

/// Draws cells `from..to` of row `y`: a background rect per run of one
/// non-default background (all of them with `cover`, to paint over an
/// earlier frame), then the text.
pub fn row(buf: &Buffer, y: u16, (from, to): (u16, u16), cover: bool, out: &mut String) {
    let py = f32::from(y) * CH;
    let mut x = from;
    while x < to {
        let bg = look(&buf[(x, y)]).bg;
        let start = x;
        while x < to && look(&buf[(x, y)]).bg == bg {
            x += 1;
        }
        if bg != BG || cover {
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{CH}\" class=\"c{bg}\"/>\n",
                num(f32::from(start) * CW),
                num(py),
                num(f32::from(x - start) * CW)
            ));
        }
    }
    let mut x = from;
    while x < to {
        let (len, text) = run(buf, x, y, to);
        if !text.trim().is_empty() {
            text_at(buf, (x, y), len, &text, out);
        }
        x += len.max(1);
    }
}

/// The run of cells from `x` on row `y` that one `<text>` can draw: its
/// length in cells and its text.
fn run(buf: &Buffer, x: u16, y: u16, to: u16) -> (u16, String) {
    let first = &buf[(x, y)];
    let mut text = first.symbol().to_string();
    // A symbol that may not fit the grid, or the hidden half of a wide one.
    if !gridded(first.symbol()) || text.is_empty() {
        return (1, text);
    }
    let mut end = x + 1;
    while end < to {
        let c = &buf[(end, y)];
        if look(c) != look(first) || !gridded(c.symbol()) || c.symbol().is_empty() {
            break;
        }
        text.push_str(c.symbol());
        end += 1;
    }
    (end - x, text)
}

/// One `<text>` for a run of `len` cells at `(x, y)`, the blank cells at
/// its ends left out.
fn text_at(buf: &Buffer, (x, y): (u16, u16), len: u16, text: &str, out: &mut String) {
    let lead = (text.len() - text.trim_start_matches(' ').len()) as u16;
    let trail = (text.len() - text.trim_end_matches(' ').len()) as u16;
    let body = text.trim_matches(' ');
    let (x, cells) = (x + lead, len - lead - trail);
    let l = look(&buf[(x, y)]);
    let mut classes = Vec::new();
    if l.fg != FG {
        classes.push(format!("c{}", l.fg));
    }
    for (on, name) in [(l.bold, "b"), (l.dim, "d")] {
        if on {
            classes.push(name.to_string());
        }
    }
    let class = if classes.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", classes.join(" "))
    };
    let fit = if cells > 1 {
        format!(" textLength=\"{}\"", num(f32::from(cells) * CW))
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\"{class}{fit}>{}</text>\n",
        num(f32::from(x) * CW),
        num(f32::from(y) * CH + CH - 4.0),
        escape(body)
    ));
}

/// The whole screen's cells (without the SVG around them).
pub fn cells(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        row(buf, y, (0, buf.area.width), false, &mut out);
    }
    out
}

/// Renders every cell of `buf` as SVG text on a dark background.
pub fn svg(buf: &Buffer) -> String {
    let mut out = open(buf.area.width, buf.area.height, "");
    out.push_str(&cells(buf));
    out.push_str(CLOSE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn a_run_of_one_look_is_one_text_pinned_to_the_grid_and_symbols_stand_alone() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 1));
        buf.set_string(1, 0, "ab  c<d ✔ x", Style::default());
        let svg = cells(&buf);
        assert!(
            svg.contains("<text x=\"8.4\" y=\"13\" textLength=\"58.8\">ab  c&lt;d</text>"),
            "{svg}"
        );
        assert!(svg.contains("<text x=\"75.6\" y=\"13\">✔</text>"), "{svg}");
        assert!(svg.contains("<text x=\"92.4\" y=\"13\">x</text>"), "{svg}");
    }
}
