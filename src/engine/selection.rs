//! Which instances a deployment group reaches: tag filters (OR within a list),
//! tag sets (AND across lists), Auto Scaling groups, registered on-premises
//! instances; and the order instances are deployed to (reference §8.2.6).

use std::collections::BTreeMap;

use crate::model::*;
use crate::state::fleet::Host;
use crate::state::HostRecord;

/// One filter as `(key, value, type)`, whatever shape it arrived in.
pub type Filter<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

pub fn tag_matches(tags: &BTreeMap<String, String>, (key, value, kind): Filter) -> bool {
    // With no Type, infer it from what was given.
    let kind = kind.unwrap_or(match (key, value) {
        (Some(_), Some(_)) => "KEY_AND_VALUE",
        (Some(_), None) => "KEY_ONLY",
        _ => "VALUE_ONLY",
    });
    match kind {
        "KEY_ONLY" => key.is_some_and(|k| tags.contains_key(k)),
        "VALUE_ONLY" => value.is_some_and(|v| tags.values().any(|tv| tv == v)),
        _ => match (key, value) {
            (Some(k), Some(v)) => tags.get(k).is_some_and(|tv| tv == v),
            _ => false,
        },
    }
}

/// OR over one list of filters.
pub fn any_matches(tags: &BTreeMap<String, String>, filters: &[Filter]) -> bool {
    filters.iter().any(|f| tag_matches(tags, *f))
}

pub fn ec2_filters(list: &[EC2TagFilter]) -> Vec<Filter<'_>> {
    list.iter()
        .map(|f| {
            (
                f.key.as_deref(),
                f.value.as_deref(),
                f.r#type.as_ref().map(|t| t.as_str()),
            )
        })
        .collect()
}

pub fn onprem_filters(list: &[TagFilter]) -> Vec<Filter<'_>> {
    list.iter()
        .map(|f| {
            (
                f.key.as_deref(),
                f.value.as_deref(),
                f.r#type.as_ref().map(|t| t.as_str()),
            )
        })
        .collect()
}

/// Whether tags match a filter list or a tag set (AND of ORs). Neither given: no match.
fn matches_selector(
    tags: &BTreeMap<String, String>,
    list: Option<Vec<Filter>>,
    set: Option<Vec<Vec<Filter>>>,
) -> bool {
    if let Some(list) = list.filter(|l| !l.is_empty()) {
        return any_matches(tags, &list);
    }
    match set {
        Some(groups) if groups.iter().any(|g| !g.is_empty()) => groups
            .iter()
            .filter(|g| !g.is_empty())
            .all(|g| any_matches(tags, g)),
        _ => false,
    }
}

/// A resolved deployment target before ordering.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub on_premises: bool,
    pub tags: BTreeMap<String, String>,
}

/// Every instance the group reaches now, deduplicated, in ID order.
pub fn resolve(
    group: &DeploymentGroupInfo,
    fleet: &BTreeMap<String, Host>,
    instances: &BTreeMap<String, crate::engine::InstanceRecord>,
) -> Vec<Candidate> {
    let mut out: BTreeMap<String, Candidate> = BTreeMap::new();
    let ec2_list = group.ec2_tag_filters.as_deref().map(ec2_filters);
    let ec2_set = group
        .ec2_tag_set
        .as_ref()
        .and_then(|s| s.ec2_tag_set_list.as_ref())
        .map(|groups| groups.iter().map(|g| ec2_filters(g)).collect::<Vec<_>>());
    let asgs: Vec<&str> = group
        .auto_scaling_groups
        .iter()
        .flatten()
        .filter_map(|a| a.name.as_deref())
        .collect();
    for host in fleet.values() {
        let by_tags = matches_selector(&host.tags, ec2_list.clone(), ec2_set.clone());
        let by_asg = host.asg.as_deref().is_some_and(|a| asgs.contains(&a));
        if by_tags || by_asg {
            out.insert(
                host.id.clone(),
                Candidate {
                    id: host.id.clone(),
                    on_premises: false,
                    tags: host.tags.clone(),
                },
            );
        }
    }
    let op_list = group
        .on_premises_instance_tag_filters
        .as_deref()
        .map(onprem_filters);
    let op_set = group
        .on_premises_tag_set
        .as_ref()
        .and_then(|s| s.on_premises_tag_set_list.as_ref())
        .map(|groups| groups.iter().map(|g| onprem_filters(g)).collect::<Vec<_>>());
    for (name, rec) in instances {
        if rec.info.deregister_time.is_some() {
            continue;
        }
        let tags: BTreeMap<String, String> = rec
            .info
            .tags
            .iter()
            .flatten()
            .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
            .collect();
        if matches_selector(&tags, op_list.clone(), op_set.clone()) {
            out.insert(
                name.clone(),
                Candidate {
                    id: name.clone(),
                    on_premises: true,
                    tags,
                },
            );
        }
    }
    out.into_values().collect()
}

/// Deployment order: instances whose last deployment failed, then never
/// installed, then on an old revision, then already current; ties by ID.
pub fn order(
    candidates: &mut [Candidate],
    hosts: &BTreeMap<String, HostRecord>,
    group_id: &str,
    current: Option<&str>,
) {
    let rank = |c: &Candidate| -> u8 {
        match hosts.get(&c.id).and_then(|h| h.groups.get(group_id)) {
            Some(s) if !s.healthy => 0,
            None => 1,
            Some(s) => match (&s.revision, current) {
                (None, _) => 1,
                (Some(r), Some(cur)) if r == cur => 3,
                _ => 2,
            },
        }
    };
    candidates.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filter_types() {
        let t = tags(&[("Name", "web"), ("env", "prod")]);
        assert!(tag_matches(
            &t,
            (Some("Name"), Some("web"), Some("KEY_AND_VALUE"))
        ));
        assert!(!tag_matches(
            &t,
            (Some("Name"), Some("api"), Some("KEY_AND_VALUE"))
        ));
        assert!(tag_matches(&t, (Some("env"), None, Some("KEY_ONLY"))));
        assert!(tag_matches(&t, (None, Some("prod"), Some("VALUE_ONLY"))));
        assert!(!tag_matches(&t, (None, Some("dev"), Some("VALUE_ONLY"))));
    }

    #[test]
    fn lists_are_or_and_sets_are_and_of_ors() {
        let t = tags(&[("Name", "web"), ("env", "prod")]);
        let web = (Some("Name"), Some("web"), Some("KEY_AND_VALUE"));
        let api = (Some("Name"), Some("api"), Some("KEY_AND_VALUE"));
        let prod = (Some("env"), Some("prod"), Some("KEY_AND_VALUE"));
        let dev = (Some("env"), Some("dev"), Some("KEY_AND_VALUE"));
        assert!(matches_selector(&t, Some(vec![api, web]), None));
        assert!(matches_selector(
            &t,
            None,
            Some(vec![vec![api, web], vec![prod]])
        ));
        assert!(!matches_selector(
            &t,
            None,
            Some(vec![vec![web], vec![dev]])
        ));
        assert!(!matches_selector(&t, None, None));
    }

    #[test]
    fn empty_selectors_match_nothing() {
        let t = tags(&[("Name", "web")]);
        let web = (Some("Name"), Some("web"), Some("KEY_AND_VALUE"));
        assert!(!matches_selector(&t, Some(vec![]), None), "an empty list");
        assert!(
            !matches_selector(&t, None, Some(vec![vec![], vec![]])),
            "a set of empty lists"
        );
        // An empty list gives way to the set; empty lists within a set are ignored.
        assert!(matches_selector(&t, Some(vec![]), Some(vec![vec![web]])));
        assert!(matches_selector(&t, None, Some(vec![vec![], vec![web]])));
        // A list, when given, decides alone.
        assert!(!matches_selector(
            &t,
            Some(vec![(Some("Name"), Some("api"), None)]),
            Some(vec![vec![web]])
        ));
    }

    #[test]
    fn filter_types_are_inferred_when_missing() {
        let t = tags(&[("Name", "web")]);
        assert!(tag_matches(&t, (Some("Name"), Some("web"), None)));
        assert!(
            !tag_matches(&t, (Some("Name"), Some("api"), None)),
            "key and value"
        );
        assert!(tag_matches(&t, (Some("Name"), None, None)), "key only");
        assert!(tag_matches(&t, (None, Some("web"), None)), "value only");
        assert!(!tag_matches(&t, (None, None, None)));
        // Key and value given: both must match the same tag, not the value anywhere.
        let two = tags(&[("Name", "web"), ("env", "api")]);
        assert!(!tag_matches(&two, (Some("Name"), Some("api"), None)));
        assert!(!tag_matches(
            &t,
            (Some("Name"), None, Some("KEY_AND_VALUE"))
        ));
        assert!(!tag_matches(&t, (None, Some("web"), Some("KEY_ONLY"))));
    }

    const GROUP: &str = "g-1";

    /// (healthy, installed revision) in GROUP; `None`: never deployed to.
    type HostState<'a> = Option<(bool, Option<&'a str>)>;

    /// Hosts `h-<i>` with their state in GROUP (`None`: never deployed to).
    fn ranked(states: &[(&str, HostState)], current: Option<&str>) -> Vec<String> {
        let mut hosts = BTreeMap::new();
        let mut candidates = Vec::new();
        for (id, state) in states {
            let mut h = HostRecord {
                id: id.to_string(),
                ..Default::default()
            };
            if let Some((healthy, revision)) = state {
                let s = crate::state::HostGroupState {
                    healthy: *healthy,
                    revision: revision.map(String::from),
                    member: None,
                };
                h.groups.insert(GROUP.into(), s);
            }
            hosts.insert(id.to_string(), h);
            candidates.push(Candidate {
                id: id.to_string(),
                on_premises: false,
                tags: BTreeMap::new(),
            });
        }
        order(&mut candidates, &hosts, GROUP, current);
        candidates.into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn an_unhealthy_host_goes_first_even_on_the_current_revision() {
        let order = ranked(
            &[
                ("a", Some((true, Some("v1")))),
                ("b", None),
                ("c", Some((false, Some("v2")))),
            ],
            Some("v2"),
        );
        assert_eq!(order, ["c", "b", "a"]);
    }

    #[test]
    fn never_deployed_before_outdated_before_current() {
        let states = [
            ("a", Some((true, Some("v2")))),
            ("b", Some((true, Some("v1")))),
            ("c", Some((true, None))),
            ("d", None),
        ];
        assert_eq!(ranked(&states, Some("v2")), ["c", "d", "b", "a"]);
        // No current revision: every installed host counts as outdated.
        assert_eq!(ranked(&states, None), ["c", "d", "a", "b"]);
    }

    #[test]
    fn a_host_of_another_group_counts_as_never_deployed_here() {
        let mut hosts = BTreeMap::new();
        let mut other = HostRecord {
            id: "a".into(),
            ..Default::default()
        };
        other.groups.insert(
            "g-other".into(),
            crate::state::HostGroupState {
                healthy: false,
                revision: Some("v1".into()),
                member: None,
            },
        );
        hosts.insert("a".to_string(), other);
        let mut mine = HostRecord {
            id: "b".into(),
            ..Default::default()
        };
        mine.groups.insert(
            GROUP.into(),
            crate::state::HostGroupState {
                healthy: true,
                revision: Some("v1".into()),
                member: None,
            },
        );
        hosts.insert("b".to_string(), mine);
        let mut c: Vec<Candidate> = ["b", "a"]
            .iter()
            .map(|id| Candidate {
                id: id.to_string(),
                on_premises: false,
                tags: BTreeMap::new(),
            })
            .collect();
        order(&mut c, &hosts, GROUP, Some("v2"));
        assert_eq!(
            c.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
