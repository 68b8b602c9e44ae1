//! The keys inside popups, one table like the main keymap: the popups'
//! handlers look keys up here, and the help screen and the README's key list
//! are rendered from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Which popup a key works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupKind {
    /// A confirmation (stop, roll back, continue, break host...).
    Confirm,
    /// The create-deployment form.
    Form,
    /// Help and the details popup: things to read.
    Reading,
}

impl PopupKind {
    pub const ALL: [PopupKind; 3] = [PopupKind::Confirm, PopupKind::Form, PopupKind::Reading];

    /// How the help screen and the README name it.
    pub fn title(self) -> &'static str {
        match self {
            PopupKind::Confirm => "Confirmation (Cancel is the default)",
            PopupKind::Form => "Create form",
            PopupKind::Reading => "Help, details",
        }
    }
}

/// What a popup key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupCommand {
    /// Close without acting.
    Cancel,
    /// Confirm: the focused button. Form: the focused button, else the next field.
    Choose,
    /// Confirm: the other button.
    SwitchButton,
    /// Confirm (stop): roll back too, or not.
    ToggleRollback,
    NextField,
    PrevField,
    /// Form: the previous choice of a ◂ ▸ field or the config, or the other button.
    Previous,
    /// Form: the next one.
    Next,
    /// Form: the next choice of a ◂ ▸ field (typed in a text field).
    NextChoice,
    /// Form: deletes the last character typed.
    Erase,
    ScrollDown,
    ScrollUp,
}

#[derive(Debug, Clone, Copy)]
pub struct PopupBinding {
    pub popup: PopupKind,
    pub keys: &'static [KeyCode],
    /// How the keys are written for people.
    pub label: &'static str,
    pub command: PopupCommand,
    /// Short words for the help screen's one line per popup.
    pub short: &'static str,
}

use KeyCode::*;
use PopupCommand as P;
use PopupKind as K;

const fn b(
    popup: PopupKind,
    keys: &'static [KeyCode],
    label: &'static str,
    command: PopupCommand,
    short: &'static str,
) -> PopupBinding {
    PopupBinding {
        popup,
        keys,
        label,
        command,
        short,
    }
}

pub const POPUP_KEYS: &[PopupBinding] = &[
    b(
        K::Confirm,
        &[Left, Right, Tab, BackTab, Char('h')],
        "←/→, Tab, h",
        P::SwitchButton,
        "other button",
    ),
    b(
        K::Confirm,
        &[Char('r'), Char(' ')],
        "r, space",
        P::ToggleRollback,
        "roll back too",
    ),
    b(K::Confirm, &[Enter], "Enter", P::Choose, "press"),
    b(K::Confirm, &[Esc, Char('q')], "esc, q", P::Cancel, "cancel"),
    b(K::Form, &[Tab, Down], "Tab, ↓", P::NextField, "next field"),
    b(
        K::Form,
        &[BackTab, Up],
        "Shift-Tab, ↑",
        P::PrevField,
        "previous",
    ),
    b(K::Form, &[Left], "←", P::Previous, "previous choice"),
    b(K::Form, &[Right], "→", P::Next, "next choice"),
    b(
        K::Form,
        &[Char(' ')],
        "space",
        P::NextChoice,
        "next ◂ ▸ choice",
    ),
    b(
        K::Form,
        &[Backspace],
        "Backspace",
        P::Erase,
        "erase (other keys type)",
    ),
    b(K::Form, &[Enter], "Enter", P::Choose, "next field or press"),
    b(K::Form, &[Esc], "esc", P::Cancel, "cancel"),
    b(
        K::Reading,
        &[Down, Char('j')],
        "j, ↓",
        P::ScrollDown,
        "scroll",
    ),
    b(
        K::Reading,
        &[Up, Char('k')],
        "k, ↑",
        P::ScrollUp,
        "scroll back",
    ),
    b(
        K::Reading,
        &[Esc, Enter, Char('q'), Char('?'), Char('l')],
        "esc, Enter, q",
        P::Cancel,
        "close",
    ),
];

/// What `key` asks for in `popup`; `None` for a key it does not bind (the
/// form types it).
pub fn lookup(popup: PopupKind, key: &KeyEvent) -> Option<PopupCommand> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    POPUP_KEYS
        .iter()
        .find(|b| b.popup == popup && b.keys.contains(&key.code))
        .map(|b| b.command)
}

/// One line per popup for the help screen: `Enter press the button · …`.
pub fn summary(popup: PopupKind) -> String {
    let keys: Vec<String> = POPUP_KEYS
        .iter()
        .filter(|b| b.popup == popup)
        .map(|b| format!("{} {}", b.label, b.short))
        .collect();
    format!("{}: {}", popup.title(), keys.join(" · "))
}

/// The README's table of popup keys, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from("| In | Key | Action |\n|---|---|---|\n");
    for b in POPUP_KEYS {
        let keys: Vec<String> = b.label.split(", ").map(|k| format!("`{k}`")).collect();
        let popup = match b.popup {
            K::Confirm => "confirmation",
            K::Form => "create form",
            K::Reading => "help, details",
        };
        out.push_str(&format!(
            "| {popup} | {} | {} |\n",
            keys.join(", "),
            b.short
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_means_one_thing_in_each_popup() {
        for popup in PopupKind::ALL {
            let mut seen = Vec::new();
            for b in POPUP_KEYS.iter().filter(|b| b.popup == popup) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{popup:?}: {k:?} bound twice");
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn the_form_types_what_it_does_not_bind() {
        let key = KeyEvent::new(Char('x'), KeyModifiers::NONE);
        assert_eq!(lookup(K::Form, &key), None);
        assert_eq!(
            lookup(K::Confirm, &KeyEvent::new(Char('q'), KeyModifiers::NONE)),
            Some(P::Cancel)
        );
    }
}
