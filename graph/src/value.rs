//! Engine-neutral values: query parameters in, rows out.
//!
//! Only the types every engine stores natively travel here (no maps, no engine
//! node types), so the domain layer never sees an engine's own value type. A batch
//! is a batch of statements, one parameter set each, never a list of maps: see
//! `cypher/README.md` for why.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A value passed to or returned from a Cypher query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Cypher `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A string.
    String(String),
    /// A list (for `UNWIND` parameters and `collect()` results).
    List(Vec<Value>),
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(values: Vec<T>) -> Self {
        Value::List(values.into_iter().map(Into::into).collect())
    }
}

/// Named parameters of one query: built with [`Params::new`] and [`Params::with`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) parameter `name`.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }
}

/// One result row: column name to value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row(pub BTreeMap<String, Value>);

impl Row {
    fn column(&self, name: &str) -> Result<&Value> {
        self.0
            .get(name)
            .ok_or_else(|| Error::Internal(format!("query result lacks column `{name}`")))
    }

    fn wrong_type(name: &str, expected: &str, found: &Value) -> Error {
        Error::Internal(format!(
            "query column `{name}` should be {expected}, found {found:?}"
        ))
    }

    /// A string column that must be present and non-null.
    pub fn string(&self, name: &str) -> Result<String> {
        match self.column(name)? {
            Value::String(text) => Ok(text.clone()),
            other => Err(Self::wrong_type(name, "a string", other)),
        }
    }

    /// A string column that may be null or absent.
    pub fn opt_string(&self, name: &str) -> Result<Option<String>> {
        Ok(self.opt_str(name)?.map(str::to_owned))
    }

    /// [`Row::opt_string`], borrowed.
    pub fn opt_str(&self, name: &str) -> Result<Option<&str>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(Self::wrong_type(name, "a string or null", other)),
        }
    }

    /// An integer column that must be present and non-null.
    pub fn int(&self, name: &str) -> Result<i64> {
        match self.column(name)? {
            Value::Int(number) => Ok(*number),
            other => Err(Self::wrong_type(name, "an integer", other)),
        }
    }

    /// A boolean column that must be present and non-null.
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.column(name)? {
            Value::Bool(flag) => Ok(*flag),
            other => Err(Self::wrong_type(name, "a boolean", other)),
        }
    }

    /// An integer column that may be null or absent.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(number)) => Ok(Some(*number)),
            Some(other) => Err(Self::wrong_type(name, "an integer or null", other)),
        }
    }

    /// A list-of-strings column; null or absent reads as empty.
    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(Self::wrong_type(name, "a list of strings", other)),
                })
                .collect(),
            Some(other) => Err(Self::wrong_type(name, "a list of strings", other)),
        }
    }

    /// A list-of-integers column; null or absent reads as empty.
    pub fn ints(&self, name: &str) -> Result<Vec<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Int(number) => Ok(*number),
                    other => Err(Self::wrong_type(name, "a list of integers", other)),
                })
                .collect(),
            Some(other) => Err(Self::wrong_type(name, "a list of integers", other)),
        }
    }
}
