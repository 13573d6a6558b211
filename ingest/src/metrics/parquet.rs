//! Points as one immutable Parquet object, through parquet's column writer API.
//!
//! Four required columns; encodings chosen per column so a million points of a typical run
//! take a few bytes each: `metric` dictionary encoded (few distinct names), `step`
//! delta encoded (mostly increasing), `value` and `wall_time` byte-stream-split (zstd then
//! finds the repeated exponent bytes). Values are written as raw IEEE 754 bits, so NaN
//! payloads and ±inf come back bit-exactly.

use std::borrow::Cow;
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

use parquet::file::statistics::Statistics;

use super::{ChunkSeries, Point, Series};
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

/// Most rows per row group: a metric's series longer than this (after compaction) is split
/// so readers can stream it.
const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// Rows handed to a column writer at a time (a multiple of its 1,024-value mini-batches, so
/// the pages come out as from one call).
const WRITE_BLOCK_ROWS: usize = 64 * 1024;

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
        // Whole metric names (up to 200 characters) in the statistics, so a reader can tell a
        // row group's metric without decoding the column.
        .set_statistics_truncate_length(Some(1024))
        .set_created_by(format!("rsdk {}", env!("CARGO_PKG_VERSION")))
        .set_column_dictionary_enabled(ColumnPath::from("step"), false)
        .set_column_encoding(ColumnPath::from("step"), Encoding::DELTA_BINARY_PACKED);
    let builder = plain_floats(builder, "value");
    plain_floats(builder, "wall_time").build()
}

/// Encodes a chunk as one zstd-compressed Parquet object (columns `metric`, `step`, `value`,
/// `wall_time`; see the module docs): rows by metric, then step, one row group per metric (a
/// long series is split), so a reader learns each group's metric from its statistics. An
/// empty chunk gives a valid object with no rows.
pub fn encode_parquet(chunk: &ChunkSeries) -> Result<Bytes> {
    let schema = parse_message_type(SCHEMA).map_err(internal("parsing the metric schema"))?;
    let mut writer = SerializedFileWriter::new(
        Vec::with_capacity(chunk.len() * 4 + 1024),
        Arc::new(schema),
        Arc::new(writer_properties()),
    )
    .map_err(internal("starting a parquet object"))?;
    for (name, series) in chunk.metrics() {
        let name = ByteArray::from(Bytes::copy_from_slice(name.as_bytes()));
        let names = vec![name; series.len().min(WRITE_BLOCK_ROWS)];
        for start in (0..series.len()).step_by(ROW_GROUP_ROWS) {
            let end = (start + ROW_GROUP_ROWS).min(series.len());
            let mut row_group = writer
                .next_row_group()
                .map_err(internal("starting a row group"))?;
            write_column::<ByteArrayType, _>(&mut row_group, end - start, |from, to| {
                Cow::Borrowed(&names[..to - from])
            })?;
            // Parquet has no unsigned physical type: the bits are stored as INT64 and the
            // column is annotated unsigned, so steps above i64::MAX survive (and read back as
            // uint64).
            let steps = &series.steps[start..end];
            write_column::<Int64Type, _>(&mut row_group, end - start, |from, to| {
                Cow::Owned(steps[from..to].iter().map(|&step| step as i64).collect())
            })?;
            write_slice::<DoubleType>(&mut row_group, &series.values[start..end])?;
            write_slice::<DoubleType>(&mut row_group, &series.wall_times[start..end])?;
            row_group.close().map_err(internal("closing a row group"))?;
        }
    }
    let buffer = writer
        .into_inner()
        .map_err(internal("finishing a parquet object"))?;
    Ok(Bytes::from(buffer))
}

/// Writes `values` as the next column ([`write_column`]).
fn write_slice<T: DataType>(
    row_group: &mut SerializedRowGroupWriter<'_, Vec<u8>>,
    values: &[T::T],
) -> Result<()> {
    write_column::<T, _>(row_group, values.len(), |from, to| {
        Cow::Borrowed(&values[from..to])
    })
}

/// Writes the next column of `rows` values, [`WRITE_BLOCK_ROWS`] at a time: `block(from, to)`
/// gives rows `from..to` (borrowed where they are stored as written, else converted), so
/// encoding a million-row group copies a block, not the column (the `metric` column would be
/// a 32-byte `ByteArray` per row).
fn write_column<'a, T, F>(
    row_group: &mut SerializedRowGroupWriter<'_, Vec<u8>>,
    rows: usize,
    block: F,
) -> Result<()>
where
    T: DataType,
    T::T: 'a,
    F: Fn(usize, usize) -> Cow<'a, [T::T]>,
{
    let Some(mut column) = row_group.next_column().map_err(internal("starting a column"))? else {
        return Err(Error::Internal("the metric schema has too few columns".into()));
    };
    let typed = column.typed::<T>();
    for from in (0..rows).step_by(WRITE_BLOCK_ROWS) {
        let to = (from + WRITE_BLOCK_ROWS).min(rows);
        typed
            .write_batch(&block(from, to), None, None)
            .map_err(internal("writing a column"))?;
    }
    column.close().map_err(internal("closing a column"))
}

/// Decodes an object written by [`encode_parquet`] back into a chunk.
///
/// A row group whose `metric` statistics say it holds one name is read without decoding that
/// column; other objects (several names per group, rows in any order, e.g. written by
/// another tool) are decoded row by row and grouped (a repeated step keeps its last row).
/// Bytes that are not such an object (truncated, another schema) are refused with
/// [`Error::Invalid`] on the field `parquet`.
pub fn decode_parquet(bytes: &[u8]) -> Result<ChunkSeries> {
    let reader = SerializedFileReader::new(Bytes::copy_from_slice(bytes)).map_err(unreadable)?;
    check_schema(&reader)?;
    let mut runs: Vec<(String, Series)> = Vec::new();
    let mut mixed: Vec<Point> = Vec::new();
    for group_index in 0..reader.num_row_groups() {
        let row_group = reader.get_row_group(group_index).map_err(unreadable)?;
        let rows = usize::try_from(row_group.metadata().num_rows()).map_err(|_| Error::Invalid {
            field: "parquet".into(),
            reason: "a row group has a negative row count".into(),
        })?;
        if rows == 0 {
            continue;
        }
        let steps = read_column::<Int64Type>(&*row_group, 1, rows)?;
        let series = Series {
            steps: steps.into_iter().map(|step| step as u64).collect(),
            values: read_column::<DoubleType>(&*row_group, 2, rows)?,
            wall_times: read_column::<DoubleType>(&*row_group, 3, rows)?,
        };
        match single_metric(row_group.metadata().column(0).statistics()) {
            Some(name) if mixed.is_empty() => match runs.last_mut() {
                Some((last, run)) if *last == name => {
                    run.steps.extend_from_slice(&series.steps);
                    run.values.extend_from_slice(&series.values);
                    run.wall_times.extend_from_slice(&series.wall_times);
                }
                _ => runs.push((name, series)),
            },
            single => {
                let names = match single {
                    Some(name) => vec![ByteArray::from(name.into_bytes()); rows],
                    None => read_column::<ByteArrayType>(&*row_group, 0, rows)?,
                };
                mixed.extend(to_points(&names, &series)?);
            }
        }
    }
    if mixed.is_empty() {
        runs = match ChunkSeries::from_sorted(runs) {
            Ok(chunk) => return Ok(chunk),
            Err(runs) => runs,
        };
    }
    // Not in the order encode_parquet writes: group row by row, in stored order.
    let mut points = Vec::with_capacity(mixed.len() + runs.iter().map(|(_, s)| s.len()).sum::<usize>());
    for (name, series) in &runs {
        let names = vec![ByteArray::from(name.as_bytes().to_vec()); series.len()];
        points.extend(to_points(&names, series)?);
    }
    points.extend(mixed);
    Ok(ChunkSeries::from_points(points))
}

fn unreadable(error: parquet::errors::ParquetError) -> Error {
    Error::Invalid {
        field: "parquet".into(),
        reason: format!("not a readable metric object: {error}"),
    }
}

/// The metric of a row group whose `metric` statistics hold exactly one name.
fn single_metric(statistics: Option<&Statistics>) -> Option<String> {
    let statistics = statistics?;
    if !(statistics.min_is_exact() && statistics.max_is_exact()) {
        return None;
    }
    let (min, max) = (statistics.min_bytes_opt()?, statistics.max_bytes_opt()?);
    (min == max).then(|| std::str::from_utf8(min).ok().map(str::to_owned))?
}

fn to_points(names: &[ByteArray], series: &Series) -> Result<Vec<Point>> {
    let mut points = Vec::with_capacity(names.len());
    let mut last_name: Option<(&ByteArray, String)> = None;
    for (index, metric) in names.iter().enumerate() {
        // Names repeat: decode each distinct one once, then clone the string.
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
            step: series.steps[index],
            value: series.values[index],
            wall_time: series.wall_times[index],
        });
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

    fn write_rows(points: &[Point]) -> Bytes {
        let schema = parse_message_type(SCHEMA).expect("schema");
        let mut writer =
            SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(writer_properties()))
                .expect("writer");
        let names: Vec<ByteArray> = points
            .iter()
            .map(|p| ByteArray::from(p.metric.as_str()))
            .collect();
        let steps: Vec<i64> = points.iter().map(|p| p.step as i64).collect();
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        let wall_times: Vec<f64> = points.iter().map(|p| p.wall_time).collect();
        let mut row_group = writer.next_row_group().expect("row group");
        write_slice::<ByteArrayType>(&mut row_group, &names).expect("metric");
        write_slice::<Int64Type>(&mut row_group, &steps).expect("step");
        write_slice::<DoubleType>(&mut row_group, &values).expect("value");
        write_slice::<DoubleType>(&mut row_group, &wall_times).expect("wall_time");
        row_group.close().expect("close");
        Bytes::from(writer.into_inner().expect("finish"))
    }

    #[test]
    fn parquet_round_trips_a_chunk_bit_exactly() {
        let chunk = ChunkSeries::from_points(vec![
            point("loss", 3, 0.5),
            point("acc", 1, f64::NAN),
            point("loss", u64::MAX, f64::INFINITY),
            point("loss", 0, f64::NEG_INFINITY),
        ]);
        let decoded = decode_parquet(&encode_parquet(&chunk).expect("encode")).expect("decode");
        let bits = |chunk: &ChunkSeries| -> Vec<(String, u64, u64, u64)> {
            chunk
                .to_points()
                .into_iter()
                .map(|p| (p.metric, p.step, p.value.to_bits(), p.wall_time.to_bits()))
                .collect()
        };
        assert_eq!(bits(&decoded), bits(&chunk));
    }

    #[test]
    fn rows_in_any_order_with_several_metrics_per_group_are_grouped() {
        let rows = vec![
            point("b", 2, 1.0),
            point("a", 5, 2.0),
            point("b", 1, 3.0),
            point("b", 2, 4.0),
        ];
        let decoded = decode_parquet(&write_rows(&rows)).expect("decode");
        assert_eq!(decoded, ChunkSeries::from_points(rows));
    }

    #[test]
    fn a_long_metric_name_still_reads_from_the_statistics() {
        let name = "n".repeat(200);
        let chunk = ChunkSeries::from_points(vec![point(&name, 1, 1.0), point("z", 1, 2.0)]);
        let decoded = decode_parquet(&encode_parquet(&chunk).expect("encode")).expect("decode");
        assert_eq!(decoded, chunk);
    }

    #[test]
    fn parquet_of_no_points_is_a_valid_empty_object() {
        let bytes = encode_parquet(&ChunkSeries::default()).expect("encode");
        assert!(decode_parquet(&bytes).expect("decode").is_empty());
    }

    #[test]
    fn decode_parquet_refuses_garbage_and_names_the_field() {
        let error = decode_parquet(b"definitely not parquet").expect_err("garbage");
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "parquet"));
        let chunk = ChunkSeries::from_points(vec![point("a", 1, 1.0)]);
        let bytes = encode_parquet(&chunk).expect("encode");
        let truncated = &bytes[..bytes.len() / 2];
        assert!(decode_parquet(truncated).is_err());
    }
}
