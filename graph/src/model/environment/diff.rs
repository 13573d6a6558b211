//! What changed between two environment records: packages added, removed or changed, and
//! which of the other fields differ.

use std::collections::BTreeMap;

use super::{package_key, Environment, Package};

/// A field of an environment record other than its packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EnvironmentField {
    Interpreter,
    Platform,
    WorkingDirectory,
    /// The working directory relative to the code snapshot's root (a record without one
    /// differs from a record with one).
    CodeDirectory,
    CommandLine,
    /// The accelerator entries, in order (the order is the device order).
    Accelerators,
    /// The kept variables, by name and value (the order does not count).
    Variables,
}

/// How a package differs between the left and the right record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageChangeKind {
    /// Only on the right.
    Added,
    /// Only on the left.
    Removed,
    /// On both sides with different versions.
    Changed,
}

/// One package that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageChange {
    /// Its name as the right record spells it (the left one's for a removed package).
    pub name: String,
    pub kind: PackageChangeKind,
    /// The version on the left, absent for an added package.
    pub left_version: Option<String>,
    /// The version on the right, absent for a removed package.
    pub right_version: Option<String>,
}

/// The differences between two records; both lists are empty when they match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentDiff {
    /// By name (PEP 503 normalised).
    pub packages: Vec<PackageChange>,
    /// In [`EnvironmentField`] order.
    pub changed_fields: Vec<EnvironmentField>,
}

/// An experiment's record compared with another experiment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentComparison {
    /// The number of the experiment compared with (the left side).
    pub against: i64,
    /// Its record.
    pub left: Environment,
    /// The experiment's own record (the right side).
    pub right: Environment,
    /// What changed from left to right.
    pub diff: EnvironmentDiff,
}

fn by_key(packages: &[Package]) -> BTreeMap<String, &Package> {
    packages
        .iter()
        .map(|package| (package_key(&package.name), package))
        .collect()
}

/// What changed from `left` to `right`. Packages are matched by their PEP 503 name, so a
/// package whose spelling changed (`PyYAML` to `pyyaml`) at the same version is no change.
/// `dropped_variables` and `recorded_at` are not compared.
pub fn diff_environments(left: &Environment, right: &Environment) -> EnvironmentDiff {
    let left_packages = by_key(&left.packages);
    let right_packages = by_key(&right.packages);
    let mut keys: Vec<&String> = left_packages.keys().chain(right_packages.keys()).collect();
    keys.sort();
    keys.dedup();
    let packages = keys
        .into_iter()
        .filter_map(|key| {
            let (before, after) = (left_packages.get(key), right_packages.get(key));
            let kind = match (before, after) {
                (None, Some(_)) => PackageChangeKind::Added,
                (Some(_), None) => PackageChangeKind::Removed,
                (Some(before), Some(after)) if before.version != after.version => PackageChangeKind::Changed,
                _ => return None,
            };
            let name = after.or(before).map(|package| package.name.clone())?;
            Some(PackageChange {
                name,
                kind,
                left_version: before.map(|package| package.version.clone()),
                right_version: after.map(|package| package.version.clone()),
            })
        })
        .collect();

    let variables = |environment: &Environment| -> BTreeMap<String, String> {
        environment
            .variables
            .iter()
            .map(|variable| (variable.name.clone(), variable.value.clone()))
            .collect()
    };
    let comparisons = [
        (
            EnvironmentField::Interpreter,
            left.interpreter == right.interpreter,
        ),
        (EnvironmentField::Platform, left.platform == right.platform),
        (
            EnvironmentField::WorkingDirectory,
            left.working_directory == right.working_directory,
        ),
        (
            EnvironmentField::CodeDirectory,
            left.code_directory == right.code_directory,
        ),
        (
            EnvironmentField::CommandLine,
            left.command_line == right.command_line,
        ),
        (
            EnvironmentField::Accelerators,
            left.accelerators == right.accelerators,
        ),
        (EnvironmentField::Variables, variables(left) == variables(right)),
    ];
    let changed_fields = comparisons
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(field, _)| field)
        .collect();
    EnvironmentDiff {
        packages,
        changed_fields,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use proptest::prelude::*;

    use super::*;
    use crate::model::environment::{Accelerator, Variable};

    fn environment(packages: &[(&str, &str)]) -> Environment {
        Environment {
            interpreter: "CPython 3.12.1".into(),
            packages: packages
                .iter()
                .map(|(name, version)| Package {
                    name: (*name).into(),
                    version: (*version).into(),
                })
                .collect(),
            platform: "Linux-6.8-x86_64".into(),
            accelerators: Vec::new(),
            command_line: vec!["python".into(), "train.py".into()],
            working_directory: "/work".into(),
            code_directory: Some(String::new()),
            variables: Vec::new(),
            dropped_variables: Vec::new(),
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn packages_are_added_removed_and_changed_by_normalised_name() {
        let left = environment(&[("numpy", "1.26"), ("PyYAML", "6.0"), ("scipy", "1.13")]);
        let right = environment(&[("numpy", "2.0"), ("pyyaml", "6.0"), ("torch", "2.3")]);
        let diff = diff_environments(&left, &right);
        let change = |name: &str, kind, left: Option<&str>, right: Option<&str>| PackageChange {
            name: name.into(),
            kind,
            left_version: left.map(Into::into),
            right_version: right.map(Into::into),
        };
        assert_eq!(
            diff.packages,
            vec![
                change("numpy", PackageChangeKind::Changed, Some("1.26"), Some("2.0")),
                change("scipy", PackageChangeKind::Removed, Some("1.13"), None),
                change("torch", PackageChangeKind::Added, None, Some("2.3")),
            ]
        );
        assert!(diff.changed_fields.is_empty());
    }

    #[test]
    fn the_other_fields_are_named_when_they_differ() {
        let left = environment(&[]);
        let mut right = environment(&[]);
        right.interpreter = "CPython 3.13.0".into();
        right.code_directory = Some("src/train".into());
        right.command_line.push("--lr=0.1".into());
        right.accelerators.push(Accelerator {
            name: "NVIDIA H100".into(),
            count: 8,
            memory_bytes: Some(80 << 30),
            driver: Some("550.54".into()),
        });
        right.dropped_variables.push("HOME".into());
        let diff = diff_environments(&left, &right);
        assert_eq!(
            diff.changed_fields,
            vec![
                EnvironmentField::Interpreter,
                EnvironmentField::CodeDirectory,
                EnvironmentField::CommandLine,
                EnvironmentField::Accelerators
            ]
        );
    }

    #[test]
    fn variables_compare_by_name_and_value_in_any_order() {
        let variable = |name: &str, value: &str| Variable {
            name: name.into(),
            value: value.into(),
        };
        let mut left = environment(&[]);
        left.variables = vec![variable("A", "1"), variable("B", "2")];
        let mut right = environment(&[]);
        right.variables = vec![variable("B", "2"), variable("A", "1")];
        assert_eq!(diff_environments(&left, &right), EnvironmentDiff::default());
        right.variables[0].value = "3".into();
        assert_eq!(
            diff_environments(&left, &right).changed_fields,
            vec![EnvironmentField::Variables]
        );
    }

    fn packages() -> impl Strategy<Value = Vec<(String, String)>> {
        proptest::collection::btree_map("[a-e]{1,2}", "[0-3]", 0..12)
            .prop_map(|packages| packages.into_iter().collect())
    }

    fn with_packages(packages: &[(String, String)]) -> Environment {
        let borrowed: Vec<(&str, &str)> = packages
            .iter()
            .map(|(name, version)| (name.as_str(), version.as_str()))
            .collect();
        environment(&borrowed)
    }

    proptest! {
        #[test]
        fn a_record_has_no_diff_with_itself(packages in packages()) {
            let record = with_packages(&packages);
            prop_assert_eq!(diff_environments(&record, &record), EnvironmentDiff::default());
        }

        #[test]
        fn swapping_the_sides_mirrors_the_package_changes(left in packages(), right in packages()) {
            let (left, right) = (with_packages(&left), with_packages(&right));
            let forward = diff_environments(&left, &right);
            let backward = diff_environments(&right, &left);
            prop_assert_eq!(forward.packages.len(), backward.packages.len());
            for (there, back) in forward.packages.iter().zip(&backward.packages) {
                prop_assert_eq!(&there.name, &back.name);
                prop_assert_eq!(&there.left_version, &back.right_version);
                prop_assert_eq!(&there.right_version, &back.left_version);
            }
        }

        #[test]
        fn applying_the_changes_to_the_left_packages_gives_the_right_ones(left in packages(), right in packages()) {
            let diff = diff_environments(&with_packages(&left), &with_packages(&right));
            let mut rebuilt: BTreeMap<String, String> = left.into_iter().collect();
            for change in diff.packages {
                match change.right_version {
                    Some(version) => rebuilt.insert(change.name, version),
                    None => rebuilt.remove(&change.name),
                };
            }
            prop_assert_eq!(rebuilt, right.into_iter().collect::<BTreeMap<_, _>>());
        }
    }
}
