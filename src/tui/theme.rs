//! Glyphs, colours and time formats. Colour is never the only signal: every
//! state has a glyph and a word; with NO_COLOR only bold and reverse remain.

use ratatui::style::{Color, Modifier, Style};

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

pub use crate::model::labels::glyph;

/// Every glyph and bar shade, for the help screen and the README.
pub const LEGEND: [(&str, &str); 13] = [
    ("✔", "succeeded"),
    ("✖", "failed"),
    ("◌", "in progress"),
    ("⏸", "ready: waiting to continue"),
    ("◷", "pending"),
    ("■", "stopped"),
    ("–", "skipped"),
    ("█", "bar: succeeded, or traffic on the replacement"),
    ("▓", "bar: failed"),
    ("▒", "bar: in progress or ready, or traffic on the original"),
    ("░", "bar: skipped"),
    ("·", "bar: pending"),
    ("✉ ⚑", "log: trigger notification, world change"),
];

/// `✔ Succeeded`.
pub fn labelled(word: &str) -> String {
    format!("{} {word}", glyph(word))
}

/// A short explanation of a deployment status on `platform`, for people
/// learning the lifecycle.
pub fn explain_status(s: &DeploymentStatus, platform: &ComputePlatform) -> &'static str {
    let shifts = matches!(platform, ComputePlatform::Lambda | ComputePlatform::Ecs);
    match s {
        DeploymentStatus::Created => "Created: accepted; CodeDeploy is about to pick the targets and start.",
        DeploymentStatus::Queued => "Queued: another deployment is running in this group; this one starts after it.",
        DeploymentStatus::InProgress if shifts => "InProgress: traffic shifts to the replacement as the config says.",
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

pub use crate::model::time::duration_words as duration;

/// How long ago, in its largest unit: `42s`, `12m`, `5h`, `3d`.
pub fn age(ms: crate::model::time::Millis) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A config's name as people read it: `CodeDeployDefault.LambdaCanary10Percent5Minutes`
/// -> `Canary 10% / 5 min`, `CodeDeployDefault.HalfAtATime` -> `Half at a time`.
/// Custom configs keep their own names.
pub fn config_label(name: &str) -> String {
    let Some(short) = name.strip_prefix("CodeDeployDefault.") else {
        return name.to_string();
    };
    let rest = short
        .strip_prefix("Lambda")
        .or_else(|| short.strip_prefix("ECS"))
        .unwrap_or(short);
    let number = |s: &str| -> (String, usize) {
        let n: String = s.chars().take_while(char::is_ascii_digit).collect();
        let len = n.len();
        (n, len)
    };
    if let Some(r) = rest.strip_prefix("Canary") {
        let (p, len) = number(r);
        let (m, _) = number(r[len..].trim_start_matches("Percent"));
        return format!("Canary {p}% / {m} min");
    }
    if let Some(r) = rest.strip_prefix("Linear") {
        let (p, len) = number(r);
        let (m, _) = number(r[len..].trim_start_matches("PercentEvery"));
        return format!("Linear {p}% every {m} min");
    }
    match rest {
        "OneAtATime" => "One at a time".into(),
        "HalfAtATime" => "Half at a time".into(),
        "AllAtOnce" => "All at once".into(),
        other => other.to_string(),
    }
}

/// The config label for a narrow column: `Canary 10%/5m`, `One at a time`.
pub fn config_short(name: &str) -> String {
    config_label(name)
        .replace(" / ", "/")
        .replace(" every ", "/")
        .replace(" min", "m")
}

/// `text` in `width` cells: whole when it fits, else its start and end with
/// `…` in the middle (file names differ at the end: `web-rele…-v3.zip`).
pub fn middle_ellipsis(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    if width < 2 {
        return "…".chars().take(width).collect();
    }
    let tail = (width - 1) / 2 + (width - 1) % 2;
    let head = width - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The part of a revision label that tells revisions apart: an S3 key's file
/// name, a GitHub commit with its repository's name.
pub fn revision_short(label: &str) -> &str {
    match label.split_once('@') {
        Some((repo, _)) => {
            let cut = repo.rfind('/').map_or(0, |i| i + 1);
            &label[cut..]
        }
        None => label.rsplit('/').next().unwrap_or(label),
    }
}

/// Lifecycle event names short enough for a timeline column; the short
/// ones and names outside the model as they are.
pub fn short_event(name: &str) -> &str {
    use crate::model::lifecycle_event::LifecycleEventName::*;
    match name.parse() {
        Ok(ApplicationStop) => "AppStop",
        Ok(DownloadBundle) => "Download",
        Ok(BeforeInstall) => "BefInst",
        Ok(AfterInstall) => "AftInst",
        Ok(ApplicationStart) => "AppStart",
        Ok(ValidateService) => "Validate",
        Ok(BeforeBlockTraffic) => "BefBlock",
        Ok(BlockTraffic) => "Block",
        Ok(AfterBlockTraffic) => "AftBlock",
        Ok(BeforeAllowTraffic) => "BefAllow",
        Ok(AllowTraffic) => "Allow",
        Ok(AfterAllowTraffic) => "AftAllow",
        Ok(Install | AllowTestTraffic | AfterAllowTestTraffic) | Err(_) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_read_plainly() {
        let l = config_label;
        assert_eq!(
            l("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
            "Canary 10% / 5 min"
        );
        assert_eq!(
            l("CodeDeployDefault.ECSCanary10Percent15Minutes"),
            "Canary 10% / 15 min"
        );
        assert_eq!(
            l("CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
            "Linear 10% every 1 min"
        );
        assert_eq!(
            l("CodeDeployDefault.ECSLinear10PercentEvery3Minutes"),
            "Linear 10% every 3 min"
        );
        assert_eq!(l("CodeDeployDefault.HalfAtATime"), "Half at a time");
        assert_eq!(l("CodeDeployDefault.LambdaAllAtOnce"), "All at once");
        assert_eq!(l("MyCustomConfig"), "MyCustomConfig");
        assert_eq!(
            config_short("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
            "Canary 10%/5m"
        );
    }

    #[test]
    fn revisions_keep_what_tells_them_apart() {
        assert_eq!(revision_short("demo-artifacts/web-v3.zip"), "web-v3.zip");
        assert_eq!(revision_short("acme/shop@0123456"), "shop@0123456");
        assert_eq!(revision_short("inline appspec"), "inline appspec");
        assert_eq!(
            middle_ellipsis("web-release-candidate-v3.zip", 12),
            "web-r…v3.zip"
        );
        assert_eq!(middle_ellipsis("short.zip", 12), "short.zip");
    }

    #[test]
    fn times() {
        assert_eq!(date(1_700_000_000_000), "2023-11-14");
        assert_eq!(clock_time(1_700_000_000_000), "22:13:20");
        assert_eq!(duration(4_200), "4s");
        assert_eq!(duration(125_000), "2m05s");
        assert_eq!(duration(3_720_000), "1h02m");
        assert_eq!(age(42_000), "42s");
        assert_eq!(age(125_000), "2m");
        assert_eq!(age(3_720_000), "1h");
        assert_eq!(age(3 * 86_400_000 + 5), "3d");
    }
}
