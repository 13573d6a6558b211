//! Points as one immutable Parquet object, through parquet's column writer API.
//!
//! Four required columns; encodings chosen per column so a million points of a typical run
//! take a few bytes each: `metric` dictionary encoded (few distinct names), `step`
//! delta encoded (mostly increasing), `value` and `wall_time` byte-stream-split (zstd then
//! finds the repeated exponent bytes). Values are written as raw IEEE 754 bits, so NaN
//! payloads and ±inf come back bit-exactly.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, Type as PhysicalType, ZstdLevel};
use parquet::column::reader::{get_typed_column_reader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::reader::{FileReader, RowGroupReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::Point;
use crate::{Error, Result};

/// The object's schema; column order is relied on by the writer and checked by the reader.
const SCHEMA: &str = "message metric_points {
    REQUIRED BYTE_ARRAY metric (STRING);
    REQUIRED INT64 step (INTEGER(64, false));
    REQUIRED DOUBLE value;
    REQUIRED DOUBLE wall_time;
}";

/// `(name, physical type)` of each column, in schema order.
const COLUMNS: [(&str, PhysicalType); 4] = [
    ("metric", PhysicalType::BYTE_ARRAY),
    ("step", PhysicalType::INT64),
    ("value", PhysicalType::DOUBLE),
    ("wall_time", PhysicalType::DOUBLE),
];

/// Rows per row group: a chunk (≤ 100,000 points) is one group; compacted runs get several
/// so readers can stream them.
const ROW_GROUP_ROWS: usize = 1024 * 1024;

fn internal(context: &'static str) -> impl Fn(parquet::errors::ParquetError) -> Error {
    move |error| Error::Internal(format!("{context}: {error}"))
}

fn writer_properties() -> WriterProperties {
    let plain_floats = |builder: parquet::file::properties::WriterPropertiesBuilder, column| {
        builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::BYTE_STREAM_SPLIT)
    };
    let builder = WriterProperties::builder()
        // v1 data pages: the widest reader support (older pyarrow, polars, DuckDB).
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("rsdk {}", env!("CARGO_PKG_VERSION")))
        .set_column_dictionary_enabled(ColumnPath::from("step"), false)
        .set_column_encoding(ColumnPath::from("step"), Encoding::DELTA_BINARY_PACKED);
    let builder = plain_floats(builder, "value");
    plain_floats(builder, "wall_time").build()
}

/// Encodes points as one zstd-compressed Parquet object (columns `metric`, `step`, `value`,
/// `wall_time`; see the module docs). Points keep their order; an empty slice gives a valid
/// object with no rows.
pub fn encode_parquet(points: &[Point]) -> Result<Bytes> {
    let schema = parse_message_type(SCHEMA).map_err(internal("parsing the metric schema"))?;
    let mut writer = SerializedFileWriter::new(
        Vec::with_capacity(points.len() * 4 + 1024),
        Arc::new(schema),
        Arc::new(writer_properties()),
    )
    .map_err(internal("starting a parquet object"))?;
    // One shared buffer per distinct name: the dictionary encoder hashes the bytes anyway,
    // and a million per-point copies would dominate the encoding time.
    let mut names: HashMap<&str, Bytes> = HashMap::new();
    for group in points.chunks(ROW_GROUP_ROWS) {
        let metrics: Vec<ByteArray> = group
            .iter()
            .map(|point| {
                let name = names
                    .entry(point.metric.as_str())
                    .or_insert_with(|| Bytes::copy_from_slice(point.metric.as_bytes()));
                ByteArray::from(name.clone())
            })
            .collect();
        // Parquet has no unsigned physical type: the bits are stored as INT64 and the column
        // is annotated unsigned, so steps above i64::MAX survive (and read back as uint64).
        let steps: Vec<i64> = group.iter().map(|point| point.step as i64).collect();
        let values: Vec<f64> = group.iter().map(|point| point.value).collect();
        let wall_times: Vec<f64> = group.iter().map(|point| point.wall_time).collect();

        let mut row_group = writer
            .next_row_group()
            .map_err(internal("starting a row group"))?;
        write_column::<ByteArrayType>(&mut row_group, &metrics)?;
        write_column::<Int64Type>(&mut row_group, &steps)?;
        write_column::<DoubleType>(&mut row_group, &values)?;
        write_column::<DoubleType>(&mut row_group, &wall_times)?;
        row_group.close().map_err(internal("closing a row group"))?;
    }
    let buffer = writer
        .into_inner()
        .map_err(internal("finishing a parquet object"))?;
    Ok(Bytes::from(buffer))
}

fn write_column<T: DataType>(
    row_group: &mut SerializedRowGroupWriter<'_, Vec<u8>>,
    values: &[T::T],
) -> Result<()> {
    let Some(mut column) = row_group.next_column().map_err(internal("starting a column"))? else {
        return Err(Error::Internal("the metric schema has too few columns".into()));
    };
    column
        .typed::<T>()
        .write_batch(values, None, None)
        .map_err(internal("writing a column"))?;
    column.close().map_err(internal("closing a column"))
}

/// Decodes an object written by [`encode_parquet`] back into points, in stored order.
///
/// Bytes that are not such an object (truncated, another schema) are refused with
/// [`Error::Invalid`] on the field `parquet`.
pub fn decode_parquet(bytes: &[u8]) -> Result<Vec<Point>> {
    let unreadable = |error: parquet::errors::ParquetError| Error::Invalid {
        field: "parquet".into(),
        reason: format!("not a readable metric object: {error}"),
    };
    let reader = SerializedFileReader::new(Bytes::copy_from_slice(bytes)).map_err(unreadable)?;
    check_schema(&reader)?;
    let total_rows = usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    let mut points = Vec::with_capacity(total_rows);
    for group_index in 0..reader.num_row_groups() {
        let row_group = reader.get_row_group(group_index).map_err(unreadable)?;
        let rows = usize::try_from(row_group.metadata().num_rows()).map_err(|_| Error::Invalid {
            field: "parquet".into(),
            reason: "a row group has a negative row count".into(),
        })?;
        let metrics = read_column::<ByteArrayType>(&*row_group, 0, rows)?;
        let steps = read_column::<Int64Type>(&*row_group, 1, rows)?;
        let values = read_column::<DoubleType>(&*row_group, 2, rows)?;
        let wall_times = read_column::<DoubleType>(&*row_group, 3, rows)?;

        // Names repeat: decode each distinct one once, then clone the string.
        let mut last_name: Option<(ByteArray, String)> = None;
        for (((metric, step), value), wall_time) in metrics.into_iter().zip(steps).zip(values).zip(wall_times)
        {
            let name = match &last_name {
                Some((bytes, name)) if *bytes == metric => name.clone(),
                _ => {
                    let name = metric
                        .as_utf8()
                        .map_err(|error| Error::Invalid {
                            field: "parquet".into(),
                            reason: format!("a metric name is not utf-8: {error}"),
                        })?
                        .to_string();
                    last_name = Some((metric, name.clone()));
                    name
                }
            };
            points.push(Point {
                metric: name,
                step: step as u64,
                value,
                wall_time,
            });
        }
    }
    Ok(points)
}

fn check_schema(reader: &SerializedFileReader<Bytes>) -> Result<()> {
    let schema = reader.metadata().file_metadata().schema_descr();
    let found: Vec<(String, PhysicalType, i16)> = schema
        .columns()
        .iter()
        .map(|column| {
            let name = column.name().to_string();
            (name, column.physical_type(), column.max_def_level())
        })
        .collect();
    let expected: Vec<(String, PhysicalType, i16)> = COLUMNS
        .iter()
        .map(|(name, physical_type)| (name.to_string(), *physical_type, 0))
        .collect();
    if found != expected {
        let names: Vec<&str> = found.iter().map(|(name, ..)| name.as_str()).collect();
        return Err(Error::Invalid {
            field: "parquet".into(),
            reason: format!("expected required columns metric, step, value, wall_time; found {names:?}"),
        });
    }
    Ok(())
}

fn read_column<T: DataType>(
    row_group: &dyn RowGroupReader,
    column_index: usize,
    rows: usize,
) -> Result<Vec<T::T>> {
    let unreadable = |error: parquet::errors::ParquetError| Error::Invalid {
        field: "parquet".into(),
        reason: format!("column {}: {error}", COLUMNS[column_index].0),
    };
    let column = row_group.get_column_reader(column_index).map_err(unreadable)?;
    let mut reader: ColumnReaderImpl<T> = get_typed_column_reader(column);
    let mut values = Vec::with_capacity(rows);
    while values.len() < rows {
        let (records, _, _) = reader
            .read_records(rows - values.len(), None, None, &mut values)
            .map_err(unreadable)?;
        if records == 0 {
            break;
        }
    }
    if values.len() != rows {
        return Err(Error::Invalid {
            field: "parquet".into(),
            reason: format!(
                "column {} has {} values, expected {rows}",
                COLUMNS[column_index].0,
                values.len()
            ),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(metric: &str, step: u64, value: f64) -> Point {
        Point {
            metric: metric.into(),
            step,
            value,
            wall_time: 1_700_000_000.25 + step as f64,
        }
    }

    #[test]
    fn parquet_round_trips_points_in_order() {
        let points = vec![
            point("loss", 3, 0.5),
            point("acc", 1, f64::NAN),
            point("loss", u64::MAX, f64::INFINITY),
            point("loss", 0, f64::NEG_INFINITY),
        ];
        let bytes = encode_parquet(&points).expect("encode");
        let decoded = decode_parquet(&bytes).expect("decode");
        assert_eq!(decoded.len(), points.len());
        for (got, want) in decoded.iter().zip(&points) {
            assert_eq!(got.metric, want.metric);
            assert_eq!(got.step, want.step);
            assert_eq!(got.value.to_bits(), want.value.to_bits());
            assert_eq!(got.wall_time.to_bits(), want.wall_time.to_bits());
        }
    }

    #[test]
    fn parquet_of_no_points_is_a_valid_empty_object() {
        let bytes = encode_parquet(&[]).expect("encode");
        assert!(decode_parquet(&bytes).expect("decode").is_empty());
    }

    #[test]
    fn decode_parquet_refuses_garbage_and_names_the_field() {
        let error = decode_parquet(b"definitely not parquet").expect_err("garbage");
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "parquet"));
        let bytes = encode_parquet(&[point("a", 1, 1.0)]).expect("encode");
        let truncated = &bytes[..bytes.len() / 2];
        assert!(decode_parquet(truncated).is_err());
    }
}
