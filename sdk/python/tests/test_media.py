"""Tests for research_sdk.media: arrays, tensors, images, tables and text to bytes."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import struct
import sys
import wave
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from research_sdk import media

Image = pytest.importorskip("PIL.Image")


def decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        assert img.format == "PNG"
        return np.asarray(img)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Splits a PNG into (type, data) chunks, checking the signature and every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    return chunks


class FakeTensor:
    """Duck-types a torch tensor: .detach().cpu().numpy()."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.calls: list[str] = []

    def detach(self) -> FakeTensor:
        self.calls.append("detach")
        return self

    def cpu(self) -> FakeTensor:
        self.calls.append("cpu")
        return self

    def numpy(self) -> np.ndarray:
        self.calls.append("numpy")
        return self.array


class ArrayLike:
    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.array if dtype is None else self.array.astype(dtype)


RNG = np.random.default_rng(0)


# --------------------------------------------------------------------------- images


def test_grayscale_uint8_round_trips() -> None:
    img = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)
    data, ext = media.image_to_png(img)
    assert ext == "png"
    np.testing.assert_array_equal(decode_png(data), img)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_hwc_round_trips(channels: int) -> None:
    img = RNG.integers(0, 256, size=(6, 4, channels), dtype=np.uint8)
    out = decode_png(media.image_to_png(img)[0])
    expected = img[:, :, 0] if channels == 1 else img
    np.testing.assert_array_equal(out, expected)
    with Image.open(io.BytesIO(media.image_to_png(img)[0])) as pil:
        assert pil.mode == {1: "L", 3: "RGB", 4: "RGBA"}[channels]
        assert pil.size == (4, 6)


def test_chw_is_detected_and_transposed() -> None:
    chw = RNG.integers(0, 256, size=(3, 5, 9), dtype=np.uint8)
    out = decode_png(media.image_to_png(chw)[0])
    np.testing.assert_array_equal(out, chw.transpose(1, 2, 0))


def test_explicit_dataformats() -> None:
    # (3, 4, 3) is ambiguous: guessed as HWC, read as CHW when told so.
    arr = RNG.integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(media.image_to_png(arr)[0]), arr)
    out = decode_png(media.image_to_png(arr, dataformats="CHW")[0])
    np.testing.assert_array_equal(out, arr.transpose(1, 2, 0))
    hw = RNG.integers(0, 256, size=(4, 6), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(media.image_to_png(hw, dataformats="HW")[0]), hw)
    np.testing.assert_array_equal(decode_png(media.image_to_png(hw.T, dataformats="WH")[0]), hw)


def test_float_images_are_scaled_clipped_and_rounded() -> None:
    img = np.array([[0.0, 0.5, 1.0], [-0.2, 1.7, np.nan], [0.1, 0.8, 0.002]], dtype=np.float32)
    out = decode_png(media.image_to_png(img)[0])
    np.testing.assert_array_equal(out, [[0, 128, 255], [0, 255, 0], [26, 204, 1]])


def test_float_chw_rgb() -> None:
    chw = RNG.random((3, 4, 5))
    out = decode_png(media.image_to_png(chw)[0])
    np.testing.assert_array_equal(out, np.rint(chw.transpose(1, 2, 0) * 255).astype(np.uint8))


def test_bool_and_wide_int_images() -> None:
    mask = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(decode_png(media.image_to_png(mask)[0]), [[255, 0], [0, 255]])
    ints = np.array([[-5, 0, 100], [255, 256, 10_000]], dtype=np.int64)
    np.testing.assert_array_equal(
        decode_png(media.image_to_png(ints)[0]), [[0, 0, 100], [255, 255, 255]]
    )


def test_tensor_array_like_and_list_inputs() -> None:
    chw = RNG.integers(0, 256, size=(3, 4, 5), dtype=np.uint8)
    tensor = FakeTensor(chw)
    out = decode_png(media.image_to_png(tensor, dataformats="CHW")[0])
    np.testing.assert_array_equal(out, chw.transpose(1, 2, 0))
    assert tensor.calls == ["detach", "cpu", "numpy"]
    hwc = chw.transpose(1, 2, 0)
    np.testing.assert_array_equal(decode_png(media.image_to_png(ArrayLike(hwc))[0]), hwc)
    np.testing.assert_array_equal(decode_png(media.image_to_png([[0, 255]])[0]), [[0, 255]])


def test_pil_image() -> None:
    arr = RNG.integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    data, ext = media.image_to_png(Image.fromarray(arr))
    assert ext == "png"
    np.testing.assert_array_equal(decode_png(data), arr)
    # CMYK cannot be stored in a PNG: it is converted.
    data, _ = media.image_to_png(Image.new("CMYK", (2, 2)))
    assert decode_png(data).shape == (2, 2, 3)


def test_png_without_pillow_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    img = RNG.integers(0, 256, size=(9, 11, 4), dtype=np.uint8)
    with monkeypatch.context() as m:
        # Any attempt to import Pillow now fails.
        for name in [n for n in sys.modules if n == "PIL" or n.startswith("PIL.")]:
            m.delitem(sys.modules, name)
        m.setitem(sys.modules, "PIL", None)
        data, ext = media.image_to_png(img)
        with pytest.raises(ImportError):
            import PIL  # noqa: F401
    assert ext == "png"
    chunks = png_chunks(data)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (width, height, depth, color, comp, filt, interlace) == (
        11,
        9,
        8,
        6,
        0,
        0,
        0,
    )
    raw = zlib.decompress(chunks[1][1])
    assert len(raw) == 9 * (1 + 11 * 4)
    assert all(raw[r * (1 + 44)] == 0 for r in range(9))  # filter 0 on every row
    np.testing.assert_array_equal(decode_png(data), img)


def test_image_path_returns_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "Photo.JPG"
    path.write_bytes(b"\xff\xd8\xff not really a jpeg")
    assert media.image_to_png(path) == (path.read_bytes(), "jpg")
    assert media.image_to_png(str(path)) == (path.read_bytes(), "jpg")
    bare = tmp_path / "noext"
    png = media.image_to_png(np.zeros((2, 2), dtype=np.uint8))[0]
    bare.write_bytes(png)
    assert media.image_to_png(bare) == (png, "png")


def test_image_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="image"):
        media.image_to_png(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="image: not a regular file"):
        media.image_to_png(tmp_path)


@pytest.mark.parametrize(
    "shape",
    [(5, 5, 7), (2, 5, 5), (5,), (2, 3, 4, 5), (0, 4), (7, 8, 2)],
)
def test_bad_image_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"^image: ") as info:
        media.image_to_png(np.zeros(shape, dtype=np.uint8))
    if len(shape) in (1, 3, 4) and 0 not in shape:
        assert str(info.value) == (
            "image: expected an array of shape (H, W), (H, W, C) or (C, H, W) "
            f"with C in 1, 3, 4; got shape {shape}"
        )


def test_bad_dataformats() -> None:
    with pytest.raises(ValueError, match="dataformats"):
        media.image_to_png(np.zeros((3, 4, 4)), dataformats="NCHW")
    with pytest.raises(ValueError, match=r"^image: dataformats 'CHW' needs a 3-D array"):
        media.image_to_png(np.zeros((4, 4)), dataformats="CHW")
    assert media.image_to_png(np.zeros((4, 4, 3)), dataformats="HWC")[1] == "png"
    with pytest.raises(ValueError, match=r"^image: .*got shape \(5, 4, 3\)"):
        media.image_to_png(np.zeros((5, 4, 3)), dataformats="CHW")  # C=5


@pytest.mark.parametrize("value", [42, None, b"\x89PNG", {"a": 1}, np.array([["a"]])])
def test_bad_image_types(value: object) -> None:
    with pytest.raises(TypeError, match=r"^image: "):
        media.image_to_png(value)


def test_complex_image_dtype() -> None:
    with pytest.raises(TypeError, match="image: expected a bool, integer or float array"):
        media.image_to_png(np.zeros((2, 2), dtype=complex))


# --------------------------------------------------------------------------- audio


def read_wav(data: bytes) -> tuple[int, int, int, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as w:
        frames = w.readframes(w.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").reshape(-1, w.getnchannels())
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), samples


def test_mono_float_wav_round_trips() -> None:
    audio = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0, np.nan], dtype=np.float32)
    data, ext = media.audio_to_wav(audio, 16000)
    assert ext == "wav"
    channels, width, rate, samples = read_wav(data)
    assert (channels, width, rate) == (1, 2, 16000)
    np.testing.assert_array_equal(
        samples[:, 0], [0, 16384, -16384, 32767, -32767, 32767, -32767, 0]
    )


def test_stereo_layouts() -> None:
    left = np.linspace(-1, 1, 50)
    right = -left
    expected = np.rint(np.stack([left, right], axis=1) * 32767).astype(np.int16)
    for arr in (np.stack([left, right], axis=1), np.stack([left, right], axis=0)):
        channels, _, rate, samples = read_wav(media.audio_to_wav(arr, 8000)[0])
        assert (channels, rate) == (2, 8000)
        np.testing.assert_array_equal(samples, expected)


def test_int16_is_kept_and_tensors_accepted() -> None:
    pcm = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    _, _, _, samples = read_wav(media.audio_to_wav(FakeTensor(pcm), np.int64(22050))[0])
    np.testing.assert_array_equal(samples[:, 0], pcm)


@pytest.mark.parametrize("rate", [None, 0, -8000, 1.5, "16000", True])
def test_bad_sample_rate(rate: object) -> None:
    with pytest.raises(ValueError, match=r"^sample_rate: "):
        media.audio_to_wav(np.zeros(10), rate)  # type: ignore[arg-type]


def test_bad_audio() -> None:
    with pytest.raises(ValueError, match=r"^audio: expected an array of shape"):
        media.audio_to_wav(np.zeros((2, 3, 4)), 8000)
    with pytest.raises(TypeError, match=r"^audio: expected float samples"):
        media.audio_to_wav(np.zeros(10, dtype=np.int32), 8000)
    with pytest.raises(TypeError, match=r"^audio: "):
        media.audio_to_wav(3.5, 8000)


def test_audio_path(tmp_path: Path) -> None:
    path = tmp_path / "clip.MP3"
    path.write_bytes(b"ID3...")
    assert media.audio_to_wav(path, None) == (b"ID3...", "mp3")
    with pytest.raises(FileNotFoundError, match="audio"):
        media.audio_to_wav(tmp_path / "nope.wav", None)


# --------------------------------------------------------------------------- video


def test_video_to_gif() -> None:
    frames = RNG.integers(0, 256, size=(3, 8, 10, 3), dtype=np.uint8)
    data, ext = media.video_to_bytes(frames, 10)
    assert ext == "gif"
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.format == "GIF"
        assert gif.size == (10, 8)
        assert gif.n_frames == 3
        assert gif.info["duration"] == 100


def test_video_tchw_float_and_default_fps() -> None:
    frames = RNG.random((2, 1, 6, 5))
    data, _ = media.video_to_bytes(FakeTensor(frames), None)
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.size == (5, 6)
        assert gif.n_frames == 2
        assert gif.info["duration"] == 250


def test_video_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"^video: expected an array of shape"):
        media.video_to_bytes(np.zeros((2, 8, 8)), 4)
    with pytest.raises(ValueError, match=r"^fps: "):
        media.video_to_bytes(np.zeros((2, 8, 8, 3)), 0)
    path = tmp_path / "run.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    assert media.video_to_bytes(str(path), None) == (path.read_bytes(), "mp4")
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"video: encoding an array needs Pillow"):
        media.video_to_bytes(np.zeros((2, 8, 8, 3)), 4)


# --------------------------------------------------------------------------- tables


def load(data: bytes) -> dict:
    assert isinstance(data, bytes)
    return json.loads(data.decode("utf-8"))


def test_table_from_list_of_dicts() -> None:
    rows = [
        {"step": 1, "loss": 0.5, "name": "ä"},
        {"step": np.int64(2), "loss": float("nan"), "extra": True},
        {"loss": np.float32(float("inf")), "step": 3, "extra": -np.inf},
    ]
    doc = load(media.table_to_json(rows))
    assert doc == {
        "columns": ["step", "loss", "name", "extra"],
        "rows": [
            [1, 0.5, "ä", None],
            [2, "NaN", None, True],
            [3, "Infinity", None, "-Infinity"],
        ],
    }
    assert "ä".encode() in media.table_to_json(rows)


def test_table_from_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "a": [1, 2],
            "b": [1.5, float("nan")],
            "when": pd.to_datetime(["2024-01-02 03:04:05", None]),
            "c": ["x", None],
        },
        index=[10, 20],
    )
    doc = load(media.table_to_json(df))
    assert doc["columns"] == ["a", "b", "when", "c"]
    assert doc["rows"][0] == [1, 1.5, "2024-01-02T03:04:05", "x"]
    assert doc["rows"][1][:3] == [2, "NaN", None]  # NaT is missing: null
    # A missing string is None or NaN depending on the pandas version.
    assert doc["rows"][1][3] in (None, "NaN")


def test_table_from_dict_of_columns() -> None:
    doc = load(
        media.table_to_json({"x": np.arange(3), "y": ["a", "b", "c"], "z": (0.1, np.nan, 1)})
    )
    assert doc == {
        "columns": ["x", "y", "z"],
        "rows": [[0, "a", 0.1], [1, "b", "NaN"], [2, "c", 1]],
    }


def test_table_from_list_of_lists() -> None:
    doc = load(media.table_to_json([[1, "a"], (2, "b")], columns=["n", "s"]))
    assert doc == {"columns": ["n", "s"], "rows": [[1, "a"], [2, "b"]]}
    with pytest.raises(TypeError, match="rows: a list of lists needs columns="):
        media.table_to_json([[1, 2]])
    with pytest.raises(ValueError, match="rows: row 1 has 1 values"):
        media.table_to_json([[1, 2], [3]], columns=["a", "b"])


def test_table_cell_conversions() -> None:
    class Thing:
        def __str__(self) -> str:
            return "thing!"

    row = {
        "date": dt.date(2024, 5, 6),
        "dt": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "np_dt": np.datetime64("2024-05-06T07:08"),
        "obj": Thing(),
        "bool": np.bool_(True),
        "f16": np.float16(0.5),
        "nested": {"k": [np.int8(1), float("nan")]},
        "arr": np.array([1.0, np.inf]),
        "big": 2**70,
    }
    doc = load(media.table_to_json([row]))
    assert doc["rows"][0] == [
        "2024-05-06",
        "2024-05-06T07:08:09+02:00",
        "2024-05-06T07:08",
        "thing!",
        True,
        0.5,
        {"k": [1, "NaN"]},
        [1.0, "Infinity"],
        2**70,
    ]
    assert media.table_to_json([]) == b'{"columns":[],"rows":[]}'


def test_table_limits() -> None:
    media.table_to_json({"x": np.zeros(media.MAX_TABLE_ROWS)})
    with pytest.raises(ValueError, match=r"^rows: at most 100,000 rows"):
        media.table_to_json({"x": np.zeros(media.MAX_TABLE_ROWS + 1)})
    with pytest.raises(ValueError, match=r"^rows: at most 100,000 rows"):
        media.table_to_json([{"a": 1}] * (media.MAX_TABLE_ROWS + 1))
    with pytest.raises(ValueError, match=r"^rows: at most 1,000 columns"):
        media.table_to_json([{f"c{i}": i for i in range(1001)}])
    with pytest.raises(ValueError, match=r"^rows: at most 1,000 columns"):
        media.table_to_json({f"c{i}": [i] for i in range(1001)})


def test_bad_tables() -> None:
    with pytest.raises(ValueError, match=r"^rows: the columns have different lengths \(a=2, b=1\)"):
        media.table_to_json({"a": [1, 2], "b": [3]})
    with pytest.raises(TypeError, match=r"^rows: a dict must map column names"):
        media.table_to_json({"a": 1, "b": 2})
    with pytest.raises(TypeError, match=r"^rows: expected a list of dicts"):
        media.table_to_json("a,b\n1,2")
    with pytest.raises(TypeError, match=r"^rows: expected a list of dicts or a list of lists"):
        media.table_to_json([{"a": 1}, 5])


# --------------------------------------------------------------------------- text


def test_text_to_bytes() -> None:
    assert media.text_to_bytes("héllo\n") == "héllo\n".encode()
    with pytest.raises(TypeError, match=r"^text: expected a str; got bytes"):
        media.text_to_bytes(b"x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^text: "):
        media.text_to_bytes("\ud800")


# --------------------------------------------------------------------------- histograms


def test_histogram_summary() -> None:
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    s = media.histogram_summary(values)
    assert s == {
        "min": 1.0,
        "max": 4.0,
        "mean": 2.5,
        "std": pytest.approx(np.std(values)),
        "count": 4,
    }
    s = media.histogram_summary(FakeTensor(np.array([1.0, np.nan, np.inf, 3.0])))
    assert s["count"] == 2 and s["nan_count"] == 1 and s["inf_count"] == 1
    assert (s["min"], s["max"], s["mean"], s["std"]) == (1.0, 3.0, 2.0, 1.0)
    assert media.histogram_summary([1, 2, 3])["mean"] == 2.0
    empty = media.histogram_summary([])
    assert empty["count"] == 0 and math.isnan(empty["mean"])
    with pytest.raises(TypeError, match=r"^values: "):
        media.histogram_summary(["a", "b"])
