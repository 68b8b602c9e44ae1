//! The one keymap table: `update()` looks keys up here, and the footer hints,
//! the help screen and the README's key list are all rendered from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Help,
    Quit,
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
    PrevPane,
    Enter,
    Filter,
    New,
    Stop,
    RollBack,
    Continue,
    Pause,
    Step,
    Faster,
    Slower,
    ResetSpeed,
    Diagnostics,
    Copy,
    BreakHost,
    Alarm,
}

/// Where a binding is offered in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Always shown.
    Always,
    /// Shown on the deployment screens.
    Deployments,
    /// Shown on the timeline.
    Timeline,
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
    /// Changes a deployment or the world: asks first; refused with `--read-only`.
    pub changes: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn c(ch: char) -> (KeyCode, KeyModifiers) {
    (KeyCode::Char(ch), NONE)
}

macro_rules! bind {
    ($keys:expr, $label:expr, $cmd:ident, $short:expr, $hint:ident, $changes:expr, $help:expr) => {
        Binding {
            keys: $keys,
            label: $label,
            command: Command::$cmd,
            short: $short,
            help: $help,
            hint: Hint::$hint,
            changes: $changes,
        }
    };
}

pub const KEYMAP: &[Binding] = &[
    bind!(
        &[c('?')],
        "?",
        Help,
        "help",
        Always,
        false,
        "Show this help"
    ),
    bind!(
        &[c('q'), (KeyCode::Char('c'), KeyModifiers::CONTROL)],
        "q, ctrl-c",
        Quit,
        "quit",
        Always,
        false,
        "Quit"
    ),
    bind!(
        &[(KeyCode::Esc, NONE)],
        "esc",
        Back,
        "back",
        Never,
        false,
        "Back, close a popup or clear the filter"
    ),
    bind!(
        &[c('k'), (KeyCode::Up, NONE)],
        "k, ↑",
        Up,
        "up",
        Never,
        false,
        "Move up"
    ),
    bind!(
        &[c('j'), (KeyCode::Down, NONE)],
        "j, ↓",
        Down,
        "down",
        Never,
        false,
        "Move down"
    ),
    bind!(
        &[c('h'), (KeyCode::Left, NONE)],
        "h, ←",
        Left,
        "event",
        Never,
        false,
        "Previous lifecycle event (timeline)"
    ),
    bind!(
        &[(KeyCode::Right, NONE)],
        "→",
        Right,
        "event",
        Never,
        false,
        "Next lifecycle event (timeline)"
    ),
    bind!(
        &[c('g'), (KeyCode::Home, NONE)],
        "g, Home",
        Top,
        "top",
        Never,
        false,
        "First row"
    ),
    bind!(
        &[c('G'), (KeyCode::Char('G'), SHIFT), (KeyCode::End, NONE)],
        "G, End",
        Bottom,
        "bottom",
        Never,
        false,
        "Last row"
    ),
    bind!(
        &[(KeyCode::PageUp, NONE)],
        "PgUp",
        PageUp,
        "page",
        Never,
        false,
        "Page up"
    ),
    bind!(
        &[(KeyCode::PageDown, NONE)],
        "PgDn",
        PageDown,
        "page",
        Never,
        false,
        "Page down"
    ),
    bind!(
        &[(KeyCode::Tab, NONE)],
        "Tab",
        NextPane,
        "pane",
        Never,
        false,
        "Switch between the main view and the event log"
    ),
    bind!(
        &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)],
        "Shift-Tab",
        PrevPane,
        "pane",
        Never,
        false,
        "Switch pane backwards"
    ),
    bind!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        Enter,
        "open",
        Always,
        false,
        "Drill in: application, group, deployment, timeline"
    ),
    bind!(
        &[c('/')],
        "/",
        Filter,
        "filter",
        Deployments,
        false,
        "Filter deployments: status:failed, creator:user or any text"
    ),
    bind!(
        &[c('n')],
        "n",
        New,
        "new",
        Deployments,
        true,
        "Create a deployment (a form: group, revision, config, description, rollback)"
    ),
    bind!(
        &[c('X'), (KeyCode::Char('X'), SHIFT)],
        "X",
        Stop,
        "stop",
        Deployments,
        true,
        "Stop the selected deployment (asks; toggle roll back)"
    ),
    bind!(
        &[c('U'), (KeyCode::Char('U'), SHIFT)],
        "U",
        RollBack,
        "roll back",
        Deployments,
        true,
        "Roll back: stop and roll back, or redeploy the last good revision"
    ),
    bind!(
        &[c('C'), (KeyCode::Char('C'), SHIFT)],
        "C",
        Continue,
        "continue",
        Never,
        true,
        "Continue a deployment waiting as Ready, or end its termination wait now"
    ),
    bind!(
        &[c(' ')],
        "space",
        Pause,
        "pause",
        Always,
        false,
        "Pause or resume the virtual clock"
    ),
    bind!(
        &[c('.')],
        ".",
        Step,
        "step",
        Never,
        false,
        "Step the paused clock to the next event"
    ),
    bind!(
        &[c('+'), c('='), (KeyCode::Char('+'), SHIFT)],
        "+",
        Faster,
        "faster",
        Never,
        false,
        "Faster clock (up to 64x)"
    ),
    bind!(
        &[c('-')],
        "-",
        Slower,
        "slower",
        Never,
        false,
        "Slower clock (down to 1/4x)"
    ),
    bind!(
        &[c('0')],
        "0",
        ResetSpeed,
        "1x",
        Never,
        false,
        "Clock back to 1x"
    ),
    bind!(
        &[c('l')],
        "l",
        Diagnostics,
        "log",
        Timeline,
        false,
        "Diagnostics of the selected event: error code, script, message, log tail"
    ),
    bind!(
        &[c('y')],
        "y",
        Copy,
        "copy id",
        Never,
        false,
        "Copy the selected ID (a hook waiting for an answer first) to the clipboard (OSC 52)"
    ),
    bind!(
        &[c('f')],
        "f",
        BreakHost,
        "break host",
        Timeline,
        true,
        "Break the selected host: its next lifecycle event fails (teaching)"
    ),
    bind!(
        &[c('a')],
        "a",
        Alarm,
        "alarm",
        Never,
        true,
        "Switch the group's alarm on or off (teaching)"
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
        let note = if b.changes {
            " (asks first; off with `--read-only`)"
        } else {
            ""
        };
        out.push_str(&format!("| {} | {}{note} |\n", keys.join(", "), b.help));
    }
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
