//! A metric chunk body as the server receives it (MessagePack or JSON), and a stored chunk
//! blob (Parquet) as the server reads it back: never a panic; what decodes and validates
//! survives the trip through the blob format unchanged.
#![no_main]

use ingest::metrics::{decode_parquet, encode_parquet, Chunk, ChunkSeries, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for decoded in [Chunk::from_msgpack(data, &limits), Chunk::from_json(data, &limits)] {
        let Ok(chunk) = decoded else { continue };
        if chunk.validate(&limits).is_err() || ingest::metric_store::check_steps(&chunk).is_err() {
            continue;
        }
        let series = ChunkSeries::from_points(chunk.points);
        let blob = encode_parquet(&series).expect("a valid chunk encodes");
        let back = decode_parquet(&blob).expect("an encoded chunk decodes");
        assert_eq!(format!("{back:?}"), format!("{series:?}"), "the blob round trip changes nothing");
    }
    let _ = decode_parquet(data);
});
