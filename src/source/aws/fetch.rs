//! Reading CodeDeploy with calls that cost what changes (reference §17):
//! finished deployments and their targets are fetched once and kept; each
//! refresh lists only the selected group's unfinished deployments
//! (`includeOnlyStatuses`), those created since the last look
//! (`createTimeRange`), and reads them in batches of 25. Applications, groups
//! and configs change rarely and are read again only after a while.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::types as sdk;
use aws_smithy_types::DateTime;

use super::client::CallError;
use super::{convert, AwsSource};
use crate::model::labels::{lambda_alias, traffic_sides};
use crate::model::rules::BlueGreenPhase;
use crate::model::rules::{self, health_limits};
use crate::model::*;
use crate::runtime::wall_now;
use crate::state::view::*;

/// Most IDs per BatchGetDeployments / BatchGetDeploymentTargets.
pub const BATCH: usize = 25;
/// Most names per BatchGetApplications.
const NAME_BATCH: usize = 100;
/// Most names per BatchGetDeploymentGroups: its limit is not stated (the
/// BatchLimitExceeded text says 100); 25, as the other batch reads, is safe.
const GROUP_BATCH: usize = 25;
/// How long lists of applications and groups are trusted.
const SLOW_TTL: Duration = Duration::from_secs(60);
/// Finished deployments shown when a group is first opened (one page).
const HISTORY: usize = 100;

type Res<T> = Result<T, CallError>;

/// What the source keeps between reads.
#[derive(Debug, Default)]
pub struct Cache {
    apps: Option<(Instant, Vec<AppRow>)>,
    groups: HashMap<String, (Instant, Vec<Group>)>,
    configs: HashMap<String, DeploymentConfigInfo>,
    config_list: Option<Vec<ConfigChoice>>,
    /// Finished deployments and their targets: they never change.
    finished: HashMap<String, DeploymentInfo>,
    finished_targets: HashMap<String, Vec<DeploymentTarget>>,
    list: Option<GroupList>,
    /// Statuses last seen, to log changes.
    seen: HashMap<String, DeploymentStatus>,
    pub log: Vec<EventRow>,
    next_seq: u64,
    /// The last good screen per selection, shown while the endpoint is down.
    pub last: Option<(Request, Data)>,
}

/// A group as the dashboard needs it: its info and what runs in it.
#[derive(Debug, Clone)]
struct Group {
    app: String,
    info: DeploymentGroupInfo,
    active: Option<String>,
    queued: usize,
}

#[derive(Debug)]
struct GroupList {
    group_id: String,
    finished: Arc<Vec<DeploymentRow>>,
    /// The newest create time seen: later deployments are new.
    newest: Millis,
    active: BTreeSet<String>,
}

use crate::model::time::Millis;

mod jump;

fn fresh<T>(entry: &Option<(Instant, T)>) -> Option<&T> {
    entry
        .as_ref()
        .filter(|(at, _)| at.elapsed() < SLOW_TTL)
        .map(|(_, v)| v)
}

impl AwsSource {
    /// Reads the screen `req` selects; `problem` collects what could not be read.
    /// A panel the endpoint refuses (a permission, an operation it lacks)
    /// is left empty with the reason; an outage fails the whole read.
    pub(super) async fn screen(&self, c: &mut Cache, req: &Request) -> Res<Data> {
        let mut problems = Problems::default();
        let apps = problems.panel(self.apps(c, req.app.is_none()).await)?;
        let groups = match &req.app {
            Some(app) => problems.panel(self.group_rows(c, app).await)?,
            None => Vec::new(),
        };
        // The form's config list: an endpoint without it still deploys with
        // the group's config (noted in the header, not as a screen problem).
        let configs = match &req.app {
            Some(_) => match self.config_choices(c).await {
                Ok(list) => list,
                Err(e) if !e.is_transient() => {
                    self.note(&e);
                    Vec::new()
                }
                Err(e) => return Err(e),
            },
            None => Vec::new(),
        };
        let deployments = match (&req.across, &req.group_id) {
            (Some(a), _) => problems.panel(self.across(c, *a).await)?,
            (None, Some(g)) => {
                problems.panel(self.deployment_list(c, req.app.as_deref(), g).await)?
            }
            (None, None) => DeploymentList::default(),
        };
        let detail = match &req.deployment {
            Some(id) => match self.detail(c, id).await {
                Ok(d) => Some(d),
                Err(e) if !e.is_transient() => {
                    problems.note(&e);
                    // The summary without the timeline, when the deployment reads.
                    let info = self.deployments(c, std::slice::from_ref(id)).await;
                    info.ok()
                        .and_then(|i| i.into_iter().next())
                        .map(|i| build_detail(i, &[], None))
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let problem = problems.0;
        let events = c
            .log
            .iter()
            .filter(|e| e.seq > req.events_after)
            .cloned()
            .collect();
        Ok(Data {
            // The server's clock (its replies' Date): ages and elapsed times
            // agree with the times it reports, also against a virtual clock.
            now: self.server_now().unwrap_or_else(wall_now),
            speed: 1.0,
            paused: false,
            apps,
            groups,
            deployments,
            detail,
            events,
            // Its log only grows.
            events_through: None,
            alarms: Vec::new(),
            status: None,
            problem,
            configs,
            caption: None,
            focus: None,
            next_step: None,
            places: jump::places(c),
        })
    }

    /// The applications; the groups each has are counted only for the
    /// applications screen (`counted`).
    async fn apps(&self, c: &mut Cache, counted: bool) -> Res<Vec<AppRow>> {
        if let Some(rows) = fresh(&c.apps) {
            if !counted || rows.iter().all(|r| r.groups > 0) {
                return Ok(rows.clone());
            }
        }
        let names = all_pages(|token| async move {
            let out = self
                .call(
                    "ListApplications",
                    self.client.list_applications().set_next_token(token).send(),
                )
                .await?;
            Ok((
                out.applications().to_vec(),
                out.next_token().map(String::from),
            ))
        })
        .await?;
        let mut rows = Vec::new();
        for chunk in names.chunks(NAME_BATCH) {
            let out = self
                .call(
                    "BatchGetApplications",
                    self.client
                        .batch_get_applications()
                        .set_application_names(Some(chunk.to_vec()))
                        .send(),
                )
                .await?;
            for a in out.applications_info() {
                let info = convert::application(a);
                let Some(name) = info.application_name.clone() else {
                    continue;
                };
                // The LAST column: the worst of the groups' lastAttemptedDeployment,
                // which BatchGetDeploymentGroups already returned (no extra call).
                let (groups, last) = if counted {
                    let groups = self.groups(c, &name).await?;
                    let lasts: Vec<LastRow> = groups
                        .iter()
                        .filter_map(|g| g.info.last_attempted_deployment.as_ref())
                        .filter_map(LastRow::of)
                        .collect();
                    (groups.len(), LastRow::worst(&lasts))
                } else {
                    (0, None)
                };
                rows.push(AppRow {
                    name,
                    platform: rules::compute_platform(info.compute_platform.as_ref()),
                    groups,
                    last,
                });
            }
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        c.apps = Some((Instant::now(), rows.clone()));
        Ok(rows)
    }

    async fn group_rows(&self, c: &mut Cache, app: &str) -> Res<Vec<GroupRow>> {
        let groups = self.groups(c, app).await?;
        // What a rollback would redeploy: one read of the groups' last
        // successful deployments, which never change once read.
        let sources: Vec<String> = groups
            .iter()
            .filter_map(|g| g.info.rollback_source().map(String::from))
            .collect();
        let infos = self.deployments(c, &sources).await?;
        Ok(groups
            .iter()
            .filter_map(|g| {
                let id = g.info.deployment_group_id.clone()?;
                let name = g.info.deployment_group_name.clone()?;
                let mut row = GroupRow::of(id, name, &g.info, g.active.clone(), g.queued);
                row.last_good = g.info.rollback_source().and_then(|source| {
                    let info = infos
                        .iter()
                        .find(|d| d.deployment_id.as_deref() == Some(source))?;
                    Some(LastGood {
                        deployment: source.to_string(),
                        revision: info.revision.clone()?,
                    })
                });
                Some(row)
            })
            .collect())
    }

    /// Every deployment configuration with its platform: listed once, each
    /// read once (they are kept for the session).
    async fn config_choices(&self, c: &mut Cache) -> Res<Vec<ConfigChoice>> {
        if let Some(list) = &c.config_list {
            return Ok(list.clone());
        }
        let names = all_pages(|token| async move {
            let out = self
                .call(
                    "ListDeploymentConfigs",
                    self.client
                        .list_deployment_configs()
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            Ok((
                out.deployment_configs_list().to_vec(),
                out.next_token().map(String::from),
            ))
        })
        .await?;
        let mut list = Vec::with_capacity(names.len());
        for name in names {
            if let Some(info) = self.config(c, &name).await? {
                let platform = rules::compute_platform(info.compute_platform.as_ref());
                list.push(ConfigChoice { name, platform });
            }
        }
        c.config_list = Some(list.clone());
        Ok(list)
    }

    /// Every group name of an application (ListDeploymentGroups, all pages).
    pub(super) async fn list_groups(&self, app: &str) -> Res<Vec<String>> {
        all_pages(|token| async move {
            let out = self
                .call(
                    "ListDeploymentGroups",
                    self.client
                        .list_deployment_groups()
                        .application_name(app)
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            Ok((
                out.deployment_groups().to_vec(),
                out.next_token().map(String::from),
            ))
        })
        .await
    }

    /// An application's groups with what runs in each, read again after a while.
    async fn groups(&self, c: &mut Cache, app: &str) -> Res<Vec<Group>> {
        if let Some((at, g)) = c.groups.get(app) {
            if at.elapsed() < SLOW_TTL {
                return Ok(g.clone());
            }
        }
        let names = self.list_groups(app).await?;
        let mut groups = Vec::new();
        for info in self.group_infos(app, &names).await? {
            let name = info.deployment_group_name.clone().unwrap_or_default();
            let (active, queued) = self.running_in(app, &name).await?;
            groups.push(Group {
                app: app.to_string(),
                info,
                active,
                queued,
            });
        }
        groups.sort_by(|a, b| {
            a.info
                .deployment_group_name
                .cmp(&b.info.deployment_group_name)
        });
        if let Some(account) = groups
            .iter()
            .find_map(|g| g.info.service_role_arn.as_deref().and_then(account_of))
        {
            self.set_account(account);
        }
        c.groups
            .insert(app.to_string(), (Instant::now(), groups.clone()));
        Ok(groups)
    }

    /// Groups by name, 25 per call; one GetDeploymentGroup each where the
    /// endpoint lacks BatchGetDeploymentGroups (moto).
    async fn group_infos(&self, app: &str, names: &[String]) -> Res<Vec<DeploymentGroupInfo>> {
        let mut infos = Vec::new();
        for chunk in names.chunks(GROUP_BATCH) {
            let out = self
                .call(
                    "BatchGetDeploymentGroups",
                    self.client
                        .batch_get_deployment_groups()
                        .application_name(app)
                        .set_deployment_group_names(Some(chunk.to_vec()))
                        .send(),
                )
                .await;
            match out {
                Ok(out) => infos.extend(out.deployment_groups_info().iter().map(convert::group)),
                Err(CallError::Unsupported { .. }) => {
                    for name in chunk {
                        let out = self
                            .call(
                                "GetDeploymentGroup",
                                self.client
                                    .get_deployment_group()
                                    .application_name(app)
                                    .deployment_group_name(name)
                                    .send(),
                            )
                            .await?;
                        infos.extend(out.deployment_group_info().map(convert::group));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(infos)
    }

    /// The running deployment of a group and how many wait Queued.
    async fn running_in(&self, app: &str, group: &str) -> Res<(Option<String>, usize)> {
        let queued = self
            .list_deployments(app, group, &[DeploymentStatus::Queued], None)
            .await?
            .len();
        let running: Vec<DeploymentStatus> = DeploymentStatus::ACTIVE
            .into_iter()
            .filter(DeploymentStatus::is_running)
            .collect();
        let active = self.list_deployments(app, group, &running, None).await?;
        Ok((active.into_iter().next(), queued))
    }

    /// The first page of a group's deployment IDs, newest first as
    /// CodeDeploy lists them: what `codedeck watch` compares to find a
    /// deployment created after it began (one call).
    pub async fn recent_in(&self, app: &str, group: &str) -> Res<Vec<String>> {
        let out = self
            .call(
                "ListDeployments",
                self.client
                    .list_deployments()
                    .application_name(app)
                    .deployment_group_name(group)
                    .send(),
            )
            .await?;
        Ok(out.deployments().to_vec())
    }

    /// The unfinished deployments of a group (Created, Queued, InProgress,
    /// Baking, Ready), as the server reports them.
    pub async fn active_in(&self, app: &str, group: &str) -> Res<Vec<DeploymentInfo>> {
        let ids = self
            .list_deployments(app, group, &DeploymentStatus::ACTIVE, None)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.cache.lock().await;
        self.deployments(&mut c, &ids).await
    }

    /// Deployment IDs of a group, newest first as CodeDeploy lists them.
    /// With `since`, only the first page: what is new since the last look
    /// (a page of 100 is more than can start between two polls), so the cost
    /// stays one call even when many deployments share a creation time.
    async fn list_deployments(
        &self,
        app: &str,
        group: &str,
        statuses: &[DeploymentStatus],
        since: Option<Millis>,
    ) -> Res<Vec<String>> {
        let page = |token: Option<String>| async move {
            let mut call = self
                .client
                .list_deployments()
                .application_name(app)
                .deployment_group_name(group)
                .set_next_token(token);
            for s in statuses {
                call = call.include_only_statuses(sdk::DeploymentStatus::from(s.as_str()));
            }
            if let Some(t) = since {
                call = call.create_time_range(
                    sdk::TimeRange::builder()
                        .start(DateTime::from_millis(t))
                        .build(),
                );
            }
            let out = self.call("ListDeployments", call.send()).await?;
            Ok((
                out.deployments().to_vec(),
                out.next_token().map(String::from),
            ))
        };
        match since {
            Some(_) => Ok(page(None).await?.0),
            None => all_pages(page).await,
        }
    }

    /// Deployments by ID, 25 per call; finished ones from the cache.
    pub(super) async fn deployments(
        &self,
        c: &mut Cache,
        ids: &[String],
    ) -> Res<Vec<DeploymentInfo>> {
        let wanted: Vec<String> = ids
            .iter()
            .filter(|id| !c.finished.contains_key(*id))
            .cloned()
            .collect();
        let mut got: HashMap<String, DeploymentInfo> = HashMap::new();
        for chunk in wanted.chunks(BATCH) {
            let out = self
                .call(
                    "BatchGetDeployments",
                    self.client
                        .batch_get_deployments()
                        .set_deployment_ids(Some(chunk.to_vec()))
                        .send(),
                )
                .await?;
            for d in out.deployments_info() {
                let info = convert::deployment(d);
                if let Some(id) = info.deployment_id.clone() {
                    got.insert(id, info);
                }
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let info = match got.remove(id) {
                Some(info) => info,
                None => match c.finished.get(id) {
                    Some(info) => info.clone(),
                    None => continue,
                },
            };
            self.note_status(c, &info);
            if info.status.as_ref().is_some_and(DeploymentStatus::is_final) {
                c.finished.insert(id.clone(), info.clone());
            }
            out.push(info);
        }
        Ok(out)
    }

    /// Logs a status change of a deployment seen before.
    fn note_status(&self, c: &mut Cache, info: &DeploymentInfo) {
        let (Some(id), Some(status)) = (info.deployment_id.clone(), info.status.clone()) else {
            return;
        };
        let before = c.seen.insert(id.clone(), status.clone());
        if let Some(before) = before.filter(|b| *b != status) {
            c.next_seq += 1;
            c.log.push(EventRow {
                seq: c.next_seq,
                time: wall_now(),
                deployment: Some(id.clone()),
                kind: crate::state::EventKind::Deployment,
                text: format!("{id} {before} -> {status}"),
            });
            if c.log.len() > 500 {
                c.log.remove(0);
            }
        }
    }

    /// The group's deployments: unfinished ones read again, finished ones kept.
    async fn deployment_list(
        &self,
        c: &mut Cache,
        app: Option<&str>,
        group_id: &str,
    ) -> Res<DeploymentList> {
        let group = match app {
            Some(app) => self
                .groups(c, app)
                .await?
                .into_iter()
                .find(|g| g.info.deployment_group_id.as_deref() == Some(group_id)),
            None => None,
        };
        let Some(group) = group else {
            return Ok(DeploymentList::default());
        };
        let name = group.info.deployment_group_name.clone().unwrap_or_default();
        let list = match c.list.take().filter(|l| l.group_id == group_id) {
            Some(l) => l,
            None => self.first_list(c, &group.app, &name, group_id).await?,
        };
        let (list, active) = self.catch_up(c, list, &group.app, &name).await?;
        let out = DeploymentList {
            active: active.iter().filter_map(row).collect(),
            finished: list.finished.clone(),
        };
        c.list = Some(list);
        Ok(out)
    }

    /// The newest page of a group's history, once.
    async fn first_list(
        &self,
        c: &mut Cache,
        app: &str,
        group: &str,
        group_id: &str,
    ) -> Res<GroupList> {
        let mut first = Vec::new();
        let out = self
            .call(
                "ListDeployments",
                self.client
                    .list_deployments()
                    .application_name(app)
                    .deployment_group_name(group)
                    .send(),
            )
            .await?;
        first.extend(out.deployments().iter().take(HISTORY).cloned());
        let infos = self.deployments(c, &first).await?;
        let mut finished: Vec<&DeploymentInfo> = infos
            .iter()
            .filter(|d| d.status.as_ref().is_some_and(DeploymentStatus::is_final))
            .collect();
        finished.sort_by_key(|d| std::cmp::Reverse(created(d)));
        Ok(GroupList {
            group_id: group_id.to_string(),
            finished: Arc::new(finished.iter().filter_map(|d| row(d)).collect()),
            newest: infos.iter().map(created).max().unwrap_or(0),
            active: BTreeSet::new(),
        })
    }

    /// Unfinished deployments now, plus what finished or appeared since.
    async fn catch_up(
        &self,
        c: &mut Cache,
        mut list: GroupList,
        app: &str,
        group: &str,
    ) -> Res<(GroupList, Vec<DeploymentInfo>)> {
        let active_ids = self
            .list_deployments(app, group, &DeploymentStatus::ACTIVE, None)
            .await?;
        let new_ids = self
            .list_deployments(app, group, &[], Some(list.newest))
            .await?;
        let mut ids: Vec<String> = active_ids.clone();
        for id in list.active.iter().chain(new_ids.iter()) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        let known: BTreeSet<&str> = list.finished.iter().map(|r| r.id.as_str()).collect();
        ids.retain(|id| !known.contains(id.as_str()));
        let infos = self.deployments(c, &ids).await?;
        let mut active = Vec::new();
        let mut done = Vec::new();
        for d in infos {
            list.newest = list.newest.max(created(&d));
            if d.status.as_ref().is_some_and(DeploymentStatus::is_final) {
                done.push(d);
            } else {
                active.push(d);
            }
        }
        if !done.is_empty() {
            let rows = Arc::make_mut(&mut list.finished);
            rows.extend(done.iter().filter_map(row));
            rows.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        }
        active.sort_by_key(|d| std::cmp::Reverse(created(d)));
        list.active = active
            .iter()
            .filter_map(|d| d.deployment_id.clone())
            .collect();
        Ok((list, active))
    }

    /// The open deployment: its targets read again while it runs, once after.
    pub(super) async fn detail(&self, c: &mut Cache, id: &str) -> Res<Detail> {
        let info = self
            .deployments(c, &[id.to_string()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CallError::Service {
                code: "DeploymentDoesNotExistException".into(),
                message: format!("Deployment {id} does not exist."),
            })?;
        let finished = info.status.as_ref().is_some_and(DeploymentStatus::is_final);
        let started = info
            .status
            .as_ref()
            .is_some_and(DeploymentStatus::has_started);
        let targets = match c.finished_targets.get(id) {
            Some(t) => t.clone(),
            // Not started: no targets yet (asking answers DeploymentNotStarted).
            None if !started => Vec::new(),
            None => {
                let t = self.targets(id).await?;
                if finished {
                    c.finished_targets.insert(id.to_string(), t.clone());
                }
                t
            }
        };
        let config = match info.deployment_config_name.as_deref() {
            Some(name) => self.config(c, name).await?,
            None => None,
        };
        Ok(build_detail(info, &targets, config.as_ref()))
    }

    async fn targets(&self, id: &str) -> Res<Vec<DeploymentTarget>> {
        let ids = all_pages(|token| async move {
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
        .await?;
        let mut targets = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let out = self
                .call(
                    "BatchGetDeploymentTargets",
                    self.client
                        .batch_get_deployment_targets()
                        .deployment_id(id)
                        .set_target_ids(Some(chunk.to_vec()))
                        .send(),
                )
                .await?;
            targets.extend(out.deployment_targets().iter().map(convert::target));
        }
        Ok(targets)
    }

    /// A deployment configuration: the 17 predefined ones are known without
    /// a call (opening a group cost 17 GetDeploymentConfig calls); a custom
    /// one is read once and kept.
    async fn config(&self, c: &mut Cache, name: &str) -> Res<Option<DeploymentConfigInfo>> {
        if let Some(info) = crate::model::configs::predefined(name) {
            return Ok(Some(info));
        }
        if let Some(info) = c.configs.get(name) {
            return Ok(Some(info.clone()));
        }
        let out = self
            .call(
                "GetDeploymentConfig",
                self.client
                    .get_deployment_config()
                    .deployment_config_name(name)
                    .send(),
            )
            .await;
        let out = match out {
            Ok(o) => o,
            // Without the config the timeline still shows; the limits do not.
            Err(e) if !e.is_transient() => {
                self.note(&e);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let info = out.deployment_config_info().map(convert::config);
        if let Some(i) = &info {
            c.configs.insert(name.to_string(), i.clone());
        }
        Ok(info)
    }
}

/// Every page of a listing: `page(token)` reads one as (items, next token).
async fn all_pages<F, Fut>(mut page: F) -> Res<Vec<String>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Res<(Vec<String>, Option<String>)>>,
{
    let mut items = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let (got, next) = page(token.clone()).await?;
        items.extend(got);
        token = next_page(token.as_deref(), next.as_deref(), &mut pages);
        if token.is_none() {
            return Ok(items);
        }
    }
}

/// Most pages one listing reads.
const MAX_PAGES: usize = 1_000;

/// The token of the next page, if there is one to read: an endpoint that
/// hands back the same token (moto ignores them) or pages for ever is cut off.
fn next_page(prev: Option<&str>, next: Option<&str>, pages: &mut usize) -> Option<String> {
    *pages += 1;
    let next = next.filter(|t| !t.is_empty() && Some(*t) != prev)?;
    (*pages < MAX_PAGES).then(|| next.to_string())
}

/// What panels could not be read, and why.
#[derive(Default)]
struct Problems(Option<String>);

impl Problems {
    /// A panel's content, or empty with the reason noted; outages pass up.
    fn panel<T: Default>(&mut self, r: Res<T>) -> Res<T> {
        match r {
            Ok(v) => Ok(v),
            Err(e) if !e.is_transient() => {
                self.note(&e);
                Ok(T::default())
            }
            Err(e) => Err(e),
        }
    }

    fn note(&mut self, e: &CallError) {
        if self.0.is_none() {
            self.0 = Some(e.to_string());
        }
    }
}

fn created(d: &DeploymentInfo) -> Millis {
    d.create_time.map_or(0, |t| t.0)
}

/// The AWS account in an IAM ARN (`arn:aws:iam::123456789012:role/x`).
fn account_of(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())).then(|| account.into())
}

/// The list row of a deployment (one without an ID has none).
fn row(d: &DeploymentInfo) -> Option<DeploymentRow> {
    Some(DeploymentRow::of(d.deployment_id.clone()?, d))
}

/// The timeline of a deployment from what CodeDeploy tells: the targets, the
/// config's limits and traffic schedule, and the phase or wait its status and
/// lifecycle events imply.
fn build_detail(
    info: DeploymentInfo,
    targets: &[DeploymentTarget],
    config: Option<&DeploymentConfigInfo>,
) -> Detail {
    let status = info.status.clone().unwrap_or(DeploymentStatus::Created);
    let running = !status.is_final();
    let mut views: Vec<TargetView> = targets.iter().map(target_view).collect();
    let wait = wait_of(&info, &views);
    let traffic = targets
        .first()
        .and_then(|t| traffic(t, config, wait.clone().filter(|_| running)));
    let rollback = rules::is_rollback(&info);
    let batched: Vec<&TargetView> = views
        .iter()
        .filter(|t| rules::counts_for_health(t.label.as_ref(), rollback))
        .collect();
    let limits = config
        .filter(|_| running && status.has_started() && traffic.is_none())
        .map(|c| health_limits(c.minimum_healthy_hosts.as_ref(), batched.len() as i64));
    let pending = batched
        .iter()
        .filter(|t| running && rules::waits_for_batch(&t.status, &t.events))
        .count();
    // EC2 blue/green once its fleets are planned (Lambda and ECS shift traffic).
    let planned = !views.is_empty() && traffic.is_none();
    let blue_green = (running && planned && is_blue_green(&info)).then(|| BlueGreenView {
        phase: phase_of(&info, &views),
        wait: wait.clone(),
        rollback,
    });
    TargetView::green_first(&mut views);
    Detail {
        config: config.cloned(),
        min_healthy: limits.map(|l| l.0),
        max_down: limits.map(|l| l.1),
        pending,
        stopping: false,
        traffic,
        blue_green,
        hooks: Vec::new(),
        // AWS does not say which zone a zonal deployment is in, nor when its
        // monitor wait ends.
        zone: None,
        targets: views,
        info,
    }
}

fn is_blue_green(info: &DeploymentInfo) -> bool {
    info.deployment_style
        .as_ref()
        .and_then(|s| s.deployment_type.as_ref())
        == Some(&DeploymentType::BlueGreen)
}

/// Where a blue/green deployment stands, from its status and events. The
/// termination wait has begun when CodeDeploy says so, or (should a service
/// not say it) when a running blue/green deployment has every event done.
fn phase_of(info: &DeploymentInfo, targets: &[TargetView]) -> BlueGreenPhase {
    let status = info.status.clone().unwrap_or(DeploymentStatus::Created);
    let all_done = !targets.is_empty()
        && targets.iter().all(|t| {
            t.events
                .iter()
                .all(|e| e.status == Some(LifecycleEventStatus::Succeeded))
        });
    let started = info.instance_termination_wait_time_started == Some(true)
        || (is_blue_green(info) && all_done);
    let events = targets.iter().flat_map(|t| t.events.iter());
    rules::blue_green_phase(&status, started, events)
}

/// The wait a running deployment is in, and when it ends by itself: the
/// wait's length by the deployment's blue/green configuration, from the end
/// of the last event before it.
fn wait_of(info: &DeploymentInfo, targets: &[TargetView]) -> Option<WaitView> {
    if info.status.as_ref().is_none_or(DeploymentStatus::is_final) {
        return None;
    }
    let kind = rules::phase_wait(phase_of(info, targets))?;
    let bg = info.blue_green_deployment_configuration.as_ref();
    let platform = rules::compute_platform(info.compute_platform.as_ref());
    let minutes = match kind {
        DeploymentWaitType::ReadyWait => {
            rules::waits_ready(bg).then(|| rules::ready_wait_minutes(bg, &platform))
        }
        _ => Some(rules::termination_wait_minutes(bg)),
    };
    let last_end = targets
        .iter()
        .flat_map(|t| t.events.iter())
        .filter_map(|e| e.end_time.map(|t| t.0))
        .max();
    Some(WaitView {
        kind,
        until: last_end
            .zip(minutes)
            .map(|(start, m)| rules::wait_ends(start, m)),
    })
}

fn target_view(t: &DeploymentTarget) -> TargetView {
    let id = [
        t.instance_target.as_ref().and_then(|i| i.target_id.clone()),
        t.lambda_target.as_ref().and_then(|l| l.target_id.clone()),
        t.ecs_target.as_ref().and_then(|e| e.target_id.clone()),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_default();
    TargetView::of(id.clone(), id, t)
}

/// The traffic view of a Lambda or ECS deployment: weights from the target,
/// the schedule from the config from AllowTraffic's start.
fn traffic(
    t: &DeploymentTarget,
    config: Option<&DeploymentConfigInfo>,
    wait: Option<WaitView>,
) -> Option<TrafficView> {
    let (original, replacement, weight) = traffic_sides(t)?;
    let events = t
        .lambda_target
        .as_ref()
        .and_then(|l| l.lifecycle_events.as_ref())
        .or_else(|| {
            t.ecs_target
                .as_ref()
                .and_then(|e| e.lifecycle_events.as_ref())
        });
    let steps = rules::reported_traffic_schedule(
        config.and_then(|c| c.traffic_routing_config.as_ref()),
        events.map_or(&[], Vec::as_slice),
    );
    let applied = rules::steps_applied(&steps, weight);
    Some(TrafficView {
        original,
        replacement,
        weight,
        steps,
        applied,
        wait,
        restored: false,
        alias: lambda_alias(t),
        // The Lambda API is not read: the alias's state is unknown here.
        alias_split: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_come_from_role_arns() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/codedeploy").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of("not an arn"), None);
    }

    #[test]
    fn a_ready_deployment_waits_and_a_finished_one_does_not() {
        let info = DeploymentInfo {
            status: Some(DeploymentStatus::Ready),
            ..Default::default()
        };
        assert_eq!(
            wait_of(&info, &[]).map(|w| w.kind),
            Some(DeploymentWaitType::ReadyWait)
        );
        let done = DeploymentInfo {
            status: Some(DeploymentStatus::Succeeded),
            instance_termination_wait_time_started: Some(true),
            ..Default::default()
        };
        assert_eq!(wait_of(&done, &[]), None);
    }

    /// What the SDK reads for a wait left out is 0: the wait lasts the
    /// platform's maximum from the end of the last event, as the engine has it.
    #[test]
    fn a_ready_wait_of_zero_ends_after_the_platforms_maximum() {
        let ready = |platform| DeploymentInfo {
            status: Some(DeploymentStatus::Ready),
            compute_platform: Some(platform),
            blue_green_deployment_configuration: Some(BlueGreenDeploymentConfiguration {
                deployment_ready_option: Some(DeploymentReadyOption {
                    action_on_timeout: Some(DeploymentReadyAction::StopDeployment),
                    wait_time_in_minutes: Some(0),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let installed = TargetView {
            events: vec![LifecycleEvent {
                lifecycle_event_name: Some("ValidateService".into()),
                status: Some(LifecycleEventStatus::Succeeded),
                end_time: Some(Timestamp(1_000)),
                ..Default::default()
            }],
            ..TargetView::of("i-1".into(), "i-1".into(), &DeploymentTarget::default())
        };
        let until = |platform| {
            wait_of(&ready(platform), std::slice::from_ref(&installed)).and_then(|w| w.until)
        };
        let hour = 60 * crate::model::time::MINUTE;
        assert_eq!(until(ComputePlatform::Server), Some(1_000 + 48 * hour));
        assert_eq!(until(ComputePlatform::Ecs), Some(1_000 + 120 * hour));
    }
}
