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
    let legend = super::theme::LEGEND
        .iter()
        .map(|(g, what)| format!("{g} {what}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let legend_w = area.width.saturating_sub(4).clamp(1, 106) as usize;
    let legend = super::widgets::wrap_words(&legend, legend_w, 6);
    let inside: Vec<String> = super::popup_keys::PopupKind::ALL
        .iter()
        .flat_map(|p| super::widgets::wrap_words(&super::popup_keys::summary(*p), legend_w, 3))
        .collect();
    // Keys that only a lesson has, where there is a lesson.
    let keys: Vec<&super::keymap::Binding> = KEYMAP
        .iter()
        .filter(|b| !b.acts.is_some_and(|a| a.lesson_only()) || m.in_lesson())
        .collect();
    let full = keys.len() as u16 + 2 + inside.len() as u16 + legend.len() as u16;
    // Too narrow for the descriptions (80 columns), the keys go in two
    // columns with their short names; too short for all of it, j/k scroll.
    let compact = area.width < 110;
    let rows = if compact {
        keys.len().div_ceil(2) as u16 + 2 + inside.len() as u16 + legend.len() as u16
    } else {
        full
    };
    let title = if rows > area.height {
        "Keys (esc closes, j/k scroll)"
    } else {
        "Keys (esc closes)"
    };
    let inner = boxed(f, area, 110, rows, title, t);
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
        let half = keys.len().div_ceil(2);
        let w = (inner.width as usize / 2).saturating_sub(11);
        (0..half)
            .map(|i| {
                let mut spans = entry(keys[i], w);
                if let Some(b) = keys.get(i + half) {
                    spans.extend(entry(b, 0));
                }
                Line::from(spans)
            })
            .collect()
    } else {
        keys.iter().map(|b| Line::from(entry(b, 0))).collect()
    };
    // Changes ask first: the confirmation's keys come first.
    lines.extend(
        inside
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.dim()))),
    );
    lines.extend(
        legend
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.dim()))),
    );
    f.render_widget(Paragraph::new(lines).scroll((m.detail_scroll, 0)), inner);
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
    let inner = boxed(f, area, 72, 12, &c.title, t);
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

/// `◂ Canary 10% / 5 min ▸ 2 of 7 · type to filter`, or the group's own.
fn config_value(form: &Form) -> String {
    let matching = form.matching_configs();
    let filter = if form.config_filter.is_empty() {
        String::new()
    } else {
        format!(" /{}", form.config_filter)
    };
    match form
        .config_choice
        .checked_sub(1)
        .and_then(|k| matching.get(k))
    {
        Some(name) => format!(
            "◂ {} ▸ {} of {}{filter}",
            super::theme::config_label(name),
            form.config_choice,
            matching.len()
        ),
        None if matching.is_empty() && !filter.is_empty() => format!("no config matches{filter}"),
        None => format!(
            "◂ the group's own ▸ {} to choose from{filter}",
            matching.len()
        ),
    }
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
    let value = |field: FormField| -> String {
        match field {
            FormField::Group => format!(
                "◂ {} ▸",
                form.groups.get(form.group).cloned().unwrap_or_default()
            ),
            FormField::Revision => form.revision.clone(),
            FormField::Config => config_value(form),
            FormField::Description => form.description.clone(),
            FormField::Rollback => format!("◂ {} ▸", ROLLBACK_CHOICES[form.rollback]),
            FormField::Cancel | FormField::Create => String::new(),
        }
    };
    let mut lines = Vec::new();
    for field in FormField::ALL.into_iter().filter(|f| !f.is_button()) {
        let focused = form.field == field;
        let cursor = if focused && field.is_text() {
            "█"
        } else {
            ""
        };
        let style = if focused { t.selected() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>16}: ", field.name()), t.title()),
            Span::styled(format!("{}{cursor}", value(field)), style),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(18)),
        button("Cancel", form.field == FormField::Cancel, t),
        Span::raw("  "),
        button("Create deployment", form.field == FormField::Create, t),
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

fn diagnostics(m: &Model, t: Theme, f: &mut Frame, area: Rect) {
    let inner = boxed(f, area, 90, 24, "Details (j/k scroll · esc closes)", t);
    let mut lines = deployment_details(m, t);
    lines.extend(event_details(m, t));
    // Wrapped lines count too (about): the scroll stops near the last one.
    let w = inner.width.max(1) as usize;
    let total: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum();
    let scroll = m
        .detail_scroll
        .min(total.saturating_sub(inner.height as usize) as u16);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    f.render_widget(paragraph.scroll((scroll, 0)), inner);
}

/// The deployment's texts the summary may cut (why it ended, its
/// description, rollback and error), whole.
fn deployment_details(m: &Model, t: Theme) -> Vec<Line<'static>> {
    let Some(d) = m.data.detail.as_ref() else {
        return Vec::new();
    };
    let texts = super::timeline::long_texts(d);
    if texts.is_empty() {
        return Vec::new();
    }
    let id = d.info.deployment_id.clone().unwrap_or_default();
    let mut lines = vec![Line::from(Span::styled(
        format!("Deployment {id}"),
        t.title(),
    ))];
    for (label, text) in texts {
        let style = if label == "Error" {
            t.error()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {label:<10}"), t.title()),
            Span::styled(text, style),
        ]));
    }
    lines.push(Line::from(""));
    lines
}

/// The lifecycle event under the cursor: its diagnostics, whatever its status.
fn event_details(m: &Model, t: Theme) -> Vec<Line<'static>> {
    let target = m
        .data
        .detail
        .as_ref()
        .and_then(|d| d.targets.get(m.target.selected));
    let (Some(target), Some(ev)) = (target, m.selected_event()) else {
        return vec![Line::from("Move to a lifecycle event first (←/→).")];
    };
    let host = if target.host.is_empty() {
        target.id.clone()
    } else {
        target.host.clone()
    };
    let status = ev.status.clone().unwrap_or(LifecycleEventStatus::Pending);
    let took = match (ev.start_time, ev.end_time) {
        (Some(s), Some(e)) => format!(" after {}", super::theme::duration(e.0 - s.0)),
        _ => String::new(),
    };
    let name = ev.lifecycle_event_name.clone().unwrap_or_default();
    let Some(d) = ev.diagnostics.clone() else {
        return vec![
            Line::from(format!("{host} · {name}: {status}{took}")),
            Line::from(""),
            Line::from("No diagnostics: CodeDeploy records them when an event fails."),
        ];
    };
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<12}"), t.title()),
            Span::raw(v),
        ])
    };
    let mut lines = vec![
        field("Target", host),
        field("Event", format!("{name} {status}{took}")),
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
    ];
    let whole = whole_output(m, t);
    if whole.is_empty() || matches!(m.output, Some((_, Err(_)))) {
        lines.push(Line::from(Span::styled("Log tail", t.title())));
        let tail = d.log_tail.unwrap_or_default();
        lines.extend(tail.lines().map(|l| Line::from(format!("  {l}"))));
    }
    lines.extend(whole);
    if let Some(log) = &target.scripts_log {
        lines.push(field("scripts.log", format!("{log} (y copies)")));
    }
    lines
}

/// The selected failed hook's whole output (`codedeck aws --logs-group`),
/// or why it could not be read; nothing where the source has no log.
fn whole_output(m: &Model, t: Theme) -> Vec<Line<'static>> {
    let Some((q, got)) = &m.output else {
        return Vec::new();
    };
    if m.output_query().as_ref() != Some(q) {
        return Vec::new();
    }
    match got {
        Ok(None) => Vec::new(),
        Err(e) => vec![Line::from(vec![
            Span::styled("CloudWatch Logs ", t.title()),
            Span::styled(e.clone(), t.dim()),
        ])],
        Ok(Some(out)) => {
            let mut lines = vec![Line::from(Span::styled(
                format!(
                    "Output (CloudWatch Logs {}, {} lines)",
                    out.source,
                    out.lines.len() + out.more
                ),
                t.title(),
            ))];
            lines.extend(out.lines.iter().map(|l| Line::from(format!("  {l}"))));
            if out.more > 0 {
                lines.push(Line::from(format!(
                    "  … {} more lines: see {}",
                    out.more, out.source
                )));
            }
            lines
        }
    }
}
