//! The dashboard's state: everything `view()` draws from, nothing else.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::model::time::Millis;
use crate::model::*;
use crate::source::{
    Across, Action, ActionKind, Data, DeploymentList, DeploymentRow, EventRow, HookOutput, Outcome,
    OutputQuery, Place, Request,
};

/// Input to `update()`.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Fresh data from the source.
    Data(Box<Data>),
    /// The wall clock, told by the app loop before each batch of messages
    /// and each frame: the only time `update()` and `view()` see.
    Tick(Instant),
    /// An action finished: what it was, and how it went.
    Done(ActionKind, Outcome),
    /// A read failed: the last good data stays on screen.
    LoadFailed(String),
    /// What `:` looked up (as typed), and where it leads.
    Found(String, Result<Place, String>),
    /// A failed hook's whole output, read for the details popup.
    Output(OutputQuery, Result<Option<HookOutput>, String>),
}

/// What `update()` asks the app loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Act(Action),
    /// The selection changed: read again.
    Reload,
    Copy(String),
    /// Look up what was typed into `:`; the answer comes back as `Msg::Found`.
    Find(String),
    /// Read a failed hook's whole output; it comes back as `Msg::Output`.
    Output(OutputQuery),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Apps,
    Groups,
    Deployments,
    Timeline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Main,
    Log,
}

/// The API server as the header shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiStatus {
    Serving(String),
    Off,
    Busy(String),
    /// A remote source: there is no local API to speak of.
    Remote,
}

/// A list's cursor and scroll position.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` within `len` rows, keeping the selection in a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.scroll(page);
    }

    pub fn clamp(&mut self, len: usize, page: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        self.scroll(page);
    }

    fn scroll(&mut self, page: usize) {
        self.offset = visible_offset(*self, page);
    }
}

/// The first visible row for a cursor in a page of `page` rows.
pub fn visible_offset(c: Cursor, page: usize) -> usize {
    let page = page.max(1);
    if c.selected < c.offset {
        c.selected
    } else if c.selected >= c.offset + page {
        c.selected + 1 - page
    } else {
        c.offset
    }
}

/// A question before a change; the default answer is Cancel.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub body: String,
    pub action: Action,
    /// The button naming the action, e.g. "Stop d-ABC123XYZ".
    pub button: String,
    /// False: Cancel is focused.
    pub on_action: bool,
    /// Stop only: the "roll back" toggle.
    pub rollback: Option<bool>,
}

/// The `:` command line at the bottom.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prompt {
    pub text: String,
    /// While ↑/↓ walk the history: the entry shown (0 is the newest).
    pub recall: Option<usize>,
    /// What Tab offered last: the candidates the text could become.
    pub offered: Vec<String>,
}

/// Entries `:` remembers for ↑.
pub const HISTORY_KEEP: usize = 50;

/// The create-deployment form.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub app: String,
    pub groups: Vec<String>,
    pub group: usize,
    pub revision: String,
    /// The revision the form opened with, used whole while `revision` still names it.
    pub base: Option<RevisionLocation>,
    /// The configs valid for the group's platform.
    pub configs: Vec<String>,
    /// Typed to narrow `configs` down.
    pub config_filter: String,
    /// 0: the group's own config; k: the k-th config passing the filter.
    pub config_choice: usize,
    pub description: String,
    /// 0: the group's setting, 1: roll back on failure, 2: never.
    pub rollback: usize,
    pub field: FormField,
    pub error: Option<String>,
}

impl Form {
    /// The configs passing the filter (case-insensitive, on name and label).
    pub fn matching_configs(&self) -> Vec<&str> {
        let filter = self.config_filter.to_lowercase();
        self.configs
            .iter()
            .filter(|c| {
                c.to_lowercase().contains(&filter)
                    || super::theme::config_label(c)
                        .to_lowercase()
                        .contains(&filter)
            })
            .map(String::as_str)
            .collect()
    }

    /// The config override chosen, `None` for the group's own.
    pub fn chosen_config(&self) -> Option<String> {
        let k = self.config_choice.checked_sub(1)?;
        self.matching_configs().get(k).map(|c| c.to_string())
    }
}

/// The create form's fields, top to bottom, then its two buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Group,
    Revision,
    Config,
    Description,
    Rollback,
    Cancel,
    Create,
}

impl FormField {
    /// In the order Tab visits them.
    pub const ALL: [FormField; 7] = [
        FormField::Group,
        FormField::Revision,
        FormField::Config,
        FormField::Description,
        FormField::Rollback,
        FormField::Cancel,
        FormField::Create,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FormField::Group => "Group",
            FormField::Revision => "Revision",
            FormField::Config => "Config",
            FormField::Description => "Description",
            FormField::Rollback => "Rollback",
            FormField::Cancel => "Cancel",
            FormField::Create => "Create",
        }
    }

    fn index(self) -> usize {
        FormField::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// The next one down (Tab), staying on the last.
    pub fn next(self) -> FormField {
        FormField::ALL[(self.index() + 1).min(FormField::ALL.len() - 1)]
    }

    /// The next one up (Shift-Tab), staying on the first.
    pub fn prev(self) -> FormField {
        FormField::ALL[self.index().saturating_sub(1)]
    }

    /// Typed into.
    pub fn is_text(self) -> bool {
        matches!(self, FormField::Revision | FormField::Description)
    }

    /// A choice ◂ ▸ cycles through.
    pub fn is_choice(self) -> bool {
        matches!(self, FormField::Group | FormField::Rollback)
    }

    /// One of the two buttons under the fields.
    pub fn is_button(self) -> bool {
        matches!(self, FormField::Cancel | FormField::Create)
    }
}
pub const ROLLBACK_CHOICES: [&str; 3] = ["group setting", "on failure or stop", "never"];

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    Confirm(Box<Confirm>),
    Form(Box<Form>),
    Diagnostics,
}

pub struct Model {
    pub screen: Screen,
    pub pane: Pane,
    pub data: Data,
    /// The selection by identity, so reloads keep it.
    pub app: Option<String>,
    pub group_id: Option<String>,
    pub deployment: Option<String>,
    pub apps: Cursor,
    pub groups: Cursor,
    pub list: Cursor,
    pub target: Cursor,
    /// Selected lifecycle event column on the timeline.
    pub event: usize,
    pub log: Cursor,
    /// The deployments that pass the filter.
    pub visible: Visible,
    pub filter: String,
    pub filtering: bool,
    /// The `:` command line, while open.
    pub prompt: Option<Prompt>,
    /// What `:` ran before, newest last.
    pub history: Vec<String>,
    /// The deployment list shows every application's (`:failed`, `:running`).
    pub across: Option<Across>,
    /// `:` found an instance: the cursor goes to its row when the timeline arrives.
    pub seek_target: Option<String>,
    pub popup: Option<Popup>,
    /// Lines the details popup is scrolled down by.
    pub detail_scroll: u16,
    /// The lesson focus last followed: the cursor moves only when it changes,
    /// so the learner can move away from it.
    pub focused: Option<(String, Option<String>)>,
    /// The whole output of the failed hook the details popup shows, once read.
    pub output: Option<(OutputQuery, Result<Option<HookOutput>, String>)>,
    /// A create form sent and not answered yet: it comes back if refused.
    pub submitted: Option<Box<Form>>,
    /// `n` on an application: open the form once its groups are read.
    pub form_after_load: bool,
    /// A roll back sent: the deployment whose timeline opens when it is done
    /// (unless it created a new deployment, which opens instead).
    pub open_after: Option<String>,
    pub flash: Option<(String, bool)>,
    /// A long wait the first `.` announced: the second press skips it.
    pub step_armed: Option<Millis>,
    /// The last read failed: the error, shown in the header until a read succeeds.
    pub load_error: Option<String>,
    /// A read is slow: the spinner's frame.
    pub spinner: Option<usize>,
    /// When `data` arrived: the clock moves on from `data.now` since then.
    pub data_at: Option<Instant>,
    /// The wall clock as last told (`Msg::Tick`); never read here.
    pub wall: Option<Instant>,
    /// Rows of the event log pane.
    pub log_height: u16,
    /// A timeline was just opened: put the cursor on its first failure.
    pub seek_failure: bool,
    /// The event log shows every event, not just the selection's.
    pub log_all: bool,
    /// The IDs of the listed deployments, for the event log's group scope,
    /// computed again only when the finished rows change.
    pub listed_ids: (
        Option<Arc<Vec<DeploymentRow>>>,
        std::collections::HashSet<String>,
    ),
    pub events: Vec<EventRow>,
    pub last_event: u64,
    pub mode: String,
    pub api: ApiStatus,
    pub read_only: bool,
    pub local: bool,
    pub color: bool,
    pub size: (u16, u16),
    pub quit: bool,
}

/// Which deployments pass the filter, as indexes into the list. The
/// finished part is filtered once per (rows, filter) and shared after that, so
/// a refresh costs the unfinished rows only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visible {
    /// Indexes of unfinished rows that pass.
    active: Vec<usize>,
    /// Indexes into the finished rows that pass; `None`: all of them.
    finished: Option<Arc<Vec<usize>>>,
    finished_len: usize,
    /// How many unfinished rows precede the finished ones.
    offset: usize,
    /// What `finished` was computed from (held, so it is the same rows).
    rows: Arc<Vec<DeploymentRow>>,
    filter: String,
}

impl Visible {
    /// Filters `list` with `keep`; reuses the finished part when neither the
    /// finished rows nor the filter changed.
    pub fn compute(
        &mut self,
        list: &DeploymentList,
        filter: &str,
        keep: impl Fn(&DeploymentRow) -> bool,
    ) {
        let offset = list.active.len();
        self.active = (0..offset).filter(|i| keep(&list.active[*i])).collect();
        if !Arc::ptr_eq(&self.rows, &list.finished) || self.filter != filter {
            self.finished = (!filter.is_empty()).then(|| {
                Arc::new(
                    (0..list.finished.len())
                        .filter(|i| keep(&list.finished[*i]))
                        .collect(),
                )
            });
            self.finished_len = list.finished.len();
            self.rows = list.finished.clone();
            self.filter = filter.to_string();
        }
        // Stored relative to the finished rows; shifted by `offset` on read.
        self.offset = offset;
    }

    pub fn len(&self) -> usize {
        self.active.len()
            + self
                .finished
                .as_ref()
                .map_or(self.finished_len, |f| f.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list index of the `i`-th visible row.
    pub fn index(&self, i: usize) -> Option<usize> {
        match i.checked_sub(self.active.len()) {
            None => self.active.get(i).copied(),
            Some(j) => match &self.finished {
                None => (j < self.finished_len).then_some(self.offset + j),
                Some(f) => f.get(j).map(|k| self.offset + k),
            },
        }
    }

    /// The visible row indexes, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter_map(|i| self.index(i))
    }
}

/// The event log pane's height, and how tall it may be made.
pub const LOG_HEIGHT: u16 = 6;
pub const LOG_HEIGHT_MAX: u16 = 18;

/// Most event log lines the model keeps.
pub const LOG_KEEP: usize = 500;

impl Model {
    pub fn new(mode: String, api: ApiStatus, read_only: bool, local: bool) -> Model {
        Model {
            screen: Screen::Apps,
            pane: Pane::Main,
            data: Data::default(),
            app: None,
            group_id: None,
            deployment: None,
            apps: Cursor::default(),
            groups: Cursor::default(),
            list: Cursor::default(),
            target: Cursor::default(),
            event: 0,
            log: Cursor::default(),
            visible: Visible::default(),
            filter: String::new(),
            filtering: false,
            prompt: None,
            history: Vec::new(),
            across: None,
            seek_target: None,
            popup: None,
            detail_scroll: 0,
            focused: None,
            output: None,
            submitted: None,
            form_after_load: false,
            open_after: None,
            flash: None,
            step_armed: None,
            load_error: None,
            spinner: None,
            data_at: None,
            wall: None,
            log_height: LOG_HEIGHT,
            seek_failure: false,
            log_all: false,
            listed_ids: (None, Default::default()),
            events: Vec::new(),
            last_event: 0,
            mode,
            api,
            read_only,
            local,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            size: (80, 24),
            quit: false,
        }
    }

    /// Opens deployment `deployment` of group `group_id` in `app` on the
    /// timeline, as if the user had drilled down to it.
    pub fn open_at(&mut self, app: String, group_id: String, deployment: String) {
        self.app = Some(app);
        self.group_id = Some(group_id);
        self.deployment = Some(deployment);
        self.screen = Screen::Timeline;
    }

    /// What to read for the current selection.
    pub fn request(&self) -> Request {
        Request {
            app: self.app.clone(),
            group_id: self.group_id.clone(),
            deployment: self.deployment.clone(),
            across: self.across,
            events_after: self.last_event,
        }
    }

    /// The highlighted deployment row on the list.
    pub fn selected_row(&self) -> Option<&DeploymentRow> {
        let i = self.visible.index(self.list.selected)?;
        self.data.deployments.get(i)
    }

    /// A lesson is on screen (its caption is part of every read).
    pub fn in_lesson(&self) -> bool {
        self.data.caption.is_some()
    }

    /// The virtual time now: the data's, moved on by the wall time since it
    /// arrived at the clock's speed (not while paused).
    pub fn now(&self) -> Millis {
        let moved = match (self.data_at, self.wall) {
            (Some(at), Some(wall)) if !self.data.paused => {
                let since = wall.saturating_duration_since(at);
                (since.as_millis() as f64 * self.data.speed) as Millis
            }
            _ => 0,
        };
        self.data.now + moved
    }

    /// Wall time until the shown clock's seconds change (while it moves).
    pub fn until_next_second(&self) -> Option<std::time::Duration> {
        if self.data.paused || self.data.speed <= 0.0 {
            return None;
        }
        let into = self.now().rem_euclid(1000) as f64;
        let wall = ((1000.0 - into) / self.data.speed).ceil().max(1.0);
        Some(std::time::Duration::from_millis(wall as u64))
    }

    /// The lifecycle event under the cursor on the timeline.
    pub fn selected_event(&self) -> Option<&LifecycleEvent> {
        let d = self.data.detail.as_ref()?;
        let t = d.targets.get(self.target.selected)?;
        t.events
            .get(self.event.min(t.events.len().saturating_sub(1)))
    }

    /// The selected event's whole output to read, when it failed.
    pub fn output_query(&self) -> Option<OutputQuery> {
        let d = self.data.detail.as_ref()?;
        let t = d.targets.get(self.target.selected)?;
        let e = self.selected_event()?;
        if e.status != Some(LifecycleEventStatus::Failed) {
            return None;
        }
        Some(OutputQuery {
            deployment: d.info.deployment_id.clone()?,
            target: t.id.clone(),
            event: e.lifecycle_event_name.clone()?,
            at: e.end_time.or(e.start_time)?.0,
        })
    }

    /// The deployment the keys act on: the timeline's, else the list's.
    pub fn focused_deployment(&self) -> Option<(String, DeploymentStatus)> {
        if self.screen == Screen::Timeline {
            let d = self.data.detail.as_ref()?;
            return Some((
                d.info.deployment_id.clone()?,
                d.info.status.clone().unwrap_or(DeploymentStatus::Created),
            ));
        }
        if self.screen == Screen::Deployments {
            return self
                .selected_row()
                .map(|r| (r.id.clone(), r.status.clone()));
        }
        None
    }

    /// The event log entries the pane shows: the open deployment's, the open
    /// group's, or all (on the applications and groups screens, or with `e`).
    pub fn log_entries(&self) -> Vec<&EventRow> {
        let keep = |e: &&EventRow| -> bool {
            if self.log_all {
                return true;
            }
            match self.screen {
                Screen::Timeline => match &e.deployment {
                    Some(d) => Some(d) == self.deployment.as_ref(),
                    None => self.while_open_deployment_ran(e),
                },
                Screen::Deployments => e
                    .deployment
                    .as_ref()
                    .is_some_and(|d| self.listed_ids.1.contains(d)),
                _ => true,
            }
        };
        self.events.iter().filter(keep).collect()
    }

    /// A change to the world (an alarm, a broken host) while the open
    /// deployment ran bears on it: its log shows it.
    fn while_open_deployment_ran(&self, e: &EventRow) -> bool {
        let Some(info) = self.data.detail.as_ref().map(|d| &d.info) else {
            return false;
        };
        let from = info.create_time.map(|t| t.0);
        let to = info.complete_time.map(|t| t.0).unwrap_or(Millis::MAX);
        e.kind == crate::state::EventKind::World
            && from.is_some_and(|f| f <= e.time && e.time <= to)
    }

    /// What the event log pane shows, for its title.
    pub fn log_scope(&self) -> Option<String> {
        if self.log_all {
            return None;
        }
        match self.screen {
            Screen::Timeline => self.deployment.clone(),
            Screen::Deployments if self.across.is_some() => {
                self.across.map(|a| a.word().to_string())
            }
            Screen::Deployments => self
                .group_id
                .as_ref()
                .and_then(|id| self.data.groups.iter().find(|g| &g.id == id))
                .map(|g| g.name.clone()),
            _ => None,
        }
    }

    /// The group of the focused deployment (the open group on the list).
    pub fn focused_group(&self) -> Option<&crate::source::GroupRow> {
        if self.screen == Screen::Timeline {
            let name = self
                .data
                .detail
                .as_ref()?
                .info
                .deployment_group_name
                .as_ref()?;
            return self.data.groups.iter().find(|g| &g.name == name);
        }
        let id = self.group_id.as_ref()?;
        self.data.groups.iter().find(|g| &g.id == id)
    }

    /// The wait `C` would end for the focused deployment: Ready (on the list
    /// or the timeline), or a termination wait (on the timeline).
    pub fn wait_to_continue(&self) -> Option<DeploymentWaitType> {
        let (_, status) = self.focused_deployment()?;
        if status == DeploymentStatus::Ready {
            return Some(DeploymentWaitType::ReadyWait);
        }
        let d = self
            .data
            .detail
            .as_ref()
            .filter(|_| self.screen == Screen::Timeline)?;
        let waits = |w: Option<&crate::source::WaitView>| {
            w.is_some_and(|w| w.kind == DeploymentWaitType::TerminationWait)
        };
        let terminating = waits(d.traffic.as_ref().and_then(|t| t.wait.as_ref()))
            || waits(d.blue_green.as_ref().and_then(|b| b.wait.as_ref()));
        terminating.then_some(DeploymentWaitType::TerminationWait)
    }

    /// The EC2/on-premises host under the cursor on a local timeline.
    pub fn selected_host(&self) -> Option<String> {
        let d = self
            .data
            .detail
            .as_ref()
            .filter(|_| self.screen == Screen::Timeline)?;
        if d.traffic.is_some() {
            return None;
        }
        d.targets
            .get(self.target.selected)
            .map(|t| t.host.clone())
            .filter(|h| !h.is_empty())
    }

    /// On a running Lambda or ECS deployment's timeline: its ID, the one
    /// whose next hook `f` fails (these platforms have hooks, not hosts).
    pub fn hook_deployment(&self) -> Option<String> {
        let d = self
            .data
            .detail
            .as_ref()
            .filter(|_| self.screen == Screen::Timeline)?;
        let running = d.traffic.is_some() && d.info.status.as_ref().is_some_and(|s| !s.is_final());
        running.then(|| d.info.deployment_id.clone()).flatten()
    }

    /// On a finished Lambda deployment's timeline whose alias is left on two
    /// versions: the function and the alias `R` repairs.
    pub fn split_alias(&self) -> Option<(String, String)> {
        let d = self
            .data
            .detail
            .as_ref()
            .filter(|_| self.screen == Screen::Timeline)?;
        let finished = d.info.status.as_ref().is_some_and(|s| s.is_final());
        let tv = d.traffic.as_ref().filter(|tv| tv.alias_split && finished)?;
        tv.alias.clone()
    }

    /// True while something moves (a Ready wait counts down too): elapsed
    /// times need a 1 s tick. Only unfinished deployments are looked at.
    pub fn needs_tick(&self) -> bool {
        let running = |s: &DeploymentStatus| !s.is_final();
        !self.data.paused
            && (self
                .data
                .deployments
                .active
                .iter()
                .any(|d| running(&d.status))
                || self
                    .data
                    .detail
                    .as_ref()
                    .is_some_and(|d| d.info.status.as_ref().is_some_and(running)))
    }

    /// Rows a list shows on the current screen size (for paging).
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(12).max(3)
    }
}
