//! Engine-neutral [`Value`]s to Bolt parameters, and Bolt results back to [`Row`]s, exactly:
//! ints stay ints, floats stay floats (NaN and infinities included), strings byte for byte.

use std::collections::BTreeMap;

use neo4rs::{BoltBoolean, BoltFloat, BoltInteger, BoltList, BoltMap, BoltNull, BoltString, BoltType};

use crate::error::{Error, Result};
use crate::value::{Params, Row, Value};

/// Query parameters as a Bolt map.
pub(super) fn to_bolt_params(params: Params) -> BoltMap {
    let mut map = BoltMap::with_capacity(params.0.len());
    for (name, value) in params.0 {
        map.put(BoltString::from(name), to_bolt(value));
    }
    map
}

fn to_bolt(value: Value) -> BoltType {
    match value {
        Value::Null => BoltType::Null(BoltNull),
        Value::Bool(flag) => BoltType::Boolean(BoltBoolean::new(flag)),
        Value::Int(number) => BoltType::Integer(BoltInteger::new(number)),
        Value::Float(number) => BoltType::Float(BoltFloat::new(number)),
        Value::String(text) => BoltType::String(BoltString::from(text)),
        Value::List(items) => {
            BoltType::List(BoltList::from(items.into_iter().map(to_bolt).collect::<Vec<_>>()))
        }
    }
}

/// One result row; graph elements (nodes, maps, …) are refused: queries return plain values.
pub(super) fn from_bolt_row(row: &neo4rs::Row) -> Result<Row> {
    let mut columns = BTreeMap::new();
    for key in row.keys() {
        let value: BoltType = row
            .get(&key.value)
            .map_err(|error| Error::Internal(format!("cannot read neo4j column `{}`: {error}", key.value)))?;
        columns.insert(key.value.clone(), from_bolt(&value)?);
    }
    Ok(Row(columns))
}

fn from_bolt(value: &BoltType) -> Result<Value> {
    Ok(match value {
        BoltType::Null(_) => Value::Null,
        BoltType::Boolean(flag) => Value::Bool(flag.value),
        BoltType::Integer(number) => Value::Int(number.value),
        BoltType::Float(number) => Value::Float(number.value),
        BoltType::String(text) => Value::String(text.value.clone()),
        BoltType::List(items) => Value::List(items.value.iter().map(from_bolt).collect::<Result<_>>()?),
        other => {
            return Err(Error::Internal(format!(
                "queries must return plain values, got a neo4j {}",
                bolt_kind(other)
            )))
        }
    })
}

fn bolt_kind(value: &BoltType) -> &'static str {
    match value {
        BoltType::Map(_) => "map",
        BoltType::Node(_) => "node",
        BoltType::Relation(_) | BoltType::UnboundedRelation(_) => "relationship",
        BoltType::Path(_) => "path",
        BoltType::Point2D(_) | BoltType::Point3D(_) => "point",
        BoltType::Bytes(_) => "byte array",
        _ => "temporal value",
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// One of every kind of plain value, edge cases included.
    pub(in crate::engine::neo4j) fn all_plain_values() -> Vec<Value> {
        vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Float(0.1),
            Value::Float(-0.0),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NEG_INFINITY),
            Value::Float(f64::MIN_POSITIVE),
            Value::Float(3.0),
            Value::String(String::new()),
            Value::String("héllo \u{0} 'quote' \"double\" \\ 🧪\n".to_owned()),
            Value::List(vec![]),
            Value::List(vec![
                Value::Int(1),
                Value::Float(1.0),
                Value::String("1".into()),
                Value::Null,
            ]),
            Value::List(vec![Value::List(vec![Value::Bool(true)])]),
        ]
    }

    /// Bolt parameters in, the same Bolt values back as a result row, the same values out.
    fn round_trip(values: &[Value]) -> Row {
        let names: Vec<String> = (0..values.len()).map(|index| format!("c{index}")).collect();
        let fields = BoltList::from(
            names
                .iter()
                .map(|name| BoltType::String(name.as_str().into()))
                .collect::<Vec<_>>(),
        );
        let data = BoltList::from(values.iter().cloned().map(to_bolt).collect::<Vec<_>>());
        from_bolt_row(&neo4rs::Row::new(fields, data)).expect("plain values convert back")
    }

    #[test]
    fn plain_values_survive_bolt_exactly_ints_stay_ints_and_floats_stay_floats() {
        let values = all_plain_values();
        let row = round_trip(&values);
        for (index, value) in values.iter().enumerate() {
            assert_eq!(&row.0[&format!("c{index}")], value);
        }
        assert_eq!(row.0["c3"], Value::Int(0));
        assert_eq!(row.0["c11"], Value::Float(3.0));
        match (&row.0["c7"], &row.0["c8"]) {
            (Value::Float(negative_zero), Value::Float(infinity)) => {
                assert!(negative_zero.is_sign_negative() && infinity.is_infinite());
            }
            other => panic!("floats came back as {other:?}"),
        }
    }

    #[test]
    fn nan_survives_bolt_bit_for_bit() {
        let row = round_trip(&[Value::Float(f64::NAN)]);
        match row.0["c0"] {
            Value::Float(number) => assert_eq!(number.to_bits(), f64::NAN.to_bits()),
            ref other => panic!("nan came back as {other:?}"),
        }
    }

    #[test]
    fn params_become_a_bolt_map_of_the_same_values() {
        let params = Params::new()
            .with("id", "0192-abc")
            .with("number", 12i64)
            .with("lr", 1e-4)
            .with("tags", vec!["a", "b"])
            .with("parent", Option::<i64>::None);
        let map = to_bolt_params(params);
        assert_eq!(map.value.len(), 5);
        assert_eq!(
            map.value[&BoltString::from("number")],
            BoltType::Integer(BoltInteger::new(12))
        );
        assert_eq!(
            map.value[&BoltString::from("lr")],
            BoltType::Float(BoltFloat::new(1e-4))
        );
        assert_eq!(map.value[&BoltString::from("parent")], BoltType::Null(BoltNull));
        assert_eq!(
            map.value[&BoltString::from("tags")],
            BoltType::List(BoltList::from(vec![
                BoltType::String("a".into()),
                BoltType::String("b".into())
            ]))
        );
    }

    #[test]
    fn graph_elements_in_results_are_refused_as_internal_errors() {
        let error = from_bolt(&BoltType::Map(BoltMap::new())).expect_err("maps are not plain values");
        assert_eq!(error.code(), "INTERNAL");
        assert!(error.to_string().contains("neo4j map"), "{error}");
    }
}
