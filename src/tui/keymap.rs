//! The one keymap table: `update()` looks keys up here, and the footer hints,
//! the help screen and the README's key list are all rendered from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::source::ActionKind;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Help,
    Quit,
    Jump,
    Back,
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    Enter,
    Filter,
    New,
    Stop,
    RollBack,
    Continue,
    Pause,
    Step,
    StepBack,
    Faster,
    Slower,
    ResetSpeed,
    Diagnostics,
    Copy,
    BreakHost,
    RepairAlias,
    Alarm,
    LogScope,
    LogTaller,
    OpenLink,
}

/// Where a binding is offered in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Always shown.
    Always,
    /// Shown on the applications and groups screens, where the footer has room.
    Lists,
    /// Shown on the deployment screens.
    Deployments,
    /// Shown on the timeline.
    Timeline,
    /// Shown while the focused deployment waits and can be continued.
    Wait,
    /// Shown on the timeline of a local EC2/on-premises deployment.
    Host,
    /// Shown on a finished Lambda deployment's timeline while its alias is
    /// left on two versions.
    Alias,
    /// Shown on the local engine's screens (the clock).
    Local,
    /// Shown in a lesson (the step keys).
    Lesson,
    /// Never in the footer (help only).
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written for people.
    pub label: &'static str,
    pub command: Command,
    /// Short footer word.
    pub short: &'static str,
    /// What it does, for the help screen and the README.
    pub help: &'static str,
    pub hint: Hint,
    /// The action the key leads to, if it acts on the source.
    pub acts: Option<ActionKind>,
}

impl Binding {
    /// Changes a deployment or the world: asks first; refused with
    /// `--read-only` (decided by `ActionKind::changes_state`, one list).
    pub fn changes(&self) -> bool {
        self.acts.is_some_and(ActionKind::changes_state)
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn c(ch: char) -> (KeyCode, KeyModifiers) {
    (KeyCode::Char(ch), NONE)
}

macro_rules! bind {
    ($keys:expr, $label:expr, $cmd:ident, $short:expr, $hint:ident, $acts:expr, $help:expr) => {
        Binding {
            keys: $keys,
            label: $label,
            command: Command::$cmd,
            short: $short,
            help: $help,
            hint: Hint::$hint,
            acts: $acts,
        }
    };
}

pub const KEYMAP: &[Binding] = &[
    bind!(&[c('?')], "?", Help, "help", Always, None, "Show this help"),
    bind!(
        &[c('q'), (KeyCode::Char('c'), KeyModifiers::CONTROL)],
        "q, ctrl-c",
        Quit,
        "quit",
        Always,
        None,
        "Quit"
    ),
    bind!(
        &[c(':')],
        ":",
        Jump,
        "go",
        Lists,
        None,
        "Go to an application, group, deployment or instance ID; failed or running list them all"
    ),
    bind!(
        &[(KeyCode::Esc, NONE)],
        "esc",
        Back,
        "back",
        Never,
        None,
        "Back, close a popup or clear the filter"
    ),
    bind!(
        &[c('k'), (KeyCode::Up, NONE)],
        "k, ↑",
        Up,
        "up",
        Never,
        None,
        "Move up"
    ),
    bind!(
        &[c('j'), (KeyCode::Down, NONE)],
        "j, ↓",
        Down,
        "down",
        Never,
        None,
        "Move down"
    ),
    bind!(
        &[c('h'), (KeyCode::Left, NONE)],
        "h, ←",
        Left,
        "event",
        Never,
        None,
        "Previous lifecycle event (timeline)"
    ),
    bind!(
        &[(KeyCode::Right, NONE)],
        "→",
        Right,
        "event",
        Never,
        None,
        "Next lifecycle event (timeline)"
    ),
    bind!(
        &[c('g'), (KeyCode::Home, NONE)],
        "g, Home",
        Top,
        "top",
        Never,
        None,
        "First row"
    ),
    bind!(
        &[c('G'), (KeyCode::Char('G'), SHIFT), (KeyCode::End, NONE)],
        "G, End",
        Bottom,
        "bottom",
        Never,
        None,
        "Last row"
    ),
    bind!(
        &[(KeyCode::PageUp, NONE)],
        "PgUp",
        PageUp,
        "page",
        Never,
        None,
        "Page up"
    ),
    bind!(
        &[(KeyCode::PageDown, NONE)],
        "PgDn",
        PageDown,
        "page",
        Never,
        None,
        "Page down"
    ),
    bind!(
        &[
            (KeyCode::Tab, NONE),
            (KeyCode::BackTab, SHIFT),
            (KeyCode::BackTab, NONE)
        ],
        "Tab",
        NextPane,
        "pane",
        Never,
        None,
        "Switch between the main view and the event log (Shift-Tab too)"
    ),
    bind!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        Enter,
        "open",
        Always,
        None,
        "Drill in: application, group, deployment, timeline"
    ),
    bind!(
        &[c('/')],
        "/",
        Filter,
        "filter",
        Deployments,
        None,
        "Filter deployments: status:failed, creator:user or any text"
    ),
    bind!(
        &[c('n')],
        "n",
        New,
        "new",
        Deployments,
        Some(ActionKind::Create),
        "Create a deployment (a form: group, revision, config, description, rollback)"
    ),
    bind!(
        &[c('X'), (KeyCode::Char('X'), SHIFT)],
        "X",
        Stop,
        "stop",
        Deployments,
        Some(ActionKind::Stop),
        "Stop the selected deployment (asks; toggle roll back)"
    ),
    bind!(
        &[c('U'), (KeyCode::Char('U'), SHIFT)],
        "U",
        RollBack,
        "roll back",
        Deployments,
        Some(ActionKind::RollBack),
        "Roll back: stop and roll back, or redeploy the last good revision"
    ),
    bind!(
        &[c('C'), (KeyCode::Char('C'), SHIFT)],
        "C",
        Continue,
        "continue",
        Wait,
        Some(ActionKind::Continue),
        "Continue a deployment waiting as Ready, or end its termination wait now"
    ),
    bind!(
        &[c(' ')],
        "space",
        Pause,
        "pause",
        Local,
        Some(ActionKind::Pause),
        "Pause or resume the virtual clock"
    ),
    bind!(
        &[c('.')],
        ".",
        Step,
        "step",
        Lesson,
        Some(ActionKind::Step),
        "Step the paused clock to the next event (pauses a running one; long waits ask twice)"
    ),
    bind!(
        &[c(',')],
        ",",
        StepBack,
        "back",
        Lesson,
        Some(ActionKind::StepBack),
        "In a lesson: back to where the previous step landed (replayed from the lesson's start)"
    ),
    bind!(
        &[c('+'), c('='), (KeyCode::Char('+'), SHIFT)],
        "+",
        Faster,
        "faster",
        Never,
        Some(ActionKind::Speed),
        "Faster clock (up to 64x)"
    ),
    bind!(
        &[c('-')],
        "-",
        Slower,
        "slower",
        Never,
        Some(ActionKind::Speed),
        "Slower clock (down to 1/4x)"
    ),
    bind!(
        &[c('0')],
        "0",
        ResetSpeed,
        "1x",
        Never,
        Some(ActionKind::Speed),
        "Clock back to 1x"
    ),
    bind!(
        &[c('l')],
        "l",
        Diagnostics,
        "details",
        Timeline,
        None,
        "Details: whole error and rollback; the event's error, script, log (all of it with --logs-group)"
    ),
    bind!(
        &[c('y')],
        "y",
        Copy,
        "copy id",
        Never,
        None,
        "Copy the selected ID (OSC 52); on a timeline, a waiting hook or a local host's scripts.log"
    ),
    bind!(
        &[c('f')],
        "f",
        BreakHost,
        "break host",
        Host,
        Some(ActionKind::BreakHost),
        "Teaching fault: the selected host's next event fails (Lambda, ECS: the running hook fails)"
    ),
    bind!(
        &[c('R')],
        "R",
        RepairAlias,
        "repair alias",
        Alias,
        Some(ActionKind::RepairAlias),
        "Point a Lambda alias a stopped deployment left on two versions at one again"
    ),
    bind!(
        &[c('a')],
        "a",
        Alarm,
        "alarm",
        Never,
        Some(ActionKind::SetAlarm),
        "Switch the group's alarm on or off (teaching)"
    ),
    bind!(
        &[c('e')],
        "e",
        LogScope,
        "all events",
        Never,
        None,
        "Event log: the selection's events, or every event"
    ),
    bind!(
        &[c('L'), (KeyCode::Char('L'), SHIFT)],
        "L",
        LogTaller,
        "taller log",
        Never,
        None,
        "Make the event log taller (up to 18 lines), then back to 6"
    ),
    bind!(
        &[c('o')],
        "o",
        OpenLink,
        "open link",
        Never,
        None,
        "Open the deployment a rollback link names (timeline), or an event log line's"
    ),
];

/// The command a key press means, if any.
pub fn lookup(key: &KeyEvent) -> Option<&'static Binding> {
    KEYMAP.iter().find(|b| {
        b.keys.iter().any(|(code, mods)| {
            *code == key.code && (*mods == key.modifiers || plain_char(key, *code, *mods))
        })
    })
}

/// Terminals differ on whether an upper-case letter carries SHIFT.
fn plain_char(key: &KeyEvent, code: KeyCode, mods: KeyModifiers) -> bool {
    matches!(code, KeyCode::Char(_)) && mods == NONE && key.modifiers == SHIFT
}

/// The binding for a command.
pub fn binding(command: Command) -> Option<&'static Binding> {
    KEYMAP.iter().find(|b| b.command == command)
}

/// The README's key table, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from("| Key | Action |\n|---|---|\n");
    for b in KEYMAP {
        let keys: Vec<String> = b.label.split(", ").map(|k| format!("`{k}`")).collect();
        let note = if b.changes() {
            " (asks first; off with `--read-only`)"
        } else {
            ""
        };
        out.push_str(&format!("| {} | {}{note} |\n", keys.join(", "), b.help));
    }
    out.push_str("\nInside popups:\n\n");
    out.push_str(&super::popup_keys::markdown());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_means_one_thing() {
        let mut seen = Vec::new();
        for b in KEYMAP {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice");
                seen.push(*k);
            }
        }
    }

    /// The help screen is 110 columns wide at most, 11 of them the keys.
    #[test]
    fn every_help_text_fits_the_help_screen() {
        for b in KEYMAP {
            assert!(b.help.chars().count() <= 96, "{}: {}", b.label, b.help);
        }
    }

    #[test]
    fn upper_case_with_or_without_shift() {
        let plain = KeyEvent::new(KeyCode::Char('X'), NONE);
        let shifted = KeyEvent::new(KeyCode::Char('X'), SHIFT);
        assert_eq!(lookup(&plain).map(|b| b.command), Some(Command::Stop));
        assert_eq!(lookup(&shifted).map(|b| b.command), Some(Command::Stop));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&ctrl_c).map(|b| b.command), Some(Command::Quit));
        assert!(lookup(&KeyEvent::new(KeyCode::Char('c'), NONE)).is_none());
    }
}
