//! The `:` command line (k9s's way to move): type where to go, Tab
//! completes from what the screen and the source know, ↑/↓ recall earlier
//! entries, Enter goes, esc cancels. What is in view opens at once; the
//! rest is looked up by the source (`update` asks with `Cmd::Find`).

use crossterm::event::{KeyCode, KeyEvent};

use super::model::{Model, Prompt, HISTORY_KEEP};
use crate::source::{Across, Place};

/// Where Enter on the command line leads (`update` goes there).
pub(super) enum Run {
    Across(Across),
    Place(Place),
    /// Not in view: the source looks it up.
    Find(String),
}

/// A key while the command line is open; what to do when it was Enter.
pub(super) fn key(m: &mut Model, k: KeyEvent) -> Option<Run> {
    let mut p = m.prompt.take()?;
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Enter => return run(m, &p.text),
        KeyCode::Tab => complete(m, &mut p),
        KeyCode::Up => recall(m, &mut p, true),
        KeyCode::Down => recall(m, &mut p, false),
        KeyCode::Backspace => {
            p.text.pop();
            p.recall = None;
            p.offered.clear();
        }
        KeyCode::Char(c) => {
            p.text.push(c);
            p.recall = None;
            p.offered.clear();
        }
        _ => {}
    }
    m.prompt = Some(p);
    None
}

/// ↑ shows the entry before the one shown, ↓ the one after (then the empty line).
fn recall(m: &Model, p: &mut Prompt, older: bool) {
    let n = m.history.len();
    if n == 0 {
        return;
    }
    p.recall = match (p.recall, older) {
        (None, true) => Some(0),
        (None, false) | (Some(0), false) => None,
        (Some(i), true) => Some((i + 1).min(n - 1)),
        (Some(i), false) => Some(i - 1),
    };
    p.text = p
        .recall
        .map(|i| m.history[n - 1 - i].clone())
        .unwrap_or_default();
    p.offered.clear();
}

/// Everything `:` completes to: the lists, the applications, every group
/// the source knows (`app/group`), the IDs on screen, earlier entries.
pub fn candidates(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = vec![Across::Failed.word().into(), Across::Running.word().into()];
    out.extend(m.data.apps.iter().map(|a| a.name.clone()));
    out.extend(m.data.places.iter().cloned());
    out.extend(m.data.groups.iter().map(|g| g.name.clone()));
    out.extend(m.data.deployments.iter().take(500).map(|r| r.id.clone()));
    if let Some(d) = &m.data.detail {
        out.extend(d.info.deployment_id.clone());
        out.extend(d.targets.iter().map(|t| t.id.clone()));
    }
    out.extend(m.history.iter().cloned());
    out.sort();
    out.dedup();
    out
}

/// Tab: one match completes; several complete what they share and are offered.
fn complete(m: &Model, p: &mut Prompt) {
    let typed = p.text.trim().to_lowercase();
    let starts = |c: &String| c.to_lowercase().starts_with(&typed);
    // `prod` also finds `web-shop/prod`.
    let group_starts = |c: &String| {
        c.split_once('/')
            .is_some_and(|(_, g)| g.to_lowercase().starts_with(&typed))
    };
    let all = candidates(m);
    let mut matching: Vec<String> = all.iter().filter(|c| starts(c)).cloned().collect();
    matching.extend(all.iter().filter(|c| group_starts(c)).cloned());
    matching.dedup();
    p.recall = None;
    match matching.as_slice() {
        [] => p.offered.clear(),
        [only] => {
            p.text = only.clone();
            p.offered.clear();
        }
        many => {
            let shared = common_prefix(many.iter().filter(|c| starts(c)));
            if shared.chars().count() > typed.chars().count() {
                p.text = shared;
            }
            p.offered = many.to_vec();
        }
    }
}

/// The longest start all of `words` share.
fn common_prefix<'a>(mut words: impl Iterator<Item = &'a String>) -> String {
    let Some(first) = words.next() else {
        return String::new();
    };
    let mut prefix: Vec<char> = first.chars().collect();
    for w in words {
        let same = prefix
            .iter()
            .zip(w.chars())
            .take_while(|(a, b)| **a == *b)
            .count();
        prefix.truncate(same);
    }
    prefix.into_iter().collect()
}

/// Enter: a list across applications, a place in view, or a lookup.
fn run(m: &mut Model, text: &str) -> Option<Run> {
    let what = text.trim().trim_start_matches(':').trim().to_string();
    if what.is_empty() {
        return None;
    }
    m.history.retain(|h| *h != what);
    m.history.push(what.clone());
    if m.history.len() > HISTORY_KEEP {
        m.history.remove(0);
    }
    if let Some(across) = Across::parse(&what) {
        return Some(Run::Across(across));
    }
    Some(match in_view(m, &what) {
        Some(place) => Run::Place(place),
        None => Run::Find(what),
    })
}

/// A place the data on hand names: an application, a group of the open
/// application, a deployment of the open group (no read needed).
fn in_view(m: &Model, what: &str) -> Option<Place> {
    if let Some(a) = m.data.apps.iter().find(|a| a.name == what) {
        return Some(Place {
            app: a.name.clone(),
            ..Default::default()
        });
    }
    let app = m.app.clone()?;
    if let Some(g) = m.data.groups.iter().find(|g| g.name == what) {
        return Some(Place {
            app,
            group_id: Some(g.id.clone()),
            ..Default::default()
        });
    }
    let group_id = m.group_id.clone().filter(|_| m.across.is_none())?;
    m.data.deployments.iter().find(|r| r.id == what)?;
    Some(Place {
        app,
        group_id: Some(group_id),
        deployment: Some(what.to_string()),
        target: None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn shared_starts() {
        let words = ["web-shop".to_string(), "web-api".to_string()];
        assert_eq!(super::common_prefix(words.iter()), "web-");
        assert_eq!(super::common_prefix([].iter()), "");
    }
}
