//! The filters of list operations: target statuses and labels, time ranges,
//! deployment statuses.

use std::collections::BTreeMap;

use crate::model::time::Millis;
use crate::model::*;
use crate::state::error::{err, ApiResult};

/// Parsed ListDeploymentTargets filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetFilters {
    pub statuses: Vec<TargetStatus>,
    pub labels: Vec<TargetLabel>,
}

pub fn target_filters(filters: &BTreeMap<String, Vec<String>>) -> ApiResult<TargetFilters> {
    let mut out = TargetFilters::default();
    for (key, values) in filters {
        match key.as_str() {
            "TargetStatus" => {
                for v in values {
                    let s = TargetStatus::parse(v);
                    if !s.is_known() {
                        return err(
                            Exception::InvalidInstanceStatus,
                            format!("'{v}' is not a target status."),
                        );
                    }
                    out.statuses.push(s);
                }
            }
            "ServerInstanceLabel" => {
                for v in values {
                    let l = TargetLabel::parse(v);
                    if !l.is_known() {
                        return err(
                            Exception::InvalidInstanceType,
                            format!("'{v}' is not a server instance label (Blue or Green)."),
                        );
                    }
                    out.labels.push(l);
                }
            }
            other => {
                return err(
                    Exception::InvalidTargetFilterName,
                    format!(
                        "'{other}' is not a target filter (TargetStatus or ServerInstanceLabel)."
                    ),
                )
            }
        }
    }
    Ok(out)
}

/// A createTimeRange as inclusive millisecond bounds.
pub fn time_range(r: &TimeRange) -> ApiResult<(Option<Millis>, Option<Millis>)> {
    let (start, end) = (r.start.map(|t| t.0), r.end.map(|t| t.0));
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return err(
                Exception::InvalidTimeRange,
                "createTimeRange.start is after createTimeRange.end.",
            );
        }
    }
    Ok((start, end))
}

pub fn deployment_statuses(s: &[DeploymentStatus]) -> ApiResult<()> {
    match s.iter().find(|s| !s.is_known()) {
        Some(bad) => err(
            Exception::InvalidDeploymentStatus,
            format!("'{bad}' is not a deployment status."),
        ),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

    #[test]
    fn target_filters_and_time_ranges() {
        let mut f = BTreeMap::new();
        f.insert("TargetStatus".to_string(), vec!["Failed".to_string()]);
        assert_eq!(
            target_filters(&f).unwrap().statuses,
            vec![TargetStatus::Failed]
        );
        f.insert("Bogus".to_string(), vec![]);
        assert_eq!(exc(target_filters(&f)), Exception::InvalidTargetFilterName);
        assert_eq!(
            exc(time_range(&TimeRange {
                start: Some(Timestamp(2)),
                end: Some(Timestamp(1))
            })),
            Exception::InvalidTimeRange
        );
    }
}
