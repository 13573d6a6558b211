//! Reading features from the text a user wrote: JSON, or YAML for everything else.
//!
//! YAML in the subset that configuration files use is read by [`block_yaml`], without libyaml.
//! Other YAML is read straight into JSON when it holds only what JSON does ([`PlainYaml`]: string
//! keys, finite numbers, no tags, no merge keys, no repeated keys). Anything else takes the
//! detour through `serde_yaml_ng::Value`, because serde's own route turns `.nan` and `.inf`
//! into `null` without a word; the detour lets merge keys (`<<: *defaults`) apply, turns number
//! and boolean keys into text and gives each refusal the path it concerns. Both routes read the
//! same parser events, so where the direct one succeeds the detour gives the same value; it
//! saves the detour's intermediate tree (a third of parsing an experiment's features).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as YamlValue;

use super::block_yaml;
use super::path::{child_location, describe_location, element_location};
use super::validate::validate_features;
use super::{invalid_features, MAX_FEATURES_BYTES};
use crate::error::Result;

/// Parses YAML or JSON text into a features tree, a JSON object.
///
/// Text over [`MAX_FEATURES_BYTES`] is refused before parsing. Empty or blank text, and a YAML
/// document that is only `null`, give `{}`. Text whose first non-blank character is `{` or `[`
/// is JSON; anything else is YAML. The result must be a mapping, may not hold NaN or infinite
/// numbers, and passes [`validate_features`]. Failures are
/// [`Error::Invalid`](crate::error::Error::Invalid) on the `features` field, with the line and
/// column of syntax errors.
pub fn parse_features(text: &str) -> Result<Value> {
    if text.len() > MAX_FEATURES_BYTES {
        return Err(invalid_features(format!(
            "is {} bytes, larger than the 1 MiB limit",
            text.len()
        )));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let features = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(text)?
    } else {
        parse_yaml(text)?
    };
    validate_features(&features)?;
    Ok(features)
}

fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|error| {
        let (line, column) = (error.line(), error.column());
        let message = without_location(&error.to_string(), line, column);
        invalid_features(format!("invalid JSON at line {line}, column {column}: {message}"))
    })
}

/// YAML through [`block_yaml`] when it is in that reader's subset (most configuration files),
/// else through libyaml.
pub(super) fn parse_yaml(text: &str) -> Result<Value> {
    match block_yaml::read(text) {
        Some(document) => Ok(document),
        None => parse_yaml_with_libyaml(text),
    }
}

/// YAML through libyaml (serde_yaml_ng): straight into JSON when plain, else the detour.
pub(super) fn parse_yaml_with_libyaml(text: &str) -> Result<Value> {
    match serde_yaml_ng::from_str::<PlainYaml>(text) {
        Ok(PlainYaml(Value::Null)) => Ok(Value::Object(Map::new())),
        Ok(PlainYaml(document @ Value::Object(_))) => Ok(document),
        // Not plain, not a mapping, or not YAML: the detour says why, or reads it.
        _ => parse_yaml_through_value(text),
    }
}

/// YAML that JSON holds as it is, read without an intermediate tree; deserializing fails at
/// the first thing that needs [`parse_yaml_through_value`] (see the module's documentation).
struct PlainYaml(Value);

impl<'de> Deserialize<'de> for PlainYaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(PlainVisitor).map(PlainYaml)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("YAML with string keys, finite numbers and no tags")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> std::result::Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("not a finite number"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> std::result::Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> std::result::Result<Value, D::Error> {
        inner.deserialize_any(PlainVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> std::result::Result<Value, A::Error> {
        let mut array = Vec::with_capacity(items.size_hint().unwrap_or(0));
        while let Some(PlainYaml(item)) = items.next_element()? {
            array.push(item);
        }
        Ok(Value::Array(array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> std::result::Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(PlainKey(key)) = entries.next_key()? {
            if key == "<<" {
                return Err(de::Error::custom("a merge key"));
            }
            let PlainYaml(value) = entries.next_value()?;
            if object.insert(key, value).is_some() {
                return Err(de::Error::custom("a repeated key"));
            }
        }
        Ok(Value::Object(object))
    }
}

/// A mapping key that is a string in YAML (not a number, boolean, null or collection).
struct PlainKey(String);

impl<'de> Deserialize<'de> for PlainKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = String;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a string key")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<String, E> {
                Ok(key.to_owned())
            }

            fn visit_string<E: de::Error>(self, key: String) -> std::result::Result<String, E> {
                Ok(key)
            }
        }
        deserializer.deserialize_any(KeyVisitor).map(PlainKey)
    }
}

/// YAML through `serde_yaml_ng::Value`: merge keys applied, number and boolean keys as text,
/// and every refusal named with its line or path.
pub(super) fn parse_yaml_through_value(text: &str) -> Result<Value> {
    let mut document: YamlValue = serde_yaml_ng::from_str(text).map_err(describe_yaml_error)?;
    if document.is_null() {
        return Ok(Value::Object(Map::new()));
    }
    if !document.is_mapping() {
        return Err(invalid_features(format!(
            "must be a mapping of feature names to values, got {}",
            describe_yaml_kind(&document)
        )));
    }
    document.apply_merge().map_err(describe_yaml_error)?;
    yaml_to_json(&document, None)
}

fn describe_yaml_error(error: serde_yaml_ng::Error) -> crate::error::Error {
    let message = error.to_string();
    match error.location() {
        Some(location) => {
            let (line, column) = (location.line(), location.column());
            let message = without_location(&message, line, column);
            invalid_features(format!("invalid YAML at line {line}, column {column}: {message}"))
        }
        None => invalid_features(format!("invalid YAML: {message}")),
    }
}

/// `message` without the first ` at line L column C` that the parsers append, which the
/// caller reports in its own words.
fn without_location(message: &str, line: usize, column: usize) -> String {
    message.replacen(&format!(" at line {line} column {column}"), "", 1)
}

fn describe_yaml_kind(value: &YamlValue) -> &'static str {
    match value {
        YamlValue::Sequence(_) => "a list",
        YamlValue::Tagged(_) => "a tagged value",
        YamlValue::Null => "null",
        YamlValue::Bool(_) => "a boolean",
        YamlValue::Number(_) => "a number",
        YamlValue::String(_) => "a string",
        YamlValue::Mapping(_) => "a mapping",
    }
}

/// Converts a YAML value into JSON; `location` is where it sits, `None` for the root.
///
/// Refuses what JSON cannot hold faithfully: NaN and infinite numbers, tags (`!Custom x`), and
/// keys that are not strings, numbers or booleans. Number and boolean keys become their text,
/// so `{1: a}` is `{"1": "a"}`.
fn yaml_to_json(value: &YamlValue, location: Option<&str>) -> Result<Value> {
    match value {
        YamlValue::Null => Ok(Value::Null),
        YamlValue::Bool(boolean) => Ok(Value::Bool(*boolean)),
        YamlValue::String(text) => Ok(Value::String(text.clone())),
        YamlValue::Number(number) => yaml_number_to_json(number, location),
        YamlValue::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| yaml_to_json(item, Some(&element_location(location, index))))
            .collect::<Result<Vec<_>>>()
            .map(Value::Array),
        YamlValue::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, child) in mapping {
                let key = yaml_key_to_string(key, location)?;
                let child_value = yaml_to_json(child, Some(&child_location(location, &key)))?;
                if object.insert(key.clone(), child_value).is_some() {
                    return Err(invalid_features(format!(
                        "key `{key}` appears twice {}",
                        describe_location(location)
                    )));
                }
            }
            Ok(Value::Object(object))
        }
        YamlValue::Tagged(tagged) => Err(invalid_features(format!(
            "value {} has the YAML tag {}, which features do not support",
            describe_location(location),
            tagged.tag
        ))),
    }
}

fn yaml_number_to_json(number: &serde_yaml_ng::Number, location: Option<&str>) -> Result<Value> {
    if let Some(unsigned) = number.as_u64() {
        return Ok(Value::from(unsigned));
    }
    if let Some(signed) = number.as_i64() {
        return Ok(Value::from(signed));
    }
    number
        .as_f64()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| {
            invalid_features(format!(
                "value {} is not a finite number ({number})",
                describe_location(location)
            ))
        })
}

fn yaml_key_to_string(key: &YamlValue, location: Option<&str>) -> Result<String> {
    match key {
        YamlValue::String(text) => Ok(text.clone()),
        YamlValue::Number(number) => Ok(number.to_string()),
        YamlValue::Bool(boolean) => Ok(boolean.to_string()),
        other => Err(invalid_features(format!(
            "keys must be strings, numbers or booleans, got {} as a key {}",
            describe_yaml_kind(other),
            describe_location(location)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::Error;

    fn error_message(text: &str) -> String {
        match parse_features(text) {
            Ok(value) => panic!("expected an error, parsed {value}"),
            Err(error) => error.to_string(),
        }
    }

    fn parsed(text: &str) -> Value {
        parse_features(text).expect("valid features")
    }

    #[test]
    fn yaml_parses_into_a_nested_object() {
        let text = "optimizer:\n  name: adam\n  lr: 0.001\nlayers: [64, 32]\nseed: 7\n";
        assert_eq!(
            parsed(text),
            json!({"optimizer": {"name": "adam", "lr": 0.001}, "layers": [64, 32], "seed": 7})
        );
    }

    #[test]
    fn json_parses_into_a_nested_object() {
        assert_eq!(
            parsed(r#"  {"a": {"b": [1, 2]}, "c": null}"#),
            json!({"a": {"b": [1, 2]}, "c": null})
        );
    }

    #[test]
    fn blank_text_and_a_null_document_are_empty_features() {
        assert_eq!(parsed(""), json!({}));
        assert_eq!(parsed("  \n\t"), json!({}));
        assert_eq!(parsed("null"), json!({}));
        assert_eq!(parsed("~\n"), json!({}));
        assert_eq!(parsed("# only a comment\n"), json!({}));
    }

    #[test]
    fn text_over_the_limit_is_refused_before_parsing() {
        let text = "a".repeat(MAX_FEATURES_BYTES + 1);
        assert_eq!(
            error_message(&text),
            format!(
                "features: is {} bytes, larger than the 1 MiB limit",
                MAX_FEATURES_BYTES + 1
            )
        );
    }

    #[test]
    fn json_error_reports_line_and_column() {
        assert_eq!(
            error_message("{\n  \"a\": 1,\n  \"b\": }"),
            "features: invalid JSON at line 3, column 8: expected value"
        );
    }

    #[test]
    fn yaml_error_reports_line_and_column() {
        assert_eq!(
            error_message("a: 1\nb: [1, 2\nc: 3\n"),
            "features: invalid YAML at line 3, column 2: did not find expected ',' or ']', \
             while parsing a flow sequence at line 2 column 4"
        );
    }

    #[test]
    fn yaml_error_names_the_position_once() {
        assert_eq!(
            error_message("a:\n  b: 1\n c: 2\n"),
            "features: invalid YAML at line 3, column 2: did not find expected key, \
             while parsing a block mapping"
        );
    }

    #[test]
    fn a_top_level_list_is_refused_in_yaml_and_json() {
        let expected = "features: must be a mapping of feature names to values, got a list";
        assert_eq!(error_message("- 1\n- 2\n"), expected);
        assert_eq!(error_message("[1, 2]"), expected);
    }

    #[test]
    fn a_top_level_scalar_is_refused_naming_its_kind() {
        assert!(error_message("42").ends_with("got a number"));
        assert!(error_message("just text").ends_with("got a string"));
    }

    #[test]
    fn yaml_nan_and_infinity_are_refused_naming_the_path() {
        assert_eq!(
            error_message("optimizer:\n  lr: .nan\n"),
            "features: value at `optimizer.lr` is not a finite number (.nan)"
        );
        assert!(error_message("schedule: [1, -.inf]\n").contains("`schedule[1]`"));
        assert!(error_message("a.b:\n  c: .inf\n").contains(r"`a\.b.c`"));
    }

    #[test]
    fn yaml_merge_keys_are_applied() {
        let text = "base: &base\n  lr: 0.1\n  depth: 2\nrun:\n  <<: *base\n  depth: 4\n";
        assert_eq!(
            parsed(text),
            json!({"base": {"lr": 0.1, "depth": 2}, "run": {"lr": 0.1, "depth": 4}})
        );
    }

    #[test]
    fn yaml_number_and_boolean_keys_become_text() {
        assert_eq!(
            parsed("weights:\n  0: 1.0\n  1: 2.5\ntrue: x\n"),
            json!({"weights": {"0": 1.0, "1": 2.5}, "true": "x"})
        );
    }

    #[test]
    fn yaml_list_keys_and_tags_are_refused() {
        assert!(error_message("? [1, 2]\n: x\n").contains("keys must be strings, numbers or booleans"));
        assert_eq!(
            error_message("path: !Env HOME\n"),
            "features: value at `path` has the YAML tag !Env, which features do not support"
        );
    }

    #[test]
    fn yaml_keys_equal_as_text_are_refused() {
        assert_eq!(
            error_message("outer:\n  1: a\n  \"1\": b\n"),
            "features: key `1` appears twice at `outer`"
        );
    }

    #[test]
    fn only_what_needs_the_detour_takes_it() {
        let direct = |text: &str| {
            serde_yaml_ng::from_str::<PlainYaml>(text)
                .ok()
                .map(|plain| plain.0)
        };
        let plain = "a: 1\nb: [-2, 0.5, \"x\", null, true]\nc:\n  d: ~\n  \"1\": e\n";
        assert_eq!(
            direct(plain),
            Some(parse_yaml_through_value(plain).expect("plain YAML parses"))
        );
        assert_eq!(
            direct("refs: &r {a: 1}\nagain: *r\n"),
            Some(json!({"refs": {"a": 1}, "again": {"a": 1}}))
        );
        for needs_the_detour in [
            "base: &b {lr: 1}\nrun:\n  <<: *b\n",
            "weights:\n  0: 1.0\n",
            "true: x\n",
            "path: !Env HOME\n",
            "lr: .nan\n",
            "lr: -.inf\n",
            "a: 1\na: 2\n",
            "? [1, 2]\n: x\n",
        ] {
            assert_eq!(
                direct(needs_the_detour),
                None,
                "{needs_the_detour:?} is read directly"
            );
        }
    }

    #[test]
    fn parse_errors_are_invalid_on_the_features_field() {
        let error = parse_features("[").err();
        assert!(matches!(error, Some(Error::Invalid { ref field, .. }) if field == "features"));
    }
}
