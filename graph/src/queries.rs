//! Every Cypher statement the product runs, loaded at compile time from `cypher/`.
//!
//! Each query is declared once here with whether it writes; [`ALL`] lists them so a
//! test can check that every file is declared and every declared query runs on
//! every engine. User values reach these statements only as parameters.

/// A named Cypher statement.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    /// The file under `cypher/` without its extension, e.g. `experiment/create`.
    pub name: &'static str,
    /// The statement text.
    pub text: &'static str,
    /// Whether it writes (writes are serialized by the engine; reads may run in parallel).
    pub writes: bool,
}

macro_rules! queries {
    ($($ident:ident = $kind:ident $file:literal;)*) => {
        $(
            #[doc = concat!("`cypher/", $file, ".cypher`")]
            pub static $ident: Query = Query {
                name: $file,
                text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../cypher/", $file, ".cypher")),
                writes: queries!(@writes $kind),
            };
        )*
        /// Every declared query.
        pub static ALL: &[&Query] = &[$(&$ident),*];
    };
    (@writes read) => { false };
    (@writes write) => { true };
}

queries! {
    SCHEMA_VERSION = read "meta/schema_version";
    SET_SCHEMA_VERSION = write "meta/set_schema_version";

    PROJECT_CREATE = write "project/create";
    PROJECT_BY_NAME = read "project/by_name";
    PROJECT_BY_ID = read "project/by_id";
    PROJECT_LIST = read "project/list";
    PROJECT_UPDATE = write "project/update";
    PROJECT_BUMP_VALUES_VERSION = write "project/bump_values_version";
    PROJECT_BUMP_DAG_VERSION = write "project/bump_dag_version";
    PROJECT_DISMISSED_SUGGESTIONS = read "project/dismissed_suggestions";
    PROJECT_SET_DISMISSED_SUGGESTIONS = write "project/set_dismissed_suggestions";

    EXPERIMENT_CREATE = write "experiment/create";
    EXPERIMENT_BY_KEY = read "experiment/by_key";
    EXPERIMENT_BY_ID = read "experiment/by_id";
    EXPERIMENT_BY_ID_ANYWHERE = read "experiment/by_id_anywhere";
    EXPERIMENT_CREATION_CONTEXT = read "experiment/creation_context";
    EXPERIMENT_LIST = read "experiment/list";
    EXPERIMENT_UPDATE = write "experiment/update";
    EXPERIMENT_FEATURES = read "experiment/features";
    EXPERIMENT_SET_FEATURES = write "experiment/set_features";
    EXPERIMENT_SET_FULL_FEATURES = write "experiment/set_full_features";
    EXPERIMENT_LINK_FEATURES = write "experiment/link_features";
    EXPERIMENT_UNLINK_FEATURES = write "experiment/unlink_features";
    EXPERIMENT_FEATURE_SETS = read "experiment/feature_sets";
    EXPERIMENT_ENVIRONMENT = read "experiment/environment";
    EXPERIMENT_SET_ENVIRONMENT = write "experiment/set_environment";
    EXPERIMENT_SET_RESTORE_CHECK = write "experiment/set_restore_check";
    EXPERIMENT_RESTORE_CHECK = read "experiment/restore_check";
    EXPERIMENT_LINK_RERUN = write "experiment/link_rerun";
    EXPERIMENT_RERUN_OF = read "experiment/rerun_of";
    EXPERIMENT_RERUNS = read "experiment/reruns";

    KNOWLEDGE_ARTIFACTS = read "knowledge/artifacts";
    KNOWLEDGE_EXPERIMENTS = read "knowledge/experiments";
    KNOWLEDGE_FEATURE_SETS = read "knowledge/feature_sets";

    ADD_PRIMARY_PARENT = write "lineage/add_primary_parent";
    REMOVE_PRIMARY_PARENT = write "lineage/remove_primary_parent";
    ADD_MERGE_PARENT = write "lineage/add_merge_parent";
    REMOVE_MERGE_PARENT = write "lineage/remove_merge_parent";
    PARENTS = read "lineage/parents";
    CHILDREN = read "lineage/children";
    ANCESTORS = read "lineage/ancestors";
    DESCENDANTS = read "lineage/descendants";
    PRIMARY_CHAIN = read "lineage/primary_chain";
    PRIMARY_SUBTREE = read "lineage/primary_subtree";
    FIND_PATH = read "lineage/find_path";
    DAG_NODES = read "lineage/dag_nodes";
    DAG_VERSION = read "lineage/dag_version";

    JOB_CREATE = write "job/create";
    JOB_BY_ID = read "job/by_id";
    JOB_BY_DEDUPE_KEY = read "job/by_dedupe_key";
    JOB_CLAIM = write "job/claim";
    JOB_RENEW_LEASE = write "job/renew_lease";
    JOB_COMPLETE = write "job/complete";
    JOB_FAIL = write "job/fail";
    JOB_REQUEUE_EXPIRED = write "job/requeue_expired";
    JOB_RETRY_DEAD = write "job/retry_dead";
    JOB_DUE = read "job/due";
    JOB_EXPIRED = read "job/expired";
    JOB_DEAD = read "job/dead";

    AUTH_USER_COUNT = read "auth/user_count";
    AUTH_USER_CREATE = write "auth/user_create";
    AUTH_USER_BY_ID = read "auth/user_by_id";
    AUTH_USER_BY_EMAIL = read "auth/user_by_email";
    AUTH_USER_LIST = read "auth/user_list";
    AUTH_USER_CREDENTIALS = read "auth/user_credentials";
    AUTH_USER_SET_PASSWORD = write "auth/user_set_password";
    AUTH_USER_SET_DISABLED = write "auth/user_set_disabled";
    AUTH_USER_SET_SITE_ADMIN = write "auth/user_set_site_admin";
    AUTH_USER_DETACH = write "auth/user_detach";
    AUTH_USER_ERASE = write "auth/user_erase";

    AUTH_TEAM_CREATE = write "auth/team_create";
    AUTH_TEAM_BY_NAME = read "auth/team_by_name";
    AUTH_TEAM_LIST = read "auth/team_list";
    AUTH_MEMBER_ADD = write "auth/member_add";
    AUTH_MEMBER_REMOVE = write "auth/member_remove";
    AUTH_TEAM_MEMBERS = read "auth/team_members";
    AUTH_USER_MEMBERSHIPS = read "auth/user_memberships";
    AUTH_TEAM_OWNS = read "auth/team_owns";
    AUTH_TEAM_GIVE_PROJECT = write "auth/team_give_project";
    AUTH_ROLE_OVERRIDE_ADD = write "auth/role_override_add";
    AUTH_ROLE_OVERRIDE_REMOVE = write "auth/role_override_remove";
    AUTH_PROJECT_OVERRIDE = read "auth/project_override";
    AUTH_PROJECT_TEAM_ROLES = read "auth/project_team_roles";
    AUTH_PROJECT_TEAM_MEMBERS = read "auth/project_team_members";
    AUTH_PROJECT_ROLE_OVERRIDES = read "auth/project_role_overrides";
    AUTH_USER_PROJECT_OVERRIDES = read "auth/user_project_overrides";
    AUTH_USER_TEAM_PROJECTS = read "auth/user_team_projects";

    AUTH_API_TOKEN_CREATE = write "auth/api_token_create";
    AUTH_API_TOKEN_CREDENTIALS = read "auth/api_token_credentials";
    AUTH_API_TOKEN_LIST = read "auth/api_token_list";
    AUTH_API_TOKEN_TOUCH = write "auth/api_token_touch";
    AUTH_API_TOKEN_REVOKE = write "auth/api_token_revoke";
    AUTH_API_TOKEN_DELETE_USER = write "auth/api_token_delete_user";
    AUTH_REFRESH_CREATE = write "auth/refresh_create";
    AUTH_REFRESH_BY_ID = read "auth/refresh_by_id";
    AUTH_REFRESH_ROTATE = write "auth/refresh_rotate";
    AUTH_REFRESH_REVOKE_FAMILY = write "auth/refresh_revoke_family";
    AUTH_SESSION_STATE = read "auth/session_state";
    AUTH_REFRESH_REVOKE_USER = write "auth/refresh_revoke_user";
    AUTH_REFRESH_DELETE_USER = write "auth/refresh_delete_user";

    AUDIT_APPEND = write "audit/append";
    AUDIT_LIST = read "audit/list";
    AUDIT_BY_ACTOR = read "audit/by_actor";
    AUDIT_ALL_BY_ACTOR = read "audit/all_by_actor";
    AUDIT_COUNT_BY_ACTOR = read "audit/count_by_actor";

    METRIC_PROJECT_METRICS = read "metric/project_metrics";
    METRIC_CONFIG_SET = write "metric/config_set";
    METRIC_CONFIG_MEASURED_COUNT = read "metric/config_measured_count";
    METRIC_CONFIG_CLEAR = write "metric/config_clear";
    METRIC_DELETE_UNMEASURED = write "metric/delete_unmeasured";
    METRIC_CHUNK_CONTEXT = read "metric/chunk_context";
    METRIC_CHUNK_BY_KEY = read "metric/chunk_by_key";
    METRIC_CHUNK_LIST = read "metric/chunk_list";
    METRIC_LIVE_CHUNK_SEQUENCES = read "metric/live_chunk_sequences";
    METRIC_CHUNK_CREATE = write "metric/chunk_create";
    METRIC_CHUNK_COMPACT = write "metric/chunk_compact";
    METRIC_BACKFILL_LIVE_IN = write "metric/backfill_live_in";
    METRIC_BACKFILL_CHUNK_COUNTERS = write "metric/backfill_chunk_counters";
    METRIC_MEASURED_IN_PROJECT = read "metric/measured_in_project";
    METRIC_TABLE_IN_PROJECT = read "metric/table_in_project";
    METRIC_MEASURED_CREATE = write "metric/measured_create";
    METRIC_MEASURED_UPDATE = write "metric/measured_update";
    METRIC_MEASURED = read "metric/measured";
    METRIC_SET_EXPERIMENT_SUMMARIES = write "metric/set_experiment_summaries";

    BLOB_IN_USE = read "blob/in_use";
    BLOB_REFERENCED = read "blob/referenced";

    FILE_CONTENT = read "file/content";
    FILE_CONTENT_CREATE = write "file/content_create";
    FILE_CONTENT_DELETE = write "file/content_delete";
    FILE_CURRENT = read "file/current";
    FILE_HISTORY = read "file/history";
    FILE_RETIRE = write "file/retire";
    FILE_PRODUCE = write "file/produce";
    FILE_USES = read "file/uses";
    FILE_POLICY_LIST = read "file/policy_list";
    FILE_POLICY_SET = write "file/policy_set";
    FILE_POLICY_REMOVE = write "file/policy_remove";

    CODE_SNAPSHOT = read "code/snapshot";
    CODE_CONTENTS = read "code/contents";
    CODE_CREATE = write "code/create";
    CODE_CONTAIN = write "code/contain";
    CODE_RELEASE = write "code/release";
    CODE_REMOVE = write "code/remove";

    HYPOTHESIS_CREATE = write "hypothesis/create";
    HYPOTHESIS_UPDATE = write "hypothesis/update";
    HYPOTHESIS_TOUCH = write "hypothesis/touch";
    HYPOTHESIS_SET_OVERRIDE = write "hypothesis/set_override";
    HYPOTHESIS_BY_ID = read "hypothesis/by_id";
    HYPOTHESIS_LIST = read "hypothesis/list";
    HYPOTHESIS_LIST_TESTED = read "hypothesis/list_tested";
    HYPOTHESIS_TARGETS = read "hypothesis/targets";
    HYPOTHESIS_LINK_TARGET = write "hypothesis/link_target";
    HYPOTHESIS_UNLINK_TARGETS = write "hypothesis/unlink_targets";
    HYPOTHESIS_ABOUT = read "hypothesis/about";
    HYPOTHESIS_LINK_ABOUT = write "hypothesis/link_about";
    HYPOTHESIS_UNLINK_ABOUT = write "hypothesis/unlink_about";
    HYPOTHESIS_EXPERIMENTS = read "hypothesis/experiments";
    HYPOTHESIS_LINK_EXPERIMENT = write "hypothesis/link_experiment";
    HYPOTHESIS_SET_LINKED_NUMBERS = write "hypothesis/set_linked_numbers";
    HYPOTHESIS_BACKFILL_LINKED_NUMBERS = write "hypothesis/backfill_linked_numbers";
    HYPOTHESIS_UNLINK_EXPERIMENT = write "hypothesis/unlink_experiment";
    HYPOTHESIS_SUGGESTIONS = read "hypothesis/suggestions";

    EVIDENCE_STATE = read "evidence/state";
    EVIDENCE_TARGETS = read "evidence/targets";
    EVIDENCE_PROJECT_VALUES = read "evidence/project_values";
    EVIDENCE_VALUES_VERSION = read "evidence/values_version";
    EVIDENCE_EXPERIMENT_VALUES = read "evidence/experiment_values";
    EVIDENCE_CLEAR = write "evidence/clear";
    EVIDENCE_CLEAR_EXPERIMENT = write "evidence/clear_experiment";
    EVIDENCE_CREATE_UNIT = write "evidence/create_unit";
    EVIDENCE_SET_RESULT = write "evidence/set_result";
    EVIDENCE_UNITS = read "evidence/units";
    EVIDENCE_OF_EXPERIMENT = read "evidence/of_experiment";
    EVIDENCE_AFFECTED_LINKED = read "evidence/affected_linked";
    EVIDENCE_AFFECTED_REPLICATES = read "evidence/affected_replicates";
    EVIDENCE_AFFECTED_SIBLINGS = read "evidence/affected_siblings";
    EVIDENCE_AFFECTED_BY_BASELINE = read "evidence/affected_by_baseline";
    EVIDENCE_PROJECT_HYPOTHESES = read "evidence/project_hypotheses";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cypher_files(dir: &Path, prefix: &str, found: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).expect("cypher folder is readable");
        for entry in entries {
            let path = entry.expect("cypher entry is readable").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_dir() {
                cypher_files(&path, &format!("{prefix}{name}/"), found);
            } else if let Some(stem) = name.strip_suffix(".cypher") {
                found.push(format!("{prefix}{stem}"));
            }
        }
    }

    #[test]
    fn every_cypher_file_is_declared_exactly_once() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cypher");
        let mut files = Vec::new();
        cypher_files(&root, "", &mut files);
        files.sort();
        let mut declared: Vec<String> = ALL.iter().map(|q| q.name.to_owned()).collect();
        declared.sort();
        assert_eq!(files, declared);
    }
}
