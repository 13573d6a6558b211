use rusqlite::Connection;

use crate::edge;
use crate::id::next_node_id;
use crate::stats;
use crate::storage::kv;
use crate::types::{
    validate_name, Direction, GraphError, Node, NodeId, NodeRecord, Properties, Result, Value,
};

/// Create a new node with the given labels and properties.
///
/// An empty `labels` slice creates an unlabeled node (valid in openCypher).
pub fn create_node(conn: &Connection, labels: &[String], properties: Properties) -> Result<NodeId> {
    for label in labels {
        validate_name(label)?;
    }
    for key in properties.keys() {
        validate_name(key)?;
    }
    let id = next_node_id(conn)?;
    let sorted_labels = normalize_labels(labels);
    let record = NodeRecord {
        labels: sorted_labels.clone(),
        properties,
    };
    let data = rmp_serde::to_vec(&record).map_err(|e| GraphError::Serialization {
        context: String::new(),
        source: e.to_string(),
        hint: None,
    })?;
    let label_col = sorted_labels.join(":");
    put_node(conn, &id.to_be_bytes(), &label_col, &data)?;
    for label in &sorted_labels {
        stats::increment_label_count(conn, label)?;
    }
    Ok(id)
}

/// The label set as stored on a node: sorted, each label once. `CREATE
/// (n:A:A)` must store `[A]`, otherwise the label counter drifts.
pub fn normalize_labels(labels: &[String]) -> Vec<String> {
    let mut sorted = labels.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
}

/// Get a node by ID.
pub fn get_node(conn: &Connection, id: NodeId) -> Result<Node> {
    let data = kv::get(conn, kv::TABLE_NODES, &id.to_be_bytes())?
        .ok_or(GraphError::NodeNotFound { id, hint: None })?;
    let record: NodeRecord =
        rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })?;
    Ok(Node {
        id,
        labels: record.labels,
        properties: record.properties,
    })
}

/// A node's labels and the stored properties a caller picked, each with where it goes (rsdk
/// patch, see [`get_node_selected`]).
pub(crate) struct SelectedNode<T> {
    pub labels: Vec<String>,
    pub properties: Vec<(T, Value)>,
}

/// Node `id`'s labels and the values of the properties that `pick` maps to a target (rsdk
/// patch). The other properties are skipped in the stored record without being decoded into
/// values: a query reading a few properties of many nodes decoded, cloned and dropped every
/// property of each (rsdk's runs table reads 6 properties of 10,000 experiments that carry
/// their whole configuration). `None` when no node has that id.
pub(crate) fn get_node_selected<T>(
    conn: &Connection,
    id: NodeId,
    pick: &dyn Fn(&str) -> Option<T>,
) -> Result<Option<SelectedNode<T>>> {
    kv::read_with(conn, kv::TABLE_NODES, &id.to_be_bytes(), |data| {
        decode_node_selected(data, pick)
    })
}

/// [`get_node_selected`] of a stored record already read.
pub(crate) fn decode_node_selected<T>(
    data: &[u8],
    pick: &dyn Fn(&str) -> Option<T>,
) -> Result<SelectedNode<T>> {
    use serde::de::DeserializeSeed;
    let mut deserializer = rmp_serde::Deserializer::from_read_ref(data);
    selected::Record { pick }
        .deserialize(&mut deserializer)
        .map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })
}

/// The serde seeds of [`decode_node_selected`]: a [`NodeRecord`] (stored as a sequence, or
/// as a map by older writers) whose property map keeps only the picked entries.
mod selected {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::SelectedNode;
    use crate::types::{StoredLabels, Value};

    pub(super) struct Record<'p, T> {
        pub(super) pick: &'p dyn Fn(&str) -> Option<T>,
    }

    impl<'de, T> DeserializeSeed<'de> for Record<'_, T> {
        type Value = SelectedNode<T>;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_struct("NodeRecord", &["labels", "properties"], self)
        }
    }

    impl<'de, T> Visitor<'de> for Record<'_, T> {
        type Value = SelectedNode<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a stored node record")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let labels = seq
                .next_element::<StoredLabels>()?
                .ok_or_else(|| de::Error::invalid_length(0, &self))?;
            let properties = seq
                .next_element_seed(Properties { pick: self.pick })?
                .ok_or_else(|| de::Error::invalid_length(1, &self))?;
            Ok(SelectedNode {
                labels: labels.0,
                properties,
            })
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut labels = Vec::new();
            let mut properties = None;
            while let Some(field) = map.next_key::<String>()? {
                match field.as_str() {
                    "labels" | "label" => labels = map.next_value::<StoredLabels>()?.0,
                    "properties" => {
                        properties = Some(map.next_value_seed(Properties { pick: self.pick })?)
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            let properties = properties.ok_or_else(|| de::Error::missing_field("properties"))?;
            Ok(SelectedNode { labels, properties })
        }
    }

    /// The property map, as the picked entries only.
    struct Properties<'p, T> {
        pick: &'p dyn Fn(&str) -> Option<T>,
    }

    impl<'de, T> DeserializeSeed<'de> for Properties<'_, T> {
        type Value = Vec<(T, Value)>;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de, T> Visitor<'de> for Properties<'_, T> {
        type Value = Vec<(T, Value)>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a property map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut picked = Vec::new();
            while let Some(target) = map.next_key_seed(Key { pick: self.pick })? {
                match target {
                    Some(target) => picked.push((target, map.next_value::<Value>()?)),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(picked)
        }
    }

    /// A property name, as its target when picked (read in place, never copied).
    struct Key<'p, T> {
        pick: &'p dyn Fn(&str) -> Option<T>,
    }

    impl<'de, T> DeserializeSeed<'de> for Key<'_, T> {
        type Value = Option<T>;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de, T> Visitor<'de> for Key<'_, T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a property name")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
            Ok((self.pick)(name))
        }
    }
}

/// Check if a node exists (without fetching the full BLOB).
pub fn node_exists(conn: &Connection, id: NodeId) -> Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM nodes WHERE key = ?1 LIMIT 1")?;
    let exists = stmt.query_row([&id.to_be_bytes()[..]], |_| Ok(())).is_ok();
    Ok(exists)
}

/// Check if a node has any edges (incoming or outgoing).
pub fn node_has_edges(conn: &Connection, id: NodeId) -> Result<bool> {
    let out = edge::get_all_edge_labels(conn, id, Direction::Outgoing)?;
    if !out.is_empty() {
        return Ok(true);
    }
    let inc = edge::get_all_edge_labels(conn, id, Direction::Incoming)?;
    Ok(!inc.is_empty())
}

/// Delete a node and all its edges (cascading).
pub fn delete_node(conn: &Connection, id: NodeId) -> Result<()> {
    // Read the node to get its label for stats tracking.
    let node = get_node(conn, id)?;

    // Delete all outgoing edges.
    let out_edges = edge::get_all_edge_labels(conn, id, Direction::Outgoing)?;
    for (label, neighbors) in &out_edges {
        for &dst in neighbors {
            edge::delete_edge(conn, id, NodeId(dst), label)?;
        }
    }

    // Delete all incoming edges.
    let in_edges = edge::get_all_edge_labels(conn, id, Direction::Incoming)?;
    for (label, neighbors) in &in_edges {
        for &src in neighbors {
            edge::delete_edge(conn, NodeId(src), id, label)?;
        }
    }

    // Delete the node record.
    kv::delete(conn, kv::TABLE_NODES, &id.to_be_bytes())?;
    for label in &node.labels {
        stats::decrement_label_count(conn, label)?;
    }
    Ok(())
}

/// Set a property on an existing node (read-modify-write).
pub fn set_node_property(conn: &Connection, id: NodeId, key: &str, value: Value) -> Result<()> {
    validate_name(key)?;
    let data = kv::get(conn, kv::TABLE_NODES, &id.to_be_bytes())?
        .ok_or(GraphError::NodeNotFound { id, hint: None })?;
    let mut record: NodeRecord =
        rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })?;
    if value == Value::Null {
        record.properties.remove(key);
    } else {
        record.properties.insert(key.to_string(), value);
    }
    let new_data = rmp_serde::to_vec(&record).map_err(|e| GraphError::Serialization {
        context: String::new(),
        source: e.to_string(),
        hint: None,
    })?;
    let label_col = record.labels.join(":");
    put_node(conn, &id.to_be_bytes(), &label_col, &new_data)?;
    Ok(())
}

/// Remove a property from an existing node.
pub fn remove_node_property(conn: &Connection, id: NodeId, key: &str) -> Result<()> {
    let data = kv::get(conn, kv::TABLE_NODES, &id.to_be_bytes())?
        .ok_or(GraphError::NodeNotFound { id, hint: None })?;
    let mut record: NodeRecord =
        rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })?;
    record.properties.remove(key);
    let new_data = rmp_serde::to_vec(&record).map_err(|e| GraphError::Serialization {
        context: String::new(),
        source: e.to_string(),
        hint: None,
    })?;
    let label_col = record.labels.join(":");
    put_node(conn, &id.to_be_bytes(), &label_col, &new_data)?;
    Ok(())
}

/// Remove a label from an existing node.
pub fn remove_node_label(conn: &Connection, id: NodeId, label: &str) -> Result<()> {
    let data = kv::get(conn, kv::TABLE_NODES, &id.to_be_bytes())?
        .ok_or(GraphError::NodeNotFound { id, hint: None })?;
    let mut record: NodeRecord =
        rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })?;
    if !record.labels.contains(&label.to_string()) {
        return Ok(());
    }
    record.labels.retain(|l| l != label);
    let new_data = rmp_serde::to_vec(&record).map_err(|e| GraphError::Serialization {
        context: String::new(),
        source: e.to_string(),
        hint: None,
    })?;
    let label_col = record.labels.join(":");
    put_node(conn, &id.to_be_bytes(), &label_col, &new_data)?;
    stats::decrement_label_count(conn, label)?;
    Ok(())
}

/// Add a label to an existing node. No-op if already present.
pub fn add_node_label(conn: &Connection, id: NodeId, label: &str) -> Result<()> {
    let data = kv::get(conn, kv::TABLE_NODES, &id.to_be_bytes())?
        .ok_or(GraphError::NodeNotFound { id, hint: None })?;
    let mut record: NodeRecord =
        rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        })?;
    if record.labels.contains(&label.to_string()) {
        return Ok(());
    }
    record.labels.push(label.to_string());
    record.labels.sort();
    let new_data = rmp_serde::to_vec(&record).map_err(|e| GraphError::Serialization {
        context: String::new(),
        source: e.to_string(),
        hint: None,
    })?;
    let label_col = record.labels.join(":");
    put_node(conn, &id.to_be_bytes(), &label_col, &new_data)?;
    stats::increment_label_count(conn, label)?;
    Ok(())
}

/// The stored form of a node, borrowed: serializes exactly as [`NodeRecord`].
#[derive(serde::Serialize)]
struct NodeRecordRef<'a> {
    labels: &'a [String],
    properties: &'a Properties,
}

/// Store `properties` as the whole property set of node `id`, whose stored labels are
/// `labels` (rsdk patch): for a caller that read the node in the same statement, so neither a
/// second read for its labels (as the function it replaces did) nor an `INSERT OR REPLACE`,
/// which deleted and re-inserted the row's entry in the label index, a page written per `SET`.
pub(crate) fn overwrite_node_properties(
    conn: &Connection,
    id: NodeId,
    labels: &[String],
    properties: &Properties,
) -> Result<()> {
    let data = rmp_serde::to_vec(&NodeRecordRef { labels, properties }).map_err(|e| {
        GraphError::Serialization {
            context: String::new(),
            source: e.to_string(),
            hint: None,
        }
    })?;
    let mut stmt = conn.prepare_cached("UPDATE nodes SET value = ?2 WHERE key = ?1")?;
    if stmt.execute(rusqlite::params![&id.to_be_bytes()[..], data])? == 0 {
        return Err(GraphError::NodeNotFound { id, hint: None });
    }
    Ok(())
}

/// Scan nodes by label using the indexed label column.
///
/// When `label` is empty, returns all nodes.
pub fn find_nodes_by_label(conn: &Connection, label: &str) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    for (id, data) in scan_node_records(conn, label)? {
        let record: NodeRecord =
            rmp_serde::from_slice(&data).map_err(|e| GraphError::Serialization {
                context: String::new(),
                source: e.to_string(),
                hint: None,
            })?;
        nodes.push(Node {
            id,
            labels: record.labels,
            properties: record.properties,
        });
    }
    Ok(nodes)
}

/// The stored records of the nodes [`find_nodes_by_label`] finds, undecoded (rsdk patch: so
/// that a reader of a few properties can decode only those, [`decode_node_selected`]).
pub(crate) fn scan_node_records(conn: &Connection, label: &str) -> Result<Vec<(NodeId, Vec<u8>)>> {
    let (sql, use_param) = if label.is_empty() {
        (
            "SELECT key, value FROM nodes ORDER BY key".to_string(),
            false,
        )
    } else {
        (
            // `instr` is an exact, case-sensitive substring test. `LIKE` must
            // not be used here: it is ASCII case-insensitive and treats `_`
            // (legal in labels) as a single-character wildcard, so
            // `:person` / `:A_B` would match `Person` / `AxB` nodes.
            "SELECT key, value FROM nodes WHERE label = ?1 OR instr(':' || label || ':', ':' || ?1 || ':') > 0 ORDER BY key".to_string(),
            true,
        )
    };

    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = if use_param {
        stmt.query_map(rusqlite::params![label], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?
    } else {
        stmt.query_map([], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?
    };

    rows.into_iter()
        .map(|(key, data)| {
            let id =
                NodeId::from_be_bytes(key.get(..8).and_then(|s| s.try_into().ok()).ok_or_else(
                    || GraphError::Serialization {
                        context: String::new(),
                        source: "corrupt node key bytes".into(),
                        hint: None,
                    },
                )?);
            Ok((id, data))
        })
        .collect()
}

/// Insert or replace a node row in the v2 schema (key + label + value).
fn put_node(conn: &Connection, key: &[u8], label: &str, value: &[u8]) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("INSERT OR REPLACE INTO nodes (key, label, value) VALUES (?1, ?2, ?3)")?;
    stmt.execute(rusqlite::params![key, label, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(key: &str) -> Option<u8> {
        match key {
            "a" => Some(1),
            "c" => Some(3),
            _ => None,
        }
    }

    /// rsdk patch: a selected decode answers the labels and picked properties a whole decode
    /// would, for records stored as a sequence, as a map, and by writers of a single `label`.
    #[test]
    fn a_selected_decode_keeps_the_picked_properties_of_every_stored_form() {
        let properties: Properties = [
            ("a".to_string(), Value::I64(1)),
            ("b".to_string(), Value::String("skipped ".repeat(100))),
            (
                "c".to_string(),
                Value::List(vec![Value::Null, Value::F64(2.5)]),
            ),
            (
                "d".to_string(),
                Value::Map([("x".to_string(), Value::Bool(true))].into()),
            ),
        ]
        .into();
        let record = NodeRecord {
            labels: vec!["A".into(), "B".into()],
            properties: properties.clone(),
        };
        #[derive(serde::Serialize)]
        struct SingleLabel<'a> {
            label: &'a str,
            properties: &'a Properties,
        }
        let single = SingleLabel {
            label: "A",
            properties: &properties,
        };
        let stored = [
            (rmp_serde::to_vec(&record).unwrap(), vec!["A", "B"]),
            (rmp_serde::to_vec_named(&record).unwrap(), vec!["A", "B"]),
            (rmp_serde::to_vec_named(&single).unwrap(), vec!["A"]),
        ];
        for (data, labels) in stored {
            let whole: NodeRecord = rmp_serde::from_slice(&data).unwrap();
            let mut selected = decode_node_selected(&data, &pick).unwrap();
            selected.properties.sort_by_key(|(target, _)| *target);
            assert_eq!(selected.labels, whole.labels);
            assert_eq!(selected.labels, labels);
            assert_eq!(
                selected.properties,
                vec![
                    (1, whole.properties["a"].clone()),
                    (3, whole.properties["c"].clone())
                ]
            );
        }
        assert!(decode_node_selected(&[0xc1], &pick).is_err());
        let truncated = rmp_serde::to_vec(&record).unwrap();
        assert!(decode_node_selected(&truncated[..truncated.len() - 3], &pick).is_err());
    }
}
