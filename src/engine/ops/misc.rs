//! GitHub connections (none is ever connected) and DeleteResourcesByExternalId.

use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::archive::Archive;
use crate::state::error::{err, ApiResult};

impl Engine {
    pub fn list_git_hub_account_token_names(
        &self,
        _now: Millis,
        _ar: &dyn Archive,
        input: ListGitHubAccountTokenNamesInput,
    ) -> ApiResult<ListGitHubAccountTokenNamesOutput> {
        if input.next_token.is_some() {
            return err(
                Exception::InvalidNextToken,
                "There are no more GitHub account tokens.",
            );
        }
        Ok(ListGitHubAccountTokenNamesOutput {
            token_name_list: Some(vec![]),
            next_token: None,
        })
    }

    pub fn delete_git_hub_account_token(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        input: DeleteGitHubAccountTokenInput,
    ) -> ApiResult<DeleteGitHubAccountTokenOutput> {
        let Some(name) = input.token_name.filter(|n| !n.is_empty()) else {
            return err(
                Exception::GitHubAccountTokenNameRequired,
                "tokenName is required.",
            );
        };
        err(Exception::GitHubAccountTokenDoesNotExist, format!("No GitHub account connection named {name} exists: codedeck never connects GitHub accounts."))
    }

    /// CloudFormation ECS blue/green creates nothing in codedeck, so there is nothing to remove.
    pub fn delete_resources_by_external_id(
        &mut self,
        _now: Millis,
        _ar: &dyn Archive,
        _input: DeleteResourcesByExternalIdInput,
    ) -> ApiResult<DeleteResourcesByExternalIdOutput> {
        Ok(DeleteResourcesByExternalIdOutput {})
    }
}
