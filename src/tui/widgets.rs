//! Small pieces every screen draws with: elapsed times, the overview bar,
//! the rows of a list that fit, text wrapped between words.

use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};

use super::model::{visible_offset, Cursor};
use super::theme::{self, Theme};
use crate::model::time::Millis;
use crate::model::DeploymentOverview;

/// Elapsed time: start to end, or start to now while running.
pub fn elapsed(start: Option<Millis>, end: Option<Millis>, now: Millis) -> String {
    match (start, end) {
        (Some(s), Some(e)) => theme::duration(e - s),
        (Some(s), None) => theme::duration(now - s),
        _ => "-".into(),
    }
}

/// A segmented bar of the overview counts: █ succeeded, ▓ failed, ▒ running,
/// ░ skipped, · pending (shapes differ, so it reads without colour too).
pub fn progress(o: &DeploymentOverview, width: usize, t: Theme) -> Line<'static> {
    let parts = [
        (o.succeeded, '█', Color::Green),
        (o.failed, '▓', Color::Red),
        (o.in_progress, '▒', Color::Cyan),
        (o.ready, '▒', Color::Magenta),
        (o.skipped, '░', Color::Reset),
        (o.pending, '·', Color::Reset),
    ];
    let total: i64 = parts.iter().map(|p| p.0.unwrap_or(0)).sum();
    if total == 0 {
        return Line::from("·".repeat(width));
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (i, (n, ch, color)) in parts.iter().enumerate() {
        let n = n.unwrap_or(0);
        let mut cells = (n as usize * width)
            .div_ceil(total as usize)
            .min(width - used);
        if i == parts.len() - 1 {
            cells = width - used;
        }
        if cells > 0 {
            spans.push(Span::styled(ch.to_string().repeat(cells), t.fg(*color)));
            used += cells;
        }
    }
    Line::from(spans)
}

/// The rows of a list that fit in `area` (a top border and a header row).
pub fn window(c: Cursor, len: usize, area: Rect) -> std::ops::Range<usize> {
    let page = area.height.saturating_sub(2) as usize;
    let offset = visible_offset(c, page).min(len);
    offset..(offset + page).min(len)
}

/// `text` in lines of at most `width` cells, broken between words, at most
/// `most` lines (the last one ends in `…` when text is left over).
pub fn wrap_words(text: &str, width: usize, most: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last().map_or(0, |l| l.chars().count());
        let len = word.chars().count();
        if cur > 0 && cur + 1 + len > width {
            if lines.len() == most {
                let last = lines.last_mut().expect("a line");
                let keep: String = last.chars().take(width.saturating_sub(1)).collect();
                *last = format!("{keep}…");
                break;
            }
            lines.push(String::new());
        }
        let line = lines.last_mut().expect("a line");
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    // A word longer than the line is cut visibly, never silently.
    for l in lines.iter_mut() {
        if l.chars().count() > width {
            let keep: String = l.chars().take(width.saturating_sub(1)).collect();
            *l = format!("{keep}…");
        }
    }
    lines
}
