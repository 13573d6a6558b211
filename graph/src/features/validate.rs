//! The rules every stored features tree obeys, whichever way it arrived.

use std::io;

use serde_json::Value;

use super::path::{child_location, describe_location, element_location};
use super::{invalid_features, MAX_FEATURES_BYTES};
use crate::error::{Error, Result};

/// Checks an already-structured features tree.
///
/// It must be an object (a mapping of feature names to values), hold only finite numbers, and
/// take at most [`MAX_FEATURES_BYTES`] as compact JSON. Failures are [`Error::Invalid`] on the
/// `features` field.
pub fn validate_features(value: &Value) -> Result<()> {
    if !value.is_object() {
        return Err(invalid_features(format!(
            "must be a mapping of feature names to values, got {}",
            describe_kind(value)
        )));
    }
    // The walk that names the path builds every location; only a tree that has a bad number
    // takes it (it was a tenth of parsing an experiment's features).
    if holds_a_non_finite_number(value) {
        check_finite_numbers(value, None)?;
    }
    let serialized_bytes = serialized_len(value)?;
    if serialized_bytes > MAX_FEATURES_BYTES {
        return Err(invalid_features(format!(
            "is {serialized_bytes} bytes as JSON, larger than the 1 MiB limit"
        )));
    }
    Ok(())
}

/// How a value's kind reads in an error message: `a list`, `a number`, …
fn describe_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Fails on the first number that is NaN or infinite, naming where it is.
///
/// `serde_json` cannot build such numbers by default; this guards against builds where another
/// crate switches on a `serde_json` feature that can (`arbitrary_precision`).
///
/// `location` is where `value` sits, `None` for the root.
fn check_finite_numbers(value: &Value, location: Option<&str>) -> Result<()> {
    match value {
        Value::Number(number) if number.as_f64().is_some_and(|float| !float.is_finite()) => {
            Err(invalid_features(format!(
                "value {} is not a finite number ({number})",
                describe_location(location)
            )))
        }
        Value::Array(items) => items.iter().enumerate().try_for_each(|(index, item)| {
            check_finite_numbers(item, Some(&element_location(location, index)))
        }),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(key, child)| check_finite_numbers(child, Some(&child_location(location, key)))),
        _ => Ok(()),
    }
}

/// Whether [`check_finite_numbers`] refuses `value`, without building locations.
fn holds_a_non_finite_number(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.as_f64().is_some_and(|float| !float.is_finite()),
        Value::Array(items) => items.iter().any(holds_a_non_finite_number),
        Value::Object(map) => map.values().any(holds_a_non_finite_number),
        _ => false,
    }
}

/// The length of `value` as compact JSON, counted without building the text.
fn serialized_len(value: &Value) -> Result<usize> {
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, value)
        .map_err(|error| Error::Internal(format!("features do not serialize: {error}")))?;
    Ok(counter.0)
}

/// An `io::Write` that only counts what it is given.
#[derive(Debug)]
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error_message(value: &Value) -> Option<String> {
        validate_features(value).err().map(|error| error.to_string())
    }

    #[test]
    fn an_object_of_finite_values_is_valid() {
        assert!(validate_features(&json!({"a": {"b": [1, 2.5, null]}, "c": "x"})).is_ok());
        assert!(validate_features(&json!({})).is_ok());
    }

    #[test]
    fn a_top_level_list_is_refused_naming_its_kind() {
        assert_eq!(
            error_message(&json!([1, 2])).as_deref(),
            Some("features: must be a mapping of feature names to values, got a list")
        );
        assert!(error_message(&json!(3)).is_some_and(|message| message.ends_with("got a number")));
    }

    #[test]
    fn a_tree_over_one_mebibyte_is_refused_with_its_size() {
        let big = json!({"blob": "x".repeat(MAX_FEATURES_BYTES)});
        let message = error_message(&big).unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "features: is {} bytes as JSON, larger than the 1 MiB limit",
                MAX_FEATURES_BYTES + 11
            )
        );
    }

    #[test]
    fn validation_errors_are_invalid_on_the_features_field() {
        let error = validate_features(&json!(null)).err();
        assert!(matches!(error, Some(Error::Invalid { ref field, .. }) if field == "features"));
    }
}
