//! RegisterApplicationRevision, GetApplicationRevision,
//! BatchGetApplicationRevisions, ListApplicationRevisions.

use super::{batch_limit, decode_token, encode_token, PAGE_SIZE};
use crate::engine::deployment::revision_key;
use crate::engine::{validate, Engine};
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};
use crate::state::*;

impl Engine {
    fn app_and_platform(&self, name: Option<&str>) -> ApiResult<(String, String, ComputePlatform)> {
        let app = self.app_named(name)?;
        Ok((
            app.name().to_string(),
            app.id().to_string(),
            crate::model::rules::compute_platform(app.info.compute_platform.as_ref()),
        ))
    }

    /// The groups whose target revision is this one.
    fn target_of(&self, app_id: &str, key: &str) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.application_id == app_id)
            .filter(|g| g.info.target_revision.as_ref().map(revision_key).as_deref() == Some(key))
            .map(|g| g.name().to_string())
            .collect()
    }

    fn revision_info(&self, rec: RevisionRecord) -> RevisionInfo {
        let mut info = rec.info;
        info.deployment_groups = Some(self.target_of(&rec.application_id, &rec.key));
        RevisionInfo {
            revision_location: Some(rec.location),
            generic_revision_info: Some(info),
        }
    }

    fn checked_revision(
        rev: Option<&RevisionLocation>,
        platform: &ComputePlatform,
    ) -> ApiResult<RevisionLocation> {
        let Some(rev) = rev else {
            return err(
                Exception::RevisionRequired,
                "The revision was not specified.",
            );
        };
        validate::revision(rev, platform)?;
        Ok(rev.clone())
    }

    pub fn register_application_revision(
        &mut self,
        now: Millis,
        ar: &dyn Archive,
        input: RegisterApplicationRevisionInput,
    ) -> ApiResult<()> {
        let (_, app_id, platform) = self.app_and_platform(input.application_name.as_deref())?;
        validate::description(input.description.as_deref())?;
        let rev = Self::checked_revision(input.revision.as_ref(), &platform)?;
        let key = revision_key(&rev);
        let mut record = ar
            .revision(&app_id, &key)?
            .unwrap_or_else(|| RevisionRecord {
                application_id: app_id.clone(),
                key,
                location: rev.clone(),
                info: GenericRevisionInfo {
                    register_time: Some(Timestamp(now)),
                    ..Default::default()
                },
            });
        if input.description.is_some() {
            record.info.description = input.description;
        }
        record.location = rev;
        self.out.push(Change::Revision(record));
        Ok(())
    }

    pub fn get_application_revision(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: GetApplicationRevisionInput,
    ) -> ApiResult<GetApplicationRevisionOutput> {
        let (name, app_id, platform) = self.app_and_platform(input.application_name.as_deref())?;
        let rev = Self::checked_revision(input.revision.as_ref(), &platform)?;
        match ar.revision(&app_id, &revision_key(&rev))? {
            Some(rec) => {
                let info = self.revision_info(rec);
                Ok(GetApplicationRevisionOutput {
                    application_name: Some(name),
                    revision: info.revision_location,
                    revision_info: info.generic_revision_info,
                })
            }
            None => err(
                Exception::RevisionDoesNotExist,
                format!("No revision found for application {name} at that location."),
            ),
        }
    }

    pub fn batch_get_application_revisions(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: BatchGetApplicationRevisionsInput,
    ) -> ApiResult<BatchGetApplicationRevisionsOutput> {
        let (name, app_id, platform) = self.app_and_platform(input.application_name.as_deref())?;
        let revs = input.revisions.unwrap_or_default();
        if revs.is_empty() {
            return err(
                Exception::RevisionRequired,
                "At least one revision must be specified.",
            );
        }
        batch_limit(revs.len(), 25, "revisions")?;
        let mut found = Vec::new();
        let mut missing = 0;
        for rev in &revs {
            let rev = Self::checked_revision(Some(rev), &platform)?;
            match ar.revision(&app_id, &revision_key(&rev))? {
                Some(rec) => found.push(self.revision_info(rec)),
                None => missing += 1,
            }
        }
        let error_message = (missing > 0).then(|| {
            format!("{missing} of the requested revisions were not found for application {name}.")
        });
        Ok(BatchGetApplicationRevisionsOutput {
            application_name: Some(name),
            error_message,
            revisions: Some(found),
        })
    }

    pub fn list_application_revisions(
        &self,
        _now: Millis,
        ar: &dyn Archive,
        input: ListApplicationRevisionsInput,
    ) -> ApiResult<ListApplicationRevisionsOutput> {
        let (_, app_id, _) = self.app_and_platform(input.application_name.as_deref())?;
        check_revision_filters(&input)?;
        let mut revs = self.filtered_revisions(ar, &app_id, &input)?;
        // Without sortBy the order is arbitrary in AWS; codedeck uses the key for
        // stability. The order is a total order on (time, key), so pages are
        // keyset pages: revisions registered between pages are never returned
        // twice, and none that existed is skipped.
        let by = input.sort_by.clone();
        let sort_key = |r: &RevisionRecord| revision_sort_key(by.as_ref(), r);
        let descending = by.is_some() && input.sort_order == Some(SortOrder::Descending);
        revs.sort_by_cached_key(|r| sort_key(r));
        if descending {
            revs.reverse();
        }
        let start = match decode_token(input.next_token.as_deref())? {
            None => 0,
            Some(cursor) => {
                let Some(after) = revision_cursor(&cursor) else {
                    return err(Exception::InvalidNextToken, "The next token is not valid.");
                };
                revs.iter()
                    .position(|r| {
                        let k = sort_key(r);
                        if descending {
                            k < after
                        } else {
                            k > after
                        }
                    })
                    .unwrap_or(revs.len())
            }
        };
        let page: Vec<&RevisionRecord> = revs[start..].iter().take(PAGE_SIZE).collect();
        let next = (start + page.len() < revs.len())
            .then(|| page.last().map(|r| encode_revision_cursor(&sort_key(r))))
            .flatten();
        let page: Vec<RevisionLocation> = page.into_iter().map(|r| r.location.clone()).collect();
        Ok(ListApplicationRevisionsOutput {
            revisions: Some(page),
            next_token: next,
        })
    }

    /// The application's revisions that pass the S3 and deployed filters.
    fn filtered_revisions(
        &self,
        ar: &dyn Archive,
        app_id: &str,
        input: &ListApplicationRevisionsInput,
    ) -> ApiResult<Vec<RevisionRecord>> {
        Ok(ar
            .revisions(app_id)?
            .into_iter()
            .filter(|r| {
                let s3 = r.location.s3_location.as_ref();
                input
                    .s3_bucket
                    .as_ref()
                    .is_none_or(|b| s3.and_then(|l| l.bucket.as_ref()) == Some(b))
                    && input.s3_key_prefix.as_ref().is_none_or(|p| {
                        s3.and_then(|l| l.key.as_ref())
                            .is_some_and(|k| k.starts_with(p.as_str()))
                    })
            })
            .filter(|r| {
                let deployed = !self.target_of(app_id, &r.key).is_empty();
                match input.deployed {
                    Some(ListStateFilterAction::Include) => deployed,
                    Some(ListStateFilterAction::Exclude) => !deployed,
                    _ => true,
                }
            })
            .collect())
    }
}

/// ListApplicationRevisions' sort and filter members, each known and consistent.
fn check_revision_filters(input: &ListApplicationRevisionsInput) -> ApiResult<()> {
    if let Some(s) = input.sort_by.as_ref().filter(|s| !s.is_known()) {
        return err(
            Exception::InvalidSortBy,
            format!("'{s}' is not a sort column (registerTime, firstUsedTime, lastUsedTime)."),
        );
    }
    if let Some(s) = input.sort_order.as_ref().filter(|s| !s.is_known()) {
        return err(
            Exception::InvalidSortOrder,
            format!("'{s}' is not a sort order (ascending, descending)."),
        );
    }
    if let Some(d) = input.deployed.as_ref().filter(|d| !d.is_known()) {
        return err(
            Exception::InvalidDeployedStateFilter,
            format!("'{d}' is not a deployed filter (include, exclude, ignore)."),
        );
    }
    if input.s3_bucket.as_deref() == Some("") {
        return err(
            Exception::InvalidBucketNameFilter,
            "The bucket name filter is empty.",
        );
    }
    if input.s3_key_prefix.is_some() && input.s3_bucket.is_none() {
        return err(
            Exception::BucketNameFilterRequired,
            "s3KeyPrefix needs s3Bucket.",
        );
    }
    Ok(())
}

/// Where a revision sorts: the chosen time (none without sortBy), then its key.
fn revision_sort_key(
    by: Option<&ApplicationRevisionSortBy>,
    r: &RevisionRecord,
) -> (Option<Millis>, String) {
    let time = match by {
        None => None,
        Some(ApplicationRevisionSortBy::FirstUsedTime) => r.info.first_used_time,
        Some(ApplicationRevisionSortBy::LastUsedTime) => r.info.last_used_time,
        Some(_) => r.info.register_time,
    };
    (time.map(|t| t.0), r.key.clone())
}

/// A ListApplicationRevisions cursor: the last item's sort time and key.
fn encode_revision_cursor((time, key): &(Option<Millis>, String)) -> String {
    let time = time.map(|t| t.to_string()).unwrap_or_default();
    encode_token(&format!("rev:{time}:{key}"))
}

fn revision_cursor(cursor: &str) -> Option<(Option<Millis>, String)> {
    let (time, key) = cursor.strip_prefix("rev:")?.split_once(':')?;
    let time = if time.is_empty() {
        None
    } else {
        Some(time.parse().ok()?)
    };
    Some((time, key.to_string()))
}
