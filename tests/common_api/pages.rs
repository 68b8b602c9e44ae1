//! Walking the pages of a list operation, and what every paginated listing
//! must hold.

use std::collections::BTreeSet;

use super::assert_unique;

/// Walks every page of a list operation by hand (the SDK has no paginator for
/// ListOnPremisesInstances, ListDeploymentTargets or ListGitHubAccountTokenNames): `$call` is the fluent builder
/// (re-evaluated per page), `$items` the output's list accessor. Returns every
/// item in order and each page's length.
#[allow(unused_macros)] // by the binaries that list no pages
macro_rules! walk {
    ($call:expr, $items:ident) => {{
        let mut all: Vec<String> = Vec::new();
        let mut pages: Vec<usize> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = $call
                .set_next_token(token.take())
                .send()
                .await
                .unwrap_or_else(|e| panic!("page {}: {e:?}", pages.len() + 1));
            pages.push(out.$items().len());
            all.extend(out.$items().iter().cloned());
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
            assert!(pages.len() < 50, "runaway pagination");
        }
        (all, pages)
    }};
}
#[allow(unused_imports)]
pub(crate) use walk;

/// Every page is full except the last, which is not empty.
pub fn assert_pages(pages: &[usize], total: usize) {
    assert_eq!(pages.iter().sum::<usize>(), total, "{pages:?}");
    assert!(pages.len() >= 2, "expected several pages: {pages:?}");
    let (last, full) = pages.split_last().expect("a page");
    assert!(full.iter().all(|n| *n == 100), "{pages:?}");
    assert!((1..=100).contains(last), "{pages:?}");
}

pub fn assert_same_set(got: &[String], expected: &[String], what: &str) {
    assert_unique(got, what);
    let got: BTreeSet<&String> = got.iter().collect();
    let expected: BTreeSet<&String> = expected.iter().collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
}
