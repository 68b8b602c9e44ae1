//! `update()`: the only place input turns into intent. It changes the model
//! and returns commands; the app loop performs them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};

use super::keymap::{self, Command};
use super::popup_keys::{self, PopupCommand, PopupKind};
use std::sync::Arc;

use super::model::*;
use crate::model::labels::{parse_revision, revision_label};
use crate::model::time::Millis;
use crate::model::DeploymentWaitType;
use crate::source::{Action, ActionKind, Data, DeploymentRow, NewDeployment, Place};
use crate::state::AlarmState;

/// Speeds `+` and `-` step through.
pub const SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(k) => key(m, k),
        Msg::Mouse(ev) => match ev.kind {
            MouseEventKind::ScrollUp => command(m, Command::Up),
            MouseEventKind::ScrollDown => command(m, Command::Down),
            _ => vec![],
        },
        Msg::Resize(w, h) => {
            m.size = (w, h);
            clamp_all(m);
            vec![]
        }
        Msg::Data(d) => {
            absorb(m, *d);
            vec![]
        }
        Msg::Tick(wall) => {
            m.wall = Some(wall);
            vec![]
        }
        Msg::Done(kind, outcome) => done(m, kind, outcome),
        Msg::LoadFailed(e) => {
            m.load_error = Some(e);
            vec![]
        }
        Msg::Found(_, Ok(place)) => go(m, place),
        Msg::Found(what, Err(e)) => {
            flash(m, &format!(":{what}: {e}"), true);
            vec![]
        }
        Msg::Output(q, got) => {
            m.output = Some((q, got));
            vec![]
        }
    }
}

/// Goes where `:` found: an application's groups, a group's deployments,
/// or a deployment's timeline (on a target's row when one was named).
fn go(m: &mut Model, p: Place) -> Vec<Cmd> {
    m.across = None;
    m.filter.clear();
    m.filtering = false;
    m.pane = Pane::Main;
    m.popup = None;
    if let Some(i) = m.data.apps.iter().position(|a| a.name == p.app) {
        m.apps.selected = i;
    }
    m.app = Some(p.app);
    m.group_id = p.group_id.clone();
    m.groups = Cursor::default();
    m.list = Cursor::default();
    m.deployment = None;
    match (p.group_id, p.deployment) {
        (_, Some(d)) => {
            let cmds = open_deployment(m, d);
            if p.target.is_some() {
                m.seek_failure = false;
                m.seek_target = p.target;
            }
            return cmds;
        }
        (Some(_), None) => m.screen = Screen::Deployments,
        (None, None) => m.screen = Screen::Groups,
    }
    vec![Cmd::Reload]
}

/// `:failed`, `:running`: every application's deployments with that status.
fn open_across(m: &mut Model, across: crate::source::Across) -> Vec<Cmd> {
    m.across = Some(across);
    m.app = None;
    m.group_id = None;
    m.deployment = None;
    m.filter.clear();
    m.filtering = false;
    m.pane = Pane::Main;
    m.list = Cursor::default();
    m.screen = Screen::Deployments;
    vec![Cmd::Reload]
}

/// An action finished: its line in the flash area; a refused create brings
/// its form back, every field as typed; a created deployment (`n`, or `U`
/// redeploying) opens on its timeline, a stop-and-roll-back on the stopped
/// deployment's, where the rollback's link appears.
fn done(m: &mut Model, kind: ActionKind, outcome: crate::source::Outcome) -> Vec<Cmd> {
    let open_after = m.open_after.take();
    if kind == ActionKind::StepBack && outcome.is_ok() {
        // A caption that moved the cursor moves it again when it shows again.
        m.focused = None;
    }
    if kind == ActionKind::Create {
        if let (Some(mut form), Err(e)) = (m.submitted.take(), &outcome) {
            form.error = Some(e.clone());
            m.popup = Some(Popup::Form(form));
            return vec![Cmd::Reload];
        }
    }
    let opens = match (&outcome, kind) {
        (Ok(text), ActionKind::Create | ActionKind::RollBack) => {
            crate::source::created_deployment(text)
                .map(String::from)
                .or(open_after)
        }
        _ => None,
    };
    m.flash = match outcome {
        Ok(s) if s.is_empty() => None,
        Ok(s) => Some((s, false)),
        Err(e) => Some((e, true)),
    };
    match opens {
        Some(id) => {
            let flash = m.flash.take();
            let cmds = open_deployment(m, id);
            m.flash = flash;
            cmds
        }
        None => vec![Cmd::Reload],
    }
}

/// Takes in a fresh read: new data, new log lines, selections kept by identity.
fn absorb(m: &mut Model, mut d: Data) {
    let new_events = std::mem::take(&mut d.events);
    if let Some(through) = d.events_through.filter(|&t| t < m.last_event) {
        // The log went back (a lesson stepped back): so does what it shows.
        m.events.retain(|e| e.seq <= through);
        m.last_event = through;
    }
    let seen = m.last_event;
    if let Some(last) = new_events.last() {
        m.last_event = m.last_event.max(last.seq);
    }
    m.load_error = None;
    if let Some(label) = d
        .status
        .as_ref()
        .map(|s| &s.label)
        .filter(|l| !l.is_empty())
    {
        m.mode = label.clone();
    }
    m.events
        .extend(new_events.into_iter().filter(|e| e.seq > seen));
    if m.events.len() > LOG_KEEP {
        let extra = m.events.len() - LOG_KEEP;
        m.events.drain(..extra);
    }
    m.data = d;
    // It arrived in the batch the last tick opened.
    m.data_at = m.wall;
    note_listed(m);
    refilter(m);
    clamp_all(m);
    seek_target(m);
    seek_failure(m);
    follow_focus(m);
    open_pending_form(m);
}

/// A lesson's caption names what it talks about: when that changes, the
/// cursor goes to that target's row and event.
fn follow_focus(m: &mut Model) {
    if m.screen != Screen::Timeline || m.data.focus == m.focused {
        return;
    }
    m.focused = m.data.focus.clone();
    let (Some((host, event)), Some(d)) = (m.focused.as_ref(), m.data.detail.as_ref()) else {
        return;
    };
    let Some(ti) = d
        .targets
        .iter()
        .position(|t| &t.id == host || &t.host == host)
    else {
        return;
    };
    m.target.selected = ti;
    if let Some(e) = event {
        let names = &d.targets[ti].events;
        if let Some(i) = names
            .iter()
            .position(|x| x.lifecycle_event_name.as_deref() == Some(e.as_str()))
        {
            m.event = i;
        }
    }
    let page = m.page();
    m.target.clamp(d.targets.len(), page);
}

/// `:` named an instance: once its deployment's timeline arrives, the
/// cursor goes to its row (on its first failed event, if any).
fn seek_target(m: &mut Model) {
    if m.screen != Screen::Timeline {
        return;
    }
    let Some(d) = m.data.detail.as_ref() else {
        return;
    };
    let Some(want) = m.seek_target.take() else {
        return;
    };
    let Some(ti) = d
        .targets
        .iter()
        .position(|t| t.id == want || t.host == want)
    else {
        return;
    };
    let failed = crate::model::LifecycleEventStatus::Failed;
    m.target.selected = ti;
    m.event = d.targets[ti]
        .events
        .iter()
        .position(|e| e.status.as_ref() == Some(&failed))
        .unwrap_or(0);
    let page = m.page();
    m.target.clamp(d.targets.len(), page);
}

/// A timeline just opened: the cursor goes to the first failed event, where
/// `l` has something to say.
fn seek_failure(m: &mut Model) {
    if !m.seek_failure || m.screen != Screen::Timeline {
        return;
    }
    let Some(d) = m.data.detail.as_ref() else {
        return;
    };
    m.seek_failure = false;
    let failed = crate::model::LifecycleEventStatus::Failed;
    for (ti, t) in d.targets.iter().enumerate() {
        if let Some(ei) = t
            .events
            .iter()
            .position(|e| e.status.as_ref() == Some(&failed))
        {
            m.target.selected = ti;
            m.event = ei;
            let page = m.page();
            m.target.clamp(d.targets.len(), page);
            return;
        }
    }
}

/// The listed deployments' IDs for the event log's group scope: the
/// finished part only when it changed, so a refresh costs what changed.
fn note_listed(m: &mut Model) {
    let finished = &m.data.deployments.finished;
    let same = m
        .listed_ids
        .0
        .as_ref()
        .is_some_and(|f| Arc::ptr_eq(f, finished));
    if !same {
        m.listed_ids = (
            Some(finished.clone()),
            finished.iter().map(|r| r.id.clone()).collect(),
        );
    }
    let active: Vec<String> = m
        .data
        .deployments
        .active
        .iter()
        .map(|r| r.id.clone())
        .collect();
    m.listed_ids.1.extend(active);
}

/// Recomputes which deployments pass the filter.
pub fn refilter(m: &mut Model) {
    let keep_id = m.selected_row().map(|r| r.id.clone());
    let filter = m.filter.to_lowercase();
    m.visible
        .compute(&m.data.deployments, &filter, |r| matches_filter(r, &filter));
    let Some(id) = keep_id else {
        return;
    };
    // The selected row keeps its place when it did not move (the common
    // case); otherwise it is looked for.
    let at = |i: usize| {
        m.visible
            .index(i)
            .and_then(|k| m.data.deployments.get(k))
            .is_some_and(|r| r.id == id)
    };
    if at(m.list.selected) {
        return;
    }
    if let Some(pos) = (0..m.visible.len()).find(|i| at(*i)) {
        m.list.selected = pos;
    }
}

/// `status:failed`, `creator:user`, `config:oneatatime` or free text; all terms must match.
pub fn matches_filter(r: &DeploymentRow, filter: &str) -> bool {
    filter.split_whitespace().all(|term| {
        let has = |field: &str, v: &str| field.to_lowercase().contains(v);
        match term.split_once(':') {
            Some(("status", v)) => has(r.status.as_str(), v),
            Some(("creator", v)) => has(&r.creator, v),
            Some(("config", v)) => has(&r.config, v),
            _ => {
                has(&r.id, term)
                    || has(r.status.as_str(), term)
                    || has(&r.revision, term)
                    || has(&r.config, term)
                    || has(&r.creator, term)
                    || r.description.as_deref().is_some_and(|d| has(d, term))
            }
        }
    })
}

fn clamp_all(m: &mut Model) {
    let page = m.page();
    m.apps.clamp(m.data.apps.len(), page);
    m.groups.clamp(m.data.groups.len(), page);
    m.list.clamp(m.visible.len(), page);
    let targets = m.data.detail.as_ref().map_or(0, |d| d.targets.len());
    m.target.clamp(targets, page);
    let logged = m.log_entries().len();
    m.log.clamp(logged, page);
}

fn key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
        return command(m, Command::Quit);
    }
    if m.popup.is_some() {
        return popup_key(m, k);
    }
    if m.prompt.is_some() {
        use super::prompt::Run;
        return match super::prompt::key(m, k) {
            Some(Run::Across(across)) => open_across(m, across),
            Some(Run::Place(place)) => go(m, place),
            Some(Run::Find(what)) => vec![Cmd::Find(what)],
            None => vec![],
        };
    }
    if m.filtering {
        filter_key(m, k);
        return vec![];
    }
    m.flash = None;
    match keymap::lookup(&k) {
        Some(b) => command(m, b.command),
        None => vec![],
    }
}

fn filter_key(m: &mut Model, k: KeyEvent) {
    match k.code {
        KeyCode::Enter => m.filtering = false,
        KeyCode::Esc => {
            m.filtering = false;
            m.filter.clear();
        }
        KeyCode::Backspace => {
            m.filter.pop();
        }
        KeyCode::Char(c) => m.filter.push(c),
        _ => return,
    }
    m.list.selected = 0;
    refilter(m);
    clamp_all(m);
}

pub fn command(m: &mut Model, c: Command) -> Vec<Cmd> {
    if m.read_only && keymap::binding(c).is_some_and(|b| b.changes()) {
        flash(
            m,
            "read-only: started with --read-only, nothing can be changed",
            true,
        );
        return vec![];
    }
    match c {
        Command::Help => {
            m.detail_scroll = 0;
            m.popup = Some(Popup::Help);
        }
        Command::Jump => m.prompt = Some(Prompt::default()),
        Command::Quit => {
            m.quit = true;
            return vec![Cmd::Quit];
        }
        Command::Back => return back(m),
        Command::Up => step_cursor(m, -1),
        Command::Down => step_cursor(m, 1),
        Command::PageUp => step_cursor(m, -(m.page() as isize)),
        Command::PageDown => step_cursor(m, m.page() as isize),
        Command::Top => step_cursor(m, isize::MIN / 2),
        Command::Bottom => step_cursor(m, isize::MAX / 2),
        Command::Left => m.event = m.event.saturating_sub(1),
        Command::Right => m.event = (m.event + 1).min(event_count(m).saturating_sub(1)),
        Command::NextPane | Command::LogScope | Command::LogTaller => log_pane(m, c),
        Command::Enter if m.pane == Pane::Log => return open_logged(m),
        Command::Enter => return enter(m),
        Command::OpenLink => return open_link(m),
        Command::Filter if matches!(m.screen, Screen::Deployments) => m.filtering = true,
        Command::Filter => flash(m, "/ filters the deployment list", true),
        Command::New => return new_form(m),
        Command::Stop => stop(m),
        Command::RollBack => roll_back(m),
        Command::Continue => continue_(m),
        Command::Diagnostics => return diagnostics(m),
        Command::Copy => return copy(m),
        Command::Pause
        | Command::Step
        | Command::StepBack
        | Command::Faster
        | Command::Slower
        | Command::ResetSpeed => return clock(m, c),
        Command::BreakHost => break_host(m),
        Command::RepairAlias => repair_alias(m),
        Command::Alarm => alarm(m),
    }
    vec![]
}

/// Tab, `e` and `L`: which pane has the keys, which events the log shows,
/// and how tall it is.
fn log_pane(m: &mut Model, c: Command) {
    match c {
        Command::NextPane => {
            m.pane = match m.pane {
                Pane::Main => {
                    // The log pane opens on its newest line.
                    m.log.selected = m.log_entries().len().saturating_sub(1);
                    Pane::Log
                }
                Pane::Log => Pane::Main,
            }
        }
        Command::LogScope => {
            m.log_all = !m.log_all;
            m.log.selected = m.log_entries().len().saturating_sub(1);
        }
        _ => {
            m.log_height = if m.log_height >= LOG_HEIGHT_MAX {
                LOG_HEIGHT
            } else {
                m.log_height + 6
            };
        }
    }
}

/// `l`: the details popup, with a failed hook's whole output asked for
/// where the source can read it.
fn diagnostics(m: &mut Model) -> Vec<Cmd> {
    if m.screen != Screen::Timeline {
        flash(m, "open a deployment first (Enter)", true);
        return vec![];
    }
    m.detail_scroll = 0;
    m.popup = Some(Popup::Diagnostics);
    let q = m.output_query();
    let known = m.output.as_ref().map(|(k, _)| k);
    match q.filter(|q| known != Some(q)) {
        Some(q) => {
            m.output = None;
            vec![Cmd::Output(q)]
        }
        None => vec![],
    }
}

fn flash(m: &mut Model, text: &str, error: bool) {
    m.flash = Some((text.to_string(), error));
}

fn step_cursor(m: &mut Model, delta: isize) {
    let page = m.page();
    if m.pane == Pane::Log {
        let len = m.log_entries().len();
        m.log.move_by(delta, len, page);
        return;
    }
    match m.screen {
        Screen::Apps => m.apps.move_by(delta, m.data.apps.len(), page),
        Screen::Groups => m.groups.move_by(delta, m.data.groups.len(), page),
        Screen::Deployments => m.list.move_by(delta, m.visible.len(), page),
        Screen::Timeline => {
            let len = m.data.detail.as_ref().map_or(0, |d| d.targets.len());
            m.target.move_by(delta, len, page);
        }
    }
}

fn event_count(m: &Model) -> usize {
    m.data
        .detail
        .as_ref()
        .and_then(|d| d.targets.get(m.target.selected))
        .map_or(0, |t| t.events.len())
}

/// Opens a deployment's timeline by ID (from the log or a rollback link).
fn open_deployment(m: &mut Model, id: String) -> Vec<Cmd> {
    m.deployment = Some(id);
    m.target = Cursor::default();
    m.event = 0;
    m.screen = Screen::Timeline;
    m.pane = Pane::Main;
    m.seek_failure = true;
    vec![Cmd::Reload]
}

/// Enter on an event log line: its deployment.
fn open_logged(m: &mut Model) -> Vec<Cmd> {
    let id = m
        .log_entries()
        .get(m.log.selected)
        .and_then(|e| e.deployment.clone());
    match id {
        Some(id) => open_deployment(m, id),
        None => {
            flash(m, "this log line names no deployment", true);
            vec![]
        }
    }
}

/// `o` on a timeline: the deployment its rollback link names.
fn open_link(m: &mut Model) -> Vec<Cmd> {
    if m.pane == Pane::Log {
        return open_logged(m);
    }
    let link = m
        .data
        .detail
        .as_ref()
        .filter(|_| m.screen == Screen::Timeline)
        .and_then(|d| d.info.rollback_info.as_ref())
        .and_then(|r| {
            r.rollback_deployment_id
                .clone()
                .or_else(|| r.rollback_triggering_deployment_id.clone())
        });
    match link {
        Some(id) => open_deployment(m, id),
        None => {
            flash(
                m,
                "no rollback link here: open a rolled-back or rollback deployment",
                true,
            );
            vec![]
        }
    }
}

fn enter(m: &mut Model) -> Vec<Cmd> {
    match m.screen {
        Screen::Apps => {
            let Some(app) = m.data.apps.get(m.apps.selected) else {
                return vec![];
            };
            m.app = Some(app.name.clone());
            m.groups = Cursor::default();
            m.screen = Screen::Groups;
        }
        Screen::Groups => {
            let Some(g) = m.data.groups.get(m.groups.selected) else {
                return vec![];
            };
            m.group_id = Some(g.id.clone());
            m.list = Cursor::default();
            m.screen = Screen::Deployments;
        }
        Screen::Deployments => {
            let Some((id, place)) = m.selected_row().map(|r| (r.id.clone(), r.place.clone()))
            else {
                return vec![];
            };
            // A list across applications: the row says whose it is.
            if m.across.is_some() {
                m.app = place.split('/').next().map(String::from);
            }
            m.deployment = Some(id);
            m.target = Cursor::default();
            m.event = 0;
            m.screen = Screen::Timeline;
            m.seek_failure = true;
        }
        Screen::Timeline => return vec![],
    }
    vec![Cmd::Reload]
}

fn back(m: &mut Model) -> Vec<Cmd> {
    if m.pane == Pane::Log {
        m.pane = Pane::Main;
        return vec![];
    }
    match m.screen {
        Screen::Apps => return vec![],
        Screen::Groups => {
            m.screen = Screen::Apps;
            m.app = None;
            m.form_after_load = false;
        }
        Screen::Deployments if !m.filter.is_empty() => {
            m.filter.clear();
            refilter(m);
            return vec![];
        }
        Screen::Deployments if m.across.is_some() => {
            m.across = None;
            m.screen = Screen::Apps;
            m.app = None;
        }
        Screen::Deployments => {
            m.screen = Screen::Groups;
            m.group_id = None;
        }
        Screen::Timeline => {
            m.screen = Screen::Deployments;
            m.deployment = None;
        }
    }
    vec![Cmd::Reload]
}

fn new_form(m: &mut Model) -> Vec<Cmd> {
    if m.screen == Screen::Apps {
        // The application under the cursor: its groups are read first, and
        // the form opens when they arrive.
        let Some(app) = m.data.apps.get(m.apps.selected).map(|a| a.name.clone()) else {
            flash(m, "there is no application to deploy", true);
            return vec![];
        };
        m.app = Some(app);
        m.groups = Cursor::default();
        m.group_id = None;
        m.screen = Screen::Groups;
        m.form_after_load = true;
        return vec![Cmd::Reload];
    }
    let Some(app) = m.app.clone() else {
        flash(m, "choose an application first (Enter)", true);
        return vec![];
    };
    if m.form_after_load {
        // `n` again before the groups arrived: the form is on its way.
        flash(m, &format!("reading the groups of {app}…"), false);
        return vec![];
    }
    let groups: Vec<String> = m.data.groups.iter().map(|g| g.name.clone()).collect();
    if groups.is_empty() {
        flash(
            m,
            &format!("{app} has no deployment group yet: create one with the API (aws deploy create-deployment-group)"),
            true,
        );
        return vec![];
    }
    let group = m
        .group_id
        .as_ref()
        .and_then(|id| m.data.groups.iter().position(|g| &g.id == id))
        .unwrap_or(m.groups.selected.min(groups.len() - 1));
    let mut form = Form {
        app,
        groups,
        group,
        revision: String::new(),
        base: None,
        configs: Vec::new(),
        config_filter: String::new(),
        config_choice: 0,
        description: String::new(),
        rollback: 0,
        field: FormField::Group,
        error: None,
    };
    fit_to_group(m, &mut form);
    m.popup = Some(Popup::Form(Box::new(form)));
    vec![]
}

/// The form's defaults for its group: the group's current revision (kept
/// whole: an inline AppSpec has no text form to type back) and the configs
/// valid for the group's platform.
fn fit_to_group(m: &Model, form: &mut Form) {
    let Some(g) = m.data.groups.get(form.group) else {
        return;
    };
    form.base = g.target_revision.clone();
    form.revision = form
        .base
        .as_ref()
        .map(|r| revision_label(Some(r)))
        .unwrap_or_else(|| "my-artifacts/app.zip".into());
    form.configs = m
        .data
        .configs
        .iter()
        .filter(|c| c.platform == g.platform)
        .map(|c| c.name.clone())
        .collect();
    form.config_filter.clear();
    form.config_choice = 0;
}

/// After a read: open the form `n` asked for on an application.
fn open_pending_form(m: &mut Model) {
    if m.form_after_load && m.screen == Screen::Groups && m.app.is_some() {
        m.form_after_load = false;
        // Nothing to read after it: the form only opens.
        let _ = new_form(m);
    }
}

fn confirm(m: &mut Model, title: &str, body: String, button: String, action: Action) {
    let rollback = matches!(action, Action::Stop { .. }).then_some(false);
    m.popup = Some(Popup::Confirm(Box::new(Confirm {
        title: title.into(),
        body,
        action,
        button,
        on_action: false,
        rollback,
    })));
}

/// What a rollback of the focused deployment's group would redeploy, in
/// words: `web-v2.zip (demo-artifacts/web-v2.zip), the revision of
/// d-XI3MDD905, the group's last successful deployment`.
fn rollback_words(m: &Model) -> Option<String> {
    let group = m.focused_group()?;
    let good = group.last_good.as_ref()?;
    let label = revision_label(Some(&good.revision));
    Some(format!(
        "{} ({label}), the revision of {}, the group's last successful deployment",
        super::theme::revision_short(&label),
        good.deployment
    ))
}

fn stop(m: &mut Model) {
    let Some((id, status)) = m.focused_deployment() else {
        return flash(m, "select a deployment first", true);
    };
    if status.is_final() {
        return flash(m, &format!("{id} has already finished ({status})"), true);
    }
    let then = match rollback_words(m) {
        Some(w) => format!("With roll back (r), CodeDeploy then redeploys {w}."),
        None => "The group has no successful deployment: there is nothing to roll back to.".into(),
    };
    let body = format!("Stop {id}? Lifecycle events already running finish first. {then}");
    confirm(
        m,
        "Stop deployment",
        body,
        format!("Stop {id}"),
        Action::Stop {
            id,
            rollback: false,
        },
    );
}

fn roll_back(m: &mut Model) {
    let Some((id, status)) = m.focused_deployment() else {
        return flash(m, "select a deployment first", true);
    };
    let Some(what) = rollback_words(m) else {
        return flash(
            m,
            "the group has no successful deployment: there is nothing to roll back to",
            true,
        );
    };
    let body = if status.is_final() {
        format!("Redeploy {what}, as a new deployment?")
    } else {
        format!("Stop {id} and roll back: CodeDeploy redeploys {what}.")
    };
    confirm(
        m,
        "Roll back",
        body,
        format!("Roll back {id}"),
        Action::RollBack { id },
    );
}

fn continue_(m: &mut Model) {
    let Some((id, _)) = m.focused_deployment() else {
        return flash(m, "select a deployment first", true);
    };
    let Some(wait) = m.wait_to_continue() else {
        return flash(
            m,
            "nothing to continue: the deployment is not waiting (Ready or termination wait)",
            true,
        );
    };
    let (title, body) = match wait {
        DeploymentWaitType::TerminationWait => (
            "End the termination wait",
            format!("Remove the originals of {id} now instead of at the end of the wait?"),
        ),
        _ => (
            "Continue deployment",
            format!("Continue {id}: reroute traffic to the replacement?"),
        ),
    };
    confirm(
        m,
        title,
        body,
        format!("Continue {id}"),
        Action::Continue { id, wait },
    );
}

fn break_host(m: &mut Model) {
    if !m.local {
        return flash(m, "faults exist only on the local engine", true);
    }
    if let Some(id) = m.hook_deployment() {
        let body = format!(
            "Make the running hook of {id} answer Failed (or, with none running, its next one)? \
             The deployment fails and, if the group says so, rolls back."
        );
        return confirm(
            m,
            "Fail hook",
            body,
            "Fail hook".into(),
            Action::FailHook { id },
        );
    }
    let Some(host) = m.selected_host() else {
        return flash(
            m,
            "select an EC2 or on-premises host on a deployment's timeline first \
             (or open a running Lambda or ECS deployment to fail a hook)",
            true,
        );
    };
    let body = format!("Make {host} fail its next lifecycle event?");
    confirm(
        m,
        "Break host",
        body,
        format!("Break {host}"),
        Action::BreakHost { host },
    );
}

fn repair_alias(m: &mut Model) {
    let Some((function, alias)) = m.split_alias() else {
        return flash(
            m,
            "nothing to repair: open a finished Lambda deployment whose alias is left on two versions",
            true,
        );
    };
    let body = format!(
        "Point alias {function}:{alias} at its primary version only (as choosing \
         \"Additional version: none\" in the Lambda console does)? Deployments to it fail until then."
    );
    confirm(
        m,
        "Repair alias",
        body,
        "Repair alias".into(),
        Action::RepairAlias { function, alias },
    );
}

fn alarm(m: &mut Model) {
    if !m.local {
        return flash(m, "alarms are switches only on the local engine", true);
    }
    let group_alarm = m
        .group_id
        .as_ref()
        .and_then(|id| m.data.groups.iter().find(|g| &g.id == id))
        .and_then(|g| g.alarms.first().cloned());
    let Some(name) = group_alarm.or_else(|| m.data.alarms.first().map(|a| a.0.clone())) else {
        return flash(m, "no alarm to switch", true);
    };
    let firing = m
        .data
        .alarms
        .iter()
        .any(|(n, s)| n == &name && *s == AlarmState::Alarm);
    let (verb, on) = if firing { ("off", false) } else { ("on", true) };
    let body = format!("Switch alarm {name} {verb}? Deployments watching it stop when it fires.");
    confirm(
        m,
        "Alarm",
        body,
        format!("Switch {name} {verb}"),
        Action::SetAlarm { name, on },
    );
}

fn pending_hook(m: &Model) -> Option<String> {
    let d = m.data.detail.as_ref()?;
    d.hooks
        .iter()
        .rev()
        .find(|h| h.status == crate::model::LifecycleEventStatus::InProgress)
        .map(|h| h.id.clone())
}

fn selected_scripts_log(m: &Model) -> Option<String> {
    let d = m.data.detail.as_ref()?;
    d.targets.get(m.target.selected)?.scripts_log.clone()
}

fn copy(m: &mut Model) -> Vec<Cmd> {
    let id = match m.screen {
        Screen::Apps => m.data.apps.get(m.apps.selected).map(|a| a.name.clone()),
        Screen::Groups => m.data.groups.get(m.groups.selected).map(|g| g.id.clone()),
        // A hook waiting for an answer is what a user wants to paste into
        // put-lifecycle-event-hook-execution-status.
        // A local host's scripts.log is what a user opens next.
        Screen::Timeline => pending_hook(m)
            .or_else(|| selected_scripts_log(m))
            .or_else(|| m.focused_deployment().map(|d| d.0)),
        Screen::Deployments => m.focused_deployment().map(|d| d.0),
    };
    match id {
        Some(id) => {
            m.flash = Some((format!("copied {id}"), false));
            vec![Cmd::Copy(id)]
        }
        None => vec![],
    }
}

fn clock(m: &mut Model, c: Command) -> Vec<Cmd> {
    if !m.local {
        flash(m, "the clock is the local engine's", true);
        return vec![];
    }
    let speed = m.data.speed;
    let action = match c {
        Command::Pause => Action::Pause(!m.data.paused),
        Command::Step => match step(m) {
            Some(a) => a,
            None => return vec![],
        },
        Command::StepBack if !m.in_lesson() => {
            flash(m, ", steps a lesson back: it is for codedeck lesson", true);
            return vec![];
        }
        Command::StepBack => {
            m.step_armed = None;
            Action::StepBack
        }
        Command::Faster => Action::Speed(next_speed(speed, true)),
        Command::Slower => Action::Speed(next_speed(speed, false)),
        _ => Action::Speed(1.0),
    };
    // Shown at once, so the next key of a burst (`0 + + +`) builds on it;
    // the next read confirms it.
    match action {
        Action::Speed(s) => m.data.speed = s,
        Action::Pause(p) => m.data.paused = p,
        _ => {}
    }
    vec![Cmd::Act(action)]
}

/// Virtual time a step jumps without asking: a longer wait is announced by
/// the first `.` and skipped by the second.
pub const LONG_STEP: Millis = 60_000;

/// `.`: a running clock pauses first (then the next step is shown); a step
/// over a long wait asks for a second press.
fn step(m: &mut Model) -> Option<Action> {
    if !m.data.paused {
        flash(m, "paused: . now steps one event at a time", false);
        return Some(Action::Pause(true));
    }
    let Some(due) = m.data.next_step.as_ref().map(|n| n.due) else {
        return Some(Action::Step);
    };
    let wait = due - m.data.now;
    if wait < LONG_STEP || m.step_armed == Some(due) {
        m.step_armed = None;
        return Some(Action::Step);
    }
    m.step_armed = Some(due);
    let words = crate::model::time::duration_words(wait);
    flash(
        m,
        &format!("the next step is a {words} wait: press . again to skip to its end"),
        false,
    );
    None
}

/// The next speed on the ladder (1/4x .. 64x); a speed off the ladder snaps to it.
pub fn next_speed(speed: f64, faster: bool) -> f64 {
    if faster {
        SPEEDS
            .iter()
            .copied()
            .find(|s| *s > speed)
            .unwrap_or(speed.max(SPEEDS[SPEEDS.len() - 1]))
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < speed)
            .unwrap_or(speed.min(SPEEDS[0]))
    }
}

fn popup_key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    match m.popup.take() {
        Some(Popup::Confirm(c)) => confirm_key(m, c, k),
        Some(Popup::Form(f)) => form_key(m, f, k),
        Some(p) => {
            // Help and details: the details scroll (a long error or log tail).
            match popup_keys::lookup(PopupKind::Reading, &k) {
                Some(PopupCommand::Cancel) => {}
                Some(PopupCommand::ScrollDown) => {
                    m.detail_scroll = m.detail_scroll.saturating_add(1);
                    m.popup = Some(p);
                }
                Some(PopupCommand::ScrollUp) => {
                    m.detail_scroll = m.detail_scroll.saturating_sub(1);
                    m.popup = Some(p);
                }
                _ => m.popup = Some(p),
            }
            vec![]
        }
        None => vec![],
    }
}

fn confirm_key(m: &mut Model, mut c: Box<Confirm>, k: KeyEvent) -> Vec<Cmd> {
    match popup_keys::lookup(PopupKind::Confirm, &k) {
        Some(PopupCommand::Cancel) => return vec![],
        Some(PopupCommand::SwitchButton) => c.on_action = !c.on_action,
        Some(PopupCommand::ToggleRollback) => {
            if let Some(r) = c.rollback.as_mut() {
                *r = !*r;
            }
        }
        Some(PopupCommand::Choose) if !c.on_action => return vec![],
        Some(PopupCommand::Choose) => {
            let action = match (c.action, c.rollback) {
                (Action::Stop { id, .. }, Some(rollback)) => Action::Stop { id, rollback },
                (a, _) => a,
            };
            // A stop-and-roll-back creates its rollback later: its link
            // appears on the stopped deployment's timeline.
            if let Action::RollBack { id } = &action {
                m.open_after = Some(id.clone());
            }
            return vec![Cmd::Act(action)];
        }
        _ => {}
    }
    m.popup = Some(Popup::Confirm(c));
    vec![]
}

fn form_key(m: &mut Model, mut f: Box<Form>, k: KeyEvent) -> Vec<Cmd> {
    use PopupCommand as P;
    let command = popup_keys::lookup(PopupKind::Form, &k);
    match (command, k.code) {
        (Some(P::Cancel), _) => return vec![],
        (Some(P::NextField), _) => f.field = f.field.next(),
        (Some(P::PrevField), _) => f.field = f.field.prev(),
        (Some(P::Choose), _) if f.field == FormField::Cancel => return vec![],
        (Some(P::Choose), _) if f.field == FormField::Create => return submit(m, f),
        (Some(P::Choose), _) => f.field = f.field.next(),
        (Some(P::Previous | P::Next | P::NextChoice), _) if f.field.is_choice() => {
            cycle(&mut f, command == Some(P::Previous));
            if f.field == FormField::Group {
                fit_to_group(m, &mut f);
            }
        }
        (Some(P::Previous | P::Next), _) if f.field == FormField::Config => {
            let n = f.matching_configs().len() + 1;
            f.config_choice = if command == Some(P::Previous) {
                (f.config_choice + n - 1) % n
            } else {
                (f.config_choice + 1) % n
            };
        }
        (Some(P::Previous | P::Next), _) if f.field.is_button() => {
            f.field = if f.field == FormField::Cancel {
                FormField::Create
            } else {
                FormField::Cancel
            }
        }
        (Some(P::Erase), _) => erase(&mut f),
        // What the form does not bind is typed (space too, in a text field).
        (None | Some(P::NextChoice), KeyCode::Char(ch)) => type_char(&mut f, ch),
        _ => {}
    }
    m.popup = Some(Popup::Form(f));
    vec![]
}

fn erase(f: &mut Form) {
    if f.field == FormField::Config {
        f.config_filter.pop();
        f.config_choice = usize::from(!f.config_filter.is_empty());
    } else if let Some(s) = text_field(f) {
        s.pop();
    }
}

fn type_char(f: &mut Form, ch: char) {
    if f.field == FormField::Config {
        f.config_filter.push(ch);
        // Typing picks the first match.
        f.config_choice = 1;
    } else if let Some(s) = text_field(f) {
        s.push(ch);
    }
}

fn cycle(f: &mut Form, back: bool) {
    let (value, len) = if f.field == FormField::Group {
        (&mut f.group, f.groups.len())
    } else {
        (&mut f.rollback, ROLLBACK_CHOICES.len())
    };
    *value = if back {
        (*value + len - 1) % len
    } else {
        (*value + 1) % len
    };
}

fn text_field(f: &mut Form) -> Option<&mut String> {
    match f.field {
        FormField::Revision => Some(&mut f.revision),
        FormField::Description => Some(&mut f.description),
        _ => None,
    }
}

fn submit(m: &mut Model, mut f: Box<Form>) -> Vec<Cmd> {
    let unchanged = f
        .base
        .as_ref()
        .filter(|b| revision_label(Some(b)) == f.revision.trim())
        .cloned();
    let Some(revision) = unchanged.or_else(|| parse_revision(&f.revision)) else {
        f.error = Some("revision: s3://bucket/key or owner/repo@commit".into());
        f.field = FormField::Revision;
        m.popup = Some(Popup::Form(f));
        return vec![];
    };
    if f.config_choice > 0 && f.chosen_config().is_none() {
        f.error = Some(format!(
            "config: nothing matches {:?} for this platform",
            f.config_filter
        ));
        f.field = FormField::Config;
        m.popup = Some(Popup::Form(f));
        return vec![];
    }
    let nd = NewDeployment {
        app: f.app.clone(),
        group: f.groups[f.group].clone(),
        revision,
        config: f.chosen_config(),
        description: Some(f.description.trim().to_string()),
        rollback_on_failure: match f.rollback {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        },
    };
    // Show the new deployment: it lists first, newest first.
    if let Some(g) = m.data.groups.get(f.group) {
        m.group_id = Some(g.id.clone());
        if m.screen != Screen::Timeline {
            m.screen = Screen::Deployments;
        }
    }
    m.list = Cursor::default();
    m.submitted = Some(f);
    vec![Cmd::Act(Action::Create(Box::new(nd)))]
}
