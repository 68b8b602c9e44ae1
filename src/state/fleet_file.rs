//! How the fleet file is read: host tables take every key at one level (no
//! serde `flatten`, which loses where a key is), so an unknown key or a
//! wrong type is reported at the key itself, with the keys the table takes.
//! (`fleet` turns the tables into its specs.)

use std::collections::BTreeMap;

use serde::Deserialize;

/// An `[[instance]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InstanceKeys {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) tags: BTreeMap<String, String>,
    pub(super) availability_zone: Option<String>,
    pub(super) root: Option<String>,
    pub(super) install_to_system: Option<bool>,
    #[serde(default)]
    pub(super) durations: BTreeMap<String, f64>,
    pub(super) jitter: Option<f64>,
    pub(super) fail: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) missing: Option<String>,
    pub(super) disk_full: Option<String>,
    pub(super) state: Option<String>,
    pub(super) local: Option<bool>,
}

/// An `[[auto_scaling_group]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AsgKeys {
    pub(super) name: String,
    #[serde(default)]
    pub(super) capacity: u32,
    #[serde(default)]
    pub(super) tags: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) durations: BTreeMap<String, f64>,
    pub(super) jitter: Option<f64>,
    pub(super) fail: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) missing: Option<String>,
    pub(super) disk_full: Option<String>,
    pub(super) state: Option<String>,
    pub(super) local: Option<bool>,
}

/// A TOML error of `text` in people's terms: `line 11, column 1: unknown
/// field `fial`, expected one of ... (did you mean `fail`?)`; a wrong type
/// names its key (`fail: invalid type: integer `3`, expected a string`).
pub(super) fn describe(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end().to_string();
    let Some(span) = e.span() else {
        return message;
    };
    let (line, column) = line_column(text, span.start);
    let message = match key_of_value(text, span.start) {
        Some(key) if !message.contains(&format!("`{key}`")) => format!("{key}: {message}"),
        _ => message,
    };
    let hint = did_you_mean(&message)
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    format!("line {line}, column {column}: {message}{hint}")
}

/// 1-based line and column (in characters) of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(at)];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// When byte `at` is a value on a `key = value` line: the key.
fn key_of_value(text: &str, at: usize) -> Option<String> {
    let at = text.floor_char_boundary(at);
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let (key, _) = text[start..at].split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.contains(char::is_whitespace)).then(|| key.to_string())
}

/// For `unknown field `x`, expected one of `a`, `b``: the expected key
/// closest to `x`, when it is a likely typo (at most two edits away).
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|k| (edits(unknown, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k.to_string())
}

/// Levenshtein distance between two short keys.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edits_count_typos() {
        assert_eq!(super::edits("fial", "fail"), 2);
        assert_eq!(super::edits("name", "name"), 0);
        assert_eq!(super::edits("nme", "name"), 1);
    }
}
