//! A screen as SVG, drawn from the dashboard's own buffer: the README image.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Cell size in SVG units.
const CW: f32 = 8.4;
const CH: f32 = 17.0;

/// The 16 terminal colours, as a dark theme shows them.
fn rgb(c: Color, fg: bool) -> &'static str {
    match c {
        Color::Black => "#1e1e1e",
        Color::Red | Color::LightRed => "#f14c4c",
        Color::Green | Color::LightGreen => "#23d18b",
        Color::Yellow | Color::LightYellow => "#f5f543",
        Color::Blue | Color::LightBlue => "#3b8eea",
        Color::Magenta | Color::LightMagenta => "#d670d6",
        Color::Cyan | Color::LightCyan => "#29b8db",
        Color::Gray | Color::DarkGray => "#808080",
        Color::White => "#e5e5e5",
        _ if fg => "#cccccc",
        _ => "#1e1e1e",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders every cell of `buf` as SVG text on a dark background.
pub fn svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\">\n<rect width=\"100%\" height=\"100%\" fill=\"#1e1e1e\"/>\n",
        f32::from(w) * CW,
        f32::from(h) * CH
    );
    for y in 0..h {
        for x in 0..w {
            let cell = &buf[(x, y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (rgb(cell.fg, true), rgb(cell.bg, false));
            if reversed {
                std::mem::swap(&mut fg, &mut bg);
                if cell.fg == Color::Reset {
                    bg = "#cccccc";
                }
            }
            let (px, py) = (f32::from(x) * CW, f32::from(y) * CH);
            if bg != "#1e1e1e" {
                out.push_str(&format!(
                    "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{CW}\" height=\"{CH}\" fill=\"{bg}\"/>\n"
                ));
            }
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let opacity = if cell.modifier.contains(Modifier::DIM) {
                " opacity=\"0.6\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<text x=\"{px:.1}\" y=\"{:.1}\" fill=\"{fg}\"{weight}{opacity}>{}</text>\n",
                py + CH - 4.0,
                escape(sym)
            ));
        }
    }
    out.push_str("</svg>\n");
    out
}
