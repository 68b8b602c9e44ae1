//! What `:` reads on AWS: the lists across applications (`:failed`,
//! `:running`: one `ListDeployments` without an application, finished
//! deployments read once) and lookups of names and IDs, from what the
//! source has read where it can, with as few calls as it takes otherwise.

use std::sync::Arc;

use aws_sdk_codedeploy::types as sdk;

use super::{all_pages, created, row, Cache, Res};
use crate::model::*;
use crate::source::aws::AwsSource;
use crate::state::view::*;

/// Deployments whose targets an instance lookup may list (the ones not
/// read before), newest first.
const INSTANCE_LOOKUPS: usize = 10;

impl AwsSource {
    /// Every application's deployments with the list's statuses, newest
    /// first: failed ones from the first page (the newest), running ones
    /// whole.
    pub(super) async fn across(&self, c: &mut Cache, across: Across) -> Res<DeploymentList> {
        let statuses: &[DeploymentStatus] = match across {
            Across::Failed => &[DeploymentStatus::Failed],
            Across::Running => &DeploymentStatus::ACTIVE,
        };
        let page = |token: Option<String>| async move {
            let mut call = self.client.list_deployments().set_next_token(token);
            for s in statuses {
                call = call.include_only_statuses(sdk::DeploymentStatus::from(s.as_str()));
            }
            let out = self.call("ListDeployments", call.send()).await?;
            Ok((
                out.deployments().to_vec(),
                out.next_token().map(String::from),
            ))
        };
        let ids = match across {
            Across::Failed => page(None).await?.0,
            Across::Running => all_pages(page).await?,
        };
        let mut infos: Vec<DeploymentInfo> = self
            .deployments(c, &ids)
            .await?
            .into_iter()
            .filter(|d| d.status.as_ref().is_some_and(|s| across.keeps(s)))
            .collect();
        infos.sort_by_key(|d| std::cmp::Reverse(created(d)));
        let rows: Vec<DeploymentRow> = infos.iter().filter_map(row).collect();
        Ok(match across {
            Across::Failed => DeploymentList {
                active: Vec::new(),
                finished: Arc::new(rows),
            },
            Across::Running => DeploymentList {
                active: rows,
                finished: Arc::default(),
            },
        })
    }

    /// Where `what` leads: an application, a group, a deployment ID (one
    /// `BatchGetDeployments` when it is not in view), or an instance.
    pub(crate) async fn find_place(&self, what: &str) -> Result<Place, String> {
        let mut c = self.cache.lock().await;
        let what = what.trim();
        let apps = self.apps(&mut c, false).await.map_err(|e| e.to_string())?;
        let names = apps.iter().map(|a| a.name.as_str());
        if let Some(app) = one_named(names, what) {
            return Ok(Place {
                app: app.to_string(),
                ..Default::default()
            });
        }
        if let Some(place) = self.group_place(&mut c, &apps, what).await? {
            return Ok(place);
        }
        if what.starts_with("d-") {
            let info = self
                .deployments(&mut c, &[what.to_string()])
                .await
                .map_err(|e| e.to_string())?;
            if let Some(info) = info.into_iter().next() {
                return self.deployment_place(&mut c, &info, None).await;
            }
        }
        if let Some(place) = self.instance_place(&mut c, what).await? {
            return Ok(place);
        }
        Err(format!(
            "nothing is called {what}: type an application, a group (app/group), a deployment ID \
             (d-…), an instance ID seen in a group's newest deployments, or failed or running"
        ))
    }

    /// `app/group` or a group name, from the groups read (a group listing
    /// per application not read yet).
    async fn group_place(
        &self,
        c: &mut Cache,
        apps: &[AppRow],
        what: &str,
    ) -> Result<Option<Place>, String> {
        let (app_part, group_part) = match what.split_once('/') {
            Some((a, g)) => (Some(a), g),
            None => (None, what),
        };
        let mut found: Vec<(String, String)> = Vec::new();
        for app in apps {
            if app_part.is_some_and(|a| !a.eq_ignore_ascii_case(&app.name)) {
                continue;
            }
            for name in self
                .group_names(c, &app.name)
                .await
                .map_err(|e| e.to_string())?
            {
                if name.eq_ignore_ascii_case(group_part) {
                    found.push((app.name.clone(), name));
                }
            }
        }
        match found.as_slice() {
            [] => Ok(None),
            [(app, name)] => {
                let id = self.group_id(c, app, name).await?;
                Ok(Some(Place {
                    app: app.clone(),
                    group_id: Some(id),
                    ..Default::default()
                }))
            }
            [(first, _), ..] => {
                let apps: Vec<&str> = found.iter().map(|(a, _)| a.as_str()).collect();
                Err(format!(
                    "{group_part} is a group of {}: type {first}/{group_part}",
                    apps.join(" and ")
                ))
            }
        }
    }

    /// An application's group names: the groups read, else one listing.
    async fn group_names(&self, c: &mut Cache, app: &str) -> Res<Vec<String>> {
        if let Some((_, groups)) = c.groups.get(app) {
            return Ok(groups
                .iter()
                .filter_map(|g| g.info.deployment_group_name.clone())
                .collect());
        }
        self.list_groups(app).await
    }

    async fn group_id(&self, c: &mut Cache, app: &str, name: &str) -> Result<String, String> {
        let groups = self.groups(c, app).await.map_err(|e| e.to_string())?;
        groups
            .iter()
            .find(|g| g.info.deployment_group_name.as_deref() == Some(name))
            .and_then(|g| g.info.deployment_group_id.clone())
            .ok_or_else(|| format!("{app}/{name} has no group ID"))
    }

    async fn deployment_place(
        &self,
        c: &mut Cache,
        info: &DeploymentInfo,
        target: Option<String>,
    ) -> Result<Place, String> {
        let (Some(app), Some(group), Some(id)) = (
            info.application_name.clone(),
            info.deployment_group_name.clone(),
            info.deployment_id.clone(),
        ) else {
            return Err("the deployment names no application or group".into());
        };
        let group_id = self.group_id(c, &app, &group).await?;
        Ok(Place {
            app,
            group_id: Some(group_id),
            deployment: Some(id),
            target,
        })
    }

    /// The newest deployment that touched instance `what`, among those read
    /// and each read group's newest; at most [`INSTANCE_LOOKUPS`] target
    /// listings for deployments whose targets were not read.
    async fn instance_place(&self, c: &mut Cache, what: &str) -> Result<Option<Place>, String> {
        let mut ids: Vec<String> = c.finished.keys().cloned().collect();
        for (_, groups) in c.groups.values() {
            ids.extend(groups.iter().filter_map(|g| {
                g.info
                    .last_attempted_deployment
                    .as_ref()
                    .and_then(|l| l.deployment_id.clone())
            }));
        }
        ids.sort();
        ids.dedup();
        let mut infos = self.deployments(c, &ids).await.map_err(|e| e.to_string())?;
        infos.sort_by_key(|d| std::cmp::Reverse(created(d)));
        let mut lookups = 0;
        for info in infos {
            let Some(id) = info.deployment_id.clone() else {
                continue;
            };
            let targets: Vec<String> = match c.finished_targets.get(&id) {
                Some(t) => t.iter().filter_map(target_id).collect(),
                None if lookups < INSTANCE_LOOKUPS => {
                    lookups += 1;
                    self.target_ids(&id).await.map_err(|e| e.to_string())?
                }
                None => continue,
            };
            if targets.iter().any(|t| t == what) {
                let place = self
                    .deployment_place(c, &info, Some(what.to_string()))
                    .await?;
                return Ok(Some(place));
            }
        }
        Ok(None)
    }

    async fn target_ids(&self, id: &str) -> Res<Vec<String>> {
        all_pages(|token| async move {
            let out = self
                .call(
                    "ListDeploymentTargets",
                    self.client
                        .list_deployment_targets()
                        .deployment_id(id)
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            Ok((
                out.target_ids().to_vec(),
                out.next_token().map(String::from),
            ))
        })
        .await
    }
}

/// Every `application/group` the source has read, for `:`'s completion.
pub(super) fn places(c: &Cache) -> Vec<String> {
    let mut out: Vec<String> = c
        .groups
        .iter()
        .flat_map(|(app, (_, groups))| {
            groups.iter().filter_map(move |g| {
                Some(format!(
                    "{app}/{}",
                    g.info.deployment_group_name.as_deref()?
                ))
            })
        })
        .collect();
    out.sort();
    out
}

fn target_id(t: &DeploymentTarget) -> Option<String> {
    [
        t.instance_target.as_ref().and_then(|i| i.target_id.clone()),
        t.lambda_target.as_ref().and_then(|l| l.target_id.clone()),
        t.ecs_target.as_ref().and_then(|e| e.target_id.clone()),
    ]
    .into_iter()
    .flatten()
    .next()
}

/// The name equal to `what`, else the only one equal ignoring case.
fn one_named<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Option<&'a str> {
    let names: Vec<&str> = names.collect();
    if let Some(n) = names.iter().find(|n| **n == what) {
        return Some(n);
    }
    let folded: Vec<&&str> = names
        .iter()
        .filter(|n| n.eq_ignore_ascii_case(what))
        .collect();
    (folded.len() == 1).then(|| *folded[0])
}
