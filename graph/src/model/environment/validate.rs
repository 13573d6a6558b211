//! Validation of a reported environment: bounded lengths and counts, no control characters
//! where they make no sense, each package and variable once. Errors name the field as the
//! GraphQL input spells it (`environment.packages[3].name`) and never quote a variable's value.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    normalize_code_directory, package_key, NewEnvironment, MAX_ACCELERATORS, MAX_ACCELERATOR_COUNT,
    MAX_CODE_DIRECTORY_CHARS, MAX_COMMAND_LINE_ARGS, MAX_OFFERED_VARIABLES, MAX_PACKAGES, MAX_TEXT_CHARS,
    MAX_VALUE_CHARS,
};
use crate::error::{Error, Result};

/// Which control characters a text may hold.
#[derive(Clone, Copy)]
enum Layout {
    /// None at all.
    Line,
    /// Tabs and line breaks (arguments and values may span lines); no other.
    Multiline,
}

fn check_text(field: impl Fn() -> String, text: &str, max_chars: usize, layout: Layout) -> Result<()> {
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field(),
            format!("is longer than {max_chars} characters"),
        ));
    }
    let refused = |character: char| match layout {
        Layout::Line => character.is_control(),
        Layout::Multiline => character.is_control() && !matches!(character, '\t' | '\n' | '\r'),
    };
    if text.chars().any(refused) {
        let reason = match layout {
            Layout::Line => "must not contain control characters",
            Layout::Multiline => "must not contain NUL or control characters other than tabs and line breaks",
        };
        return Err(Error::invalid(field(), reason));
    }
    Ok(())
}

fn check_name(field: impl Fn() -> String, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid(field(), "must not be empty"));
    }
    check_text(field, name, MAX_TEXT_CHARS, Layout::Line)
}

/// A directory relative to the code snapshot's root, as file paths in a snapshot are written:
/// forward slashes, not absolute, no drive letter, no `..` segment (a rerun joins it to the
/// restored tree, which it must not leave). Empty, `.` and `./` are the root.
fn check_code_directory(field: &str, directory: &str) -> Result<()> {
    check_text(
        || field.to_owned(),
        directory,
        MAX_CODE_DIRECTORY_CHARS,
        Layout::Line,
    )?;
    if directory.contains('\\') {
        return Err(Error::invalid(
            field,
            "contains a backslash; separate directories with forward slashes",
        ));
    }
    if directory.starts_with('/') {
        return Err(Error::invalid(
            field,
            "is absolute; give the directory relative to the root of the code snapshot",
        ));
    }
    if directory.split('/').any(|segment| segment == "..") {
        return Err(Error::invalid(
            field,
            "contains a `..` segment; give the directory inside the code snapshot",
        ));
    }
    let normalized = normalize_code_directory(directory);
    let first_segment = normalized.split('/').next().unwrap_or_default().as_bytes();
    let names_a_drive =
        first_segment.len() >= 2 && first_segment[0].is_ascii_alphabetic() && first_segment[1] == b':';
    if names_a_drive {
        return Err(Error::invalid(
            field,
            "starts with a windows drive letter; give the directory relative to the root of the code snapshot",
        ));
    }
    Ok(())
}

fn check_count(field: &str, count: usize, max: usize, what: &str) -> Result<()> {
    if count > max {
        return Err(Error::invalid(field, format!("at most {max} {what}")));
    }
    Ok(())
}

impl NewEnvironment {
    /// Checks every field; the error names the field (`environment.packages[3].name`) and the
    /// reason, never a variable's value.
    pub fn validate(&self) -> Result<()> {
        let field = |name: &'static str| move || format!("environment.{name}");
        check_text(
            field("interpreter"),
            &self.interpreter,
            MAX_TEXT_CHARS,
            Layout::Line,
        )?;
        check_text(field("platform"), &self.platform, MAX_TEXT_CHARS, Layout::Line)?;
        check_text(
            field("workingDirectory"),
            &self.working_directory,
            MAX_TEXT_CHARS,
            Layout::Line,
        )?;
        if let Some(code_directory) = &self.code_directory {
            check_code_directory("environment.codeDirectory", code_directory)?;
        }
        self.validate_packages()?;
        self.validate_accelerators()?;
        check_count(
            "environment.commandLine",
            self.command_line.len(),
            MAX_COMMAND_LINE_ARGS,
            "arguments",
        )?;
        for (index, argument) in self.command_line.iter().enumerate() {
            let field = || format!("environment.commandLine[{index}]");
            check_text(field, argument, MAX_VALUE_CHARS, Layout::Multiline)?;
        }
        self.validate_variables()
    }

    fn validate_packages(&self) -> Result<()> {
        check_count(
            "environment.packages",
            self.packages.len(),
            MAX_PACKAGES,
            "packages",
        )?;
        let mut first_position: BTreeMap<String, usize> = BTreeMap::new();
        for (index, package) in self.packages.iter().enumerate() {
            check_name(|| format!("environment.packages[{index}].name"), &package.name)?;
            let version = || format!("environment.packages[{index}].version");
            check_text(version, &package.version, MAX_TEXT_CHARS, Layout::Line)?;
            if let Some(first) = first_position.insert(package_key(&package.name), index) {
                return Err(Error::invalid(
                    format!("environment.packages[{index}].name"),
                    format!(
                        "`{}` is listed twice (first at packages[{first}]): give each package once",
                        package.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn validate_accelerators(&self) -> Result<()> {
        check_count(
            "environment.accelerators",
            self.accelerators.len(),
            MAX_ACCELERATORS,
            "accelerator entries",
        )?;
        for (index, accelerator) in self.accelerators.iter().enumerate() {
            let field = |name: &str| format!("environment.accelerators[{index}].{name}");
            check_name(|| field("name"), &accelerator.name)?;
            if !(1..=MAX_ACCELERATOR_COUNT).contains(&accelerator.count) {
                return Err(Error::invalid(
                    field("count"),
                    format!("must be 1 to {MAX_ACCELERATOR_COUNT}"),
                ));
            }
            if accelerator.memory_bytes.is_some_and(|bytes| bytes < 0) {
                return Err(Error::invalid(field("memoryBytes"), "must not be negative"));
            }
            if let Some(driver) = &accelerator.driver {
                check_text(|| field("driver"), driver, MAX_TEXT_CHARS, Layout::Line)?;
            }
        }
        Ok(())
    }

    fn validate_variables(&self) -> Result<()> {
        check_count(
            "environment.variables",
            self.variables.len(),
            MAX_OFFERED_VARIABLES,
            "variables",
        )?;
        let mut seen = BTreeSet::new();
        for (index, variable) in self.variables.iter().enumerate() {
            let field = |name: &str| format!("environment.variables[{index}].{name}");
            check_name(|| field("name"), &variable.name)?;
            if variable.name.contains('=') {
                return Err(Error::invalid(field("name"), "must not contain `=`"));
            }
            check_text(
                || field("value"),
                &variable.value,
                MAX_VALUE_CHARS,
                Layout::Multiline,
            )?;
            if !seen.insert(variable.name.as_str()) {
                return Err(Error::invalid(
                    field("name"),
                    format!("`{}` is given twice", variable.name),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::environment::{Accelerator, Package, Variable};

    fn package(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
        }
    }

    fn variable(name: &str, value: &str) -> Variable {
        Variable {
            name: name.into(),
            value: value.into(),
        }
    }

    fn refused_field(environment: &NewEnvironment) -> String {
        match environment.validate() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a VALIDATION error, got {other:?}"),
        }
    }

    #[test]
    fn the_same_package_under_another_spelling_is_a_duplicate() {
        let environment = NewEnvironment {
            packages: vec![
                package("numpy", "2.0"),
                package("PyYAML", "6"),
                package("pyyaml", "6"),
            ],
            ..NewEnvironment::default()
        };
        let error = environment.validate().expect_err("duplicate");
        assert_eq!(
            error.to_string(),
            "environment.packages[2].name: `pyyaml` is listed twice (first at packages[1]): give each package once"
        );
    }

    #[test]
    fn each_refusal_names_its_field() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let cases: Vec<(NewEnvironment, &str)> = vec![
            (
                NewEnvironment {
                    interpreter: "CPython\n3.12".into(),
                    ..NewEnvironment::default()
                },
                "environment.interpreter",
            ),
            (
                NewEnvironment {
                    platform: long.clone(),
                    ..NewEnvironment::default()
                },
                "environment.platform",
            ),
            (
                NewEnvironment {
                    working_directory: "/tmp/\0x".into(),
                    ..NewEnvironment::default()
                },
                "environment.workingDirectory",
            ),
            (
                NewEnvironment {
                    packages: vec![package("numpy", "2.0"), package(" ", "1")],
                    ..NewEnvironment::default()
                },
                "environment.packages[1].name",
            ),
            (
                NewEnvironment {
                    packages: vec![package("numpy", "2.0\t")],
                    ..NewEnvironment::default()
                },
                "environment.packages[0].version",
            ),
            (
                NewEnvironment {
                    packages: vec![package("p", "1"); MAX_PACKAGES + 1],
                    ..NewEnvironment::default()
                },
                "environment.packages",
            ),
            (
                NewEnvironment {
                    accelerators: vec![Accelerator {
                        name: "H100".into(),
                        count: 0,
                        memory_bytes: None,
                        driver: None,
                    }],
                    ..NewEnvironment::default()
                },
                "environment.accelerators[0].count",
            ),
            (
                NewEnvironment {
                    accelerators: vec![Accelerator {
                        name: "H100".into(),
                        count: 8,
                        memory_bytes: Some(-1),
                        driver: None,
                    }],
                    ..NewEnvironment::default()
                },
                "environment.accelerators[0].memoryBytes",
            ),
            (
                NewEnvironment {
                    command_line: vec!["python".into(), "a\u{7}".into()],
                    ..NewEnvironment::default()
                },
                "environment.commandLine[1]",
            ),
            (
                NewEnvironment {
                    command_line: vec!["x".into(); MAX_COMMAND_LINE_ARGS + 1],
                    ..NewEnvironment::default()
                },
                "environment.commandLine",
            ),
            (
                NewEnvironment {
                    variables: vec![variable("A=B", "1")],
                    ..NewEnvironment::default()
                },
                "environment.variables[0].name",
            ),
            (
                NewEnvironment {
                    variables: vec![variable("OMP_NUM_THREADS", "8"), variable("OMP_NUM_THREADS", "4")],
                    ..NewEnvironment::default()
                },
                "environment.variables[1].name",
            ),
            (
                NewEnvironment {
                    variables: vec![variable("X", "nul\0inside")],
                    ..NewEnvironment::default()
                },
                "environment.variables[0].value",
            ),
        ];
        for (environment, field) in cases {
            assert_eq!(refused_field(&environment), field);
        }
    }

    #[test]
    fn a_code_directory_must_stay_inside_the_snapshot() {
        let too_long = "d/".repeat(MAX_CODE_DIRECTORY_CHARS / 2 + 1);
        for refused in [
            "/src",
            "src/../../etc",
            "..",
            "src\\train",
            "C:/src",
            "./c:x",
            "src\n",
            too_long.as_str(),
        ] {
            let environment = NewEnvironment {
                code_directory: Some(refused.into()),
                ..NewEnvironment::default()
            };
            assert_eq!(
                refused_field(&environment),
                "environment.codeDirectory",
                "{refused:?}"
            );
        }
        for accepted in [
            "",
            ".",
            "./",
            "src/train",
            "src//train/",
            "a..b/..c",
            "données/run 1",
        ] {
            let environment = NewEnvironment {
                code_directory: Some(accepted.into()),
                ..NewEnvironment::default()
            };
            environment.validate().expect(accepted);
        }
    }

    #[test]
    fn arguments_and_values_may_span_lines() {
        let environment = NewEnvironment {
            command_line: vec![
                "python".into(),
                "-c".into(),
                "import os\n\tprint(os.getcwd())".into(),
            ],
            variables: vec![variable("XLA_FLAGS", "--a\n--b")],
            ..NewEnvironment::default()
        };
        environment.validate().expect("valid");
    }
}
