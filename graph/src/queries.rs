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
    PROJECT_LIST = read "project/list";
    PROJECT_UPDATE = write "project/update";

    EXPERIMENT_CREATE = write "experiment/create";
    EXPERIMENT_BY_KEY = read "experiment/by_key";
    EXPERIMENT_BY_ID = read "experiment/by_id";
    EXPERIMENT_CREATION_CONTEXT = read "experiment/creation_context";
    EXPERIMENT_LIST = read "experiment/list";
    EXPERIMENT_UPDATE = write "experiment/update";
    EXPERIMENT_FEATURES = read "experiment/features";
    EXPERIMENT_SET_FEATURES = write "experiment/set_features";
    EXPERIMENT_SET_FULL_FEATURES = write "experiment/set_full_features";
    EXPERIMENT_LINK_FEATURE = write "experiment/link_feature";
    EXPERIMENT_UNLINK_FEATURES = write "experiment/unlink_features";
    EXPERIMENT_FEATURE_SETS = read "experiment/feature_sets";

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
