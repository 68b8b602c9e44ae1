//! Popups: help (from the keymap), confirmations, the create form, diagnostics.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::KEYMAP;
use super::model::*;
use super::theme::Theme;
use crate::model::*;

pub fn draw(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    match &m.popup {
        None => {}
        Some(Popup::Help) => help(m, t, f, area),
        Some(Popup::Confirm(c)) => confirm(c, t, f, area),
        Some(Popup::Form(form)) => create_form(form, t, f, area),
        Some(Popup::Diagnostics) => diagnostics(m, t, f, area),
    }
}

/// A centred box of at most `w` x `h`, cleared.
fn boxed(f: &mut Frame, area: Rect, w: u16, h: u16, title: &str, t: Theme) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), t.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

fn help(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let full = KEYMAP.len() as u16 + 3;
    // Short of room (80x24), the keys go in two columns with their short names.
    let compact = area.height < full + 2;
    let rows = if compact {
        KEYMAP.len().div_ceil(2) as u16 + 3
    } else {
        full
    };
    let inner = boxed(f, area, 110, rows, "Keys (esc closes)", t);
    let entry = |b: &super::keymap::Binding, w: usize| -> Vec<Span<'static>> {
        let off = m.read_only && b.changes();
        let style = if off { t.dim() } else { Style::new() };
        let text = if compact { b.short } else { b.help };
        let text = format!("{text}{}", if off { " (read-only)" } else { "" });
        vec![
            Span::styled(format!("{:<11}", b.label), t.title()),
            Span::styled(format!("{text:<w$}"), style),
        ]
    };
    let mut lines: Vec<Line> = if compact {
        let half = KEYMAP.len().div_ceil(2);
        let w = (inner.width as usize / 2).saturating_sub(11);
        (0..half)
            .map(|i| {
                let mut spans = entry(&KEYMAP[i], w);
                if let Some(b) = KEYMAP.get(i + half) {
                    spans.extend(entry(b, 0));
                }
                Line::from(spans)
            })
            .collect()
    } else {
        KEYMAP.iter().map(|b| Line::from(entry(b, 0))).collect()
    };
    lines.push(Line::from(Span::styled(
        "Changes always ask first; Cancel is the default.",
        t.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

fn button(label: &str, focused: bool, t: Theme) -> Span<'static> {
    let style = if focused {
        t.selected().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    Span::styled(format!("[ {label} ]"), style)
}

fn confirm(c: &Confirm, t: Theme, f: &mut Frame, area: Rect) {
    let inner = boxed(f, area, 64, 9, &c.title, t);
    let mut lines = vec![Line::from(c.body.clone()), Line::from("")];
    if let Some(r) = c.rollback {
        let mark = if r { "[x]" } else { "[ ]" };
        lines.push(Line::from(format!(
            "{mark} roll back to the last good revision (r)"
        )));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(vec![
        button("Cancel", !c.on_action, t),
        Span::raw("  "),
        button(&c.button, c.on_action, t),
    ]));
    lines.push(Line::from(Span::styled(
        "←/→ choose · Enter · esc cancels",
        t.dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn create_form(form: &Form, t: Theme, f: &mut Frame, area: Rect) {
    let inner = boxed(
        f,
        area,
        70,
        13,
        &format!("New deployment of {}", form.app),
        t,
    );
    let value = |i: usize| -> String {
        match i {
            0 => format!(
                "◂ {} ▸",
                form.groups.get(form.group).cloned().unwrap_or_default()
            ),
            1 => form.revision.clone(),
            2 if form.config.is_empty() => "(the group's)".into(),
            2 => form.config.clone(),
            3 => form.description.clone(),
            _ => format!("◂ {} ▸", ROLLBACK_CHOICES[form.rollback]),
        }
    };
    let mut lines = Vec::new();
    for (i, name) in FORM_FIELDS.iter().take(5).enumerate() {
        let focused = form.field == i;
        let cursor = if focused && (1..=3).contains(&i) {
            "█"
        } else {
            ""
        };
        let style = if focused { t.selected() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:>16}: "), t.title()),
            Span::styled(format!("{}{cursor}", value(i)), style),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(18)),
        button("Cancel", form.field == 5, t),
        Span::raw("  "),
        button("Create deployment", form.field == 6, t),
    ]));
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), t.error())));
    }
    lines.push(Line::from(Span::styled(
        "Tab/↓ next · ←/→ choose · type to edit · esc cancels",
        t.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The failed event to explain: the selected one, else the target's first failure,
/// else any target's.
fn failed_event(m: &Model) -> Option<(String, LifecycleEvent)> {
    let d = m.data.detail.as_ref()?;
    let failed = |e: &&LifecycleEvent| e.status == Some(LifecycleEventStatus::Failed);
    if let Some(e) = m.selected_event().filter(failed) {
        let host = d.targets.get(m.target.selected).map(|t| t.host.clone());
        return Some((host.unwrap_or_default(), e.clone()));
    }
    let mut order: Vec<_> = d.targets.iter().collect();
    let start = m.target.selected.min(order.len());
    order.rotate_left(start);
    order.into_iter().find_map(|t| {
        t.events
            .iter()
            .find(failed)
            .map(|e| (t.host.clone(), e.clone()))
    })
}

fn diagnostics(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let inner = boxed(f, area, 90, 18, "Diagnostics (esc closes)", t);
    let Some((host, ev)) = failed_event(m) else {
        f.render_widget(
            Paragraph::new("No lifecycle event of this deployment failed."),
            inner,
        );
        return;
    };
    let d = ev.diagnostics.clone().unwrap_or_default();
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<12}"), t.title()),
            Span::raw(v),
        ])
    };
    let mut lines = vec![
        field("Target", host),
        field("Event", ev.lifecycle_event_name.clone().unwrap_or_default()),
        Line::from(vec![
            Span::styled(format!("{:<12}", "Error code"), t.title()),
            Span::styled(
                d.error_code
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
                t.error(),
            ),
        ]),
        field(
            "Script",
            d.script_name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or("-".into()),
        ),
        field("Message", d.message.clone().unwrap_or_default()),
        Line::from(Span::styled("Log tail", t.title())),
    ];
    let tail = d.log_tail.unwrap_or_default();
    lines.extend(tail.lines().map(|l| Line::from(format!("  {l}"))));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
