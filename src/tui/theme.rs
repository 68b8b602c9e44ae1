//! Glyphs, colours and time formats. Colour is never the only signal: every
//! state has a glyph and a word; with NO_COLOR only bold and reverse remain.

use ratatui::style::{Color, Modifier, Style};

use crate::model::time::Millis;
use crate::model::*;

/// The terminal's own 16 colours, or none.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn status(self, word: &str) -> Style {
        match word {
            "Succeeded" => self.fg(Color::Green),
            "Failed" => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            "InProgress" | "Baking" => self.fg(Color::Cyan),
            "Ready" => self.fg(Color::Magenta),
            "Stopped" => self.fg(Color::Yellow),
            "Skipped" | "Unknown" => Style::new().add_modifier(Modifier::DIM),
            _ => Style::new(),
        }
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
}

/// The glyph of a status word (deployment, target or lifecycle event).
pub fn glyph(word: &str) -> &'static str {
    match word {
        "Succeeded" => "✔",
        "Failed" => "✖",
        "InProgress" | "Baking" => "◌",
        "Ready" => "⏸",
        "Stopped" => "■",
        "Skipped" => "–",
        "Unknown" => "?",
        _ => "◷",
    }
}

/// `✔ Succeeded`.
pub fn labelled(word: &str) -> String {
    format!("{} {word}", glyph(word))
}

/// A short explanation of a deployment status, for people learning the lifecycle.
pub fn explain_status(s: &DeploymentStatus) -> &'static str {
    match s {
        DeploymentStatus::Created => "Created: accepted; CodeDeploy is about to pick the targets and start.",
        DeploymentStatus::Queued => "Queued: another deployment is running in this group; this one starts after it.",
        DeploymentStatus::InProgress => "InProgress: targets are running their lifecycle events, a batch at a time.",
        DeploymentStatus::Baking => "Baking: traffic has moved; CodeDeploy watches before finishing.",
        DeploymentStatus::Ready => "Ready: the replacement is up and waits for ContinueDeployment (key C).",
        DeploymentStatus::Succeeded => "Succeeded: every target that had to succeed did; the group now targets this revision.",
        DeploymentStatus::Failed => "Failed: too many targets failed to keep the minimum healthy hosts, or an error stopped it.",
        DeploymentStatus::Stopped => "Stopped: a user or an alarm stopped it; running events finished first.",
        _ => "",
    }
}

pub use crate::model::time::{clock_time, date};

/// `4s`, `2m05s`, `1h02m`.
pub fn duration(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

/// `CodeDeployDefault.OneAtATime` -> `OneAtATime`.
pub fn short_config(name: &str) -> &str {
    name.strip_prefix("CodeDeployDefault.").unwrap_or(name)
}

/// Lifecycle event names short enough for a timeline column.
pub fn short_event(name: &str) -> &str {
    match name {
        "ApplicationStop" => "AppStop",
        "DownloadBundle" => "Download",
        "BeforeInstall" => "BefInst",
        "AfterInstall" => "AftInst",
        "ApplicationStart" => "AppStart",
        "ValidateService" => "Validate",
        "BeforeBlockTraffic" => "BefBlock",
        "BlockTraffic" => "Block",
        "AfterBlockTraffic" => "AftBlock",
        "BeforeAllowTraffic" => "BefAllow",
        "AllowTraffic" => "Allow",
        "AfterAllowTraffic" => "AftAllow",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(date(1_700_000_000_000), "2023-11-14");
        assert_eq!(clock_time(1_700_000_000_000), "22:13:20");
        assert_eq!(duration(4_200), "4s");
        assert_eq!(duration(125_000), "2m05s");
        assert_eq!(duration(3_720_000), "1h02m");
    }
}
