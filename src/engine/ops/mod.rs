//! One method per CodeDeploy operation, grouped by resource. Each takes the
//! virtual time, read access to archived records, and the operation's input,
//! and answers its output or the AWS exception.

mod applications;
mod deployment_configs;
mod deployments;
mod groups;
mod instances;
mod misc;
mod revisions;
mod rollback;
mod tags;
mod targets;
mod world;

pub use deployments::get_deployment_output;

use crate::model::Exception;
use crate::state::error::{err, ApiResult};

/// Items per page for every paginated list (the real size is UNCONFIRMED; 100 is
/// what the reference suggests).
pub const PAGE_SIZE: usize = 100;

const TOKEN_PREFIX: &str = "cd1.";

/// An opaque pagination token carrying a cursor.
pub(crate) fn encode_token(cursor: &str) -> String {
    let hex: String = cursor.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

pub(crate) fn decode_token(token: Option<&str>) -> ApiResult<Option<String>> {
    let Some(token) = token else { return Ok(None) };
    let bad = || {
        err(
            Exception::InvalidNextToken,
            format!("The next token '{token}' is not valid."),
        )
    };
    let Some(hex) = token.strip_prefix(TOKEN_PREFIX) else {
        return bad();
    };
    if hex.len() % 2 != 0 || hex.is_empty() {
        return bad();
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect();
    match bytes.and_then(|b| String::from_utf8(b).ok()) {
        Some(s) => Ok(Some(s)),
        None => bad(),
    }
}

/// Keyset pagination over names in ascending order: items after the cursor,
/// so additions never cause duplicates or gaps.
pub(crate) fn page_names(
    mut names: Vec<String>,
    token: Option<&str>,
) -> ApiResult<(Vec<String>, Option<String>)> {
    names.sort();
    names.dedup();
    let after = decode_token(token)?;
    let start = match &after {
        Some(a) => names.partition_point(|n| n <= a),
        None => 0,
    };
    let page: Vec<String> = names[start..].iter().take(PAGE_SIZE).cloned().collect();
    let next = (start + page.len() < names.len())
        .then(|| page.last().map(|l| encode_token(l)))
        .flatten();
    Ok((page, next))
}

/// Offset pagination for lists whose order is fixed once created (targets).
pub(crate) fn page_offset<T: Clone>(
    items: &[T],
    token: Option<&str>,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let start = match decode_token(token)? {
        Some(s) => match s.strip_prefix("at:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n <= items.len() => n,
            _ => return err(Exception::InvalidNextToken, "The next token is not valid."),
        },
        None => 0,
    };
    let end = (start + PAGE_SIZE).min(items.len());
    let next = (end < items.len()).then(|| encode_token(&format!("at:{end}")));
    Ok((items[start..end].to_vec(), next))
}

/// Checks a batch does not exceed `limit` items.
pub(crate) fn batch_limit(len: usize, limit: usize, what: &str) -> ApiResult<()> {
    if len > limit {
        return err(
            Exception::BatchLimitExceeded,
            format!("The maximum number of {what} in one call is {limit}; {len} were given."),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_pages_are_stable_under_insertion() {
        let names: Vec<String> = (0..250).map(|i| format!("app-{i:03}")).collect();
        let (p1, t1) = page_names(names.clone(), None).unwrap();
        assert_eq!(p1.len(), 100);
        let mut more = names.clone();
        more.push("app-000a".into()); // sorts before the cursor: never seen, never duplicated
        let (p2, t2) = page_names(more.clone(), t1.as_deref()).unwrap();
        assert_eq!(p2.first().map(String::as_str), Some("app-100"));
        let (p3, t3) = page_names(more, t2.as_deref()).unwrap();
        assert_eq!(p3.len(), 50);
        assert!(t3.is_none());
        assert!(page_names(names, Some("garbage")).is_err());
    }
}
