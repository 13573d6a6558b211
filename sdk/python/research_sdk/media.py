"""Turn what researchers pass (arrays, tensors, images, paths, tables, text) into bytes to store.

Every function here is pure: it takes a value and returns bytes (plus a file
extension where the format can vary).  Nothing here depends hard on numpy,
Pillow, pandas or torch: objects are duck-typed and optional libraries are
imported lazily, only when a value needs them.

* :func:`image_to_png` -- arrays, tensors, PIL images or an image file.
* :func:`audio_to_wav` -- float or int16 arrays/tensors, or an audio file.
* :func:`video_to_bytes` -- ``(T, H, W, C)``/``(T, C, H, W)`` arrays (animated GIF) or a video file.
* :func:`table_to_json` -- list of dicts, list of lists, dict of columns or a DataFrame.
* :func:`text_to_bytes` -- a ``str`` as UTF-8.
* :func:`histogram_summary` -- min/max/mean/std/count of any array-like.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import io
import json
import math
import numbers
import operator
import os
import struct
import wave
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_TABLE_COLUMNS",
    "MAX_TABLE_ROWS",
    "audio_to_wav",
    "histogram_summary",
    "image_to_png",
    "table_to_json",
    "text_to_bytes",
    "video_to_bytes",
]

#: Most rows :func:`table_to_json` accepts.
MAX_TABLE_ROWS = 100_000
#: Most columns :func:`table_to_json` accepts.
MAX_TABLE_COLUMNS = 1_000

_IMAGE_CHANNELS = (1, 3, 4)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type for 1, 3 and 4 channels (grayscale, RGB, RGBA).
_PNG_COLOR_TYPE = {1: 0, 3: 2, 4: 6}


# --------------------------------------------------------------------------- helpers


def _numpy() -> Any:
    """numpy if importable, else ``None``."""
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy is installed in the test env
        return None
    return numpy


def _require_numpy(arg: str) -> Any:
    np = _numpy()
    if np is None:  # pragma: no cover - numpy is installed in the test env
        raise ImportError(f"{arg}: converting an array needs numpy (pip install numpy)")
    return np


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _read_file(value: Any, arg: str) -> tuple[bytes, str]:
    """(bytes, lowercased extension without the dot) of the file at ``value``."""
    path = Path(os.fspath(value))
    if not path.exists():
        raise FileNotFoundError(f"{arg}: no such file: {str(path)!r}")
    if not path.is_file():
        raise ValueError(f"{arg}: not a regular file: {str(path)!r}")
    data = path.read_bytes()
    ext = path.suffix[1:].lower() if path.suffix else ""
    return data, ext or _sniff_extension(data)


def _sniff_extension(data: bytes) -> str:
    """Guesses an extension from a file's magic bytes (for files named without one)."""
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:3] == b"ID3":
        return "mp3"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return "bin"


def _to_numpy(value: Any, arg: str) -> Any:
    """Converts a numpy array, torch tensor, ``__array__`` object or nested list to ndarray."""
    np = _require_numpy(arg)
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and callable(value.detach):  # torch.Tensor
        tensor = value.detach()
        if hasattr(tensor, "cpu"):
            tensor = tensor.cpu()
        if hasattr(tensor, "numpy"):
            try:
                return tensor.numpy()
            except TypeError:  # e.g. bfloat16, which numpy lacks
                return tensor.float().numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # report whatever numpy disliked
        raise TypeError(
            f"{arg}: cannot convert {type(value).__name__} to an array ({exc})"
        ) from exc
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(
            f"{arg}: expected a numeric array; got {type(value).__name__} (dtype {arr.dtype})"
        )
    return arr


def _to_uint8(arr: Any, arg: str) -> Any:
    """uint8 as is; floats in [0, 1] scaled by 255; bools to 0/255; other ints clipped."""
    np = _require_numpy(arg)
    kind = arr.dtype.kind
    if arr.dtype == np.uint8:
        return arr
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255)
    if kind == "f":
        scaled = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0)
        return np.rint(np.clip(scaled, 0.0, 1.0) * 255.0).astype(np.uint8)
    if kind in "iu":
        return np.clip(arr, 0, 255).astype(np.uint8)
    raise TypeError(f"{arg}: expected a bool, integer or float array; got dtype {arr.dtype}")


def _to_hwc(arr: Any, dataformats: str | None, arg: str) -> Any:
    """Reorders an image array to (H, W, C), C in 1, 3, 4."""
    shape = tuple(arr.shape)
    expected = (
        "expected an array of shape (H, W), (H, W, C) or (C, H, W) with C in 1, 3, 4; "
        f"got shape {shape}"
    )
    if dataformats is not None:
        fmt = str(dataformats).upper()
        if sorted(fmt) not in (["H", "W"], ["C", "H", "W"]):
            raise ValueError(
                "dataformats: expected an ordering of 'HW' or 'CHW' such as 'HW', 'HWC' or "
                f"'CHW'; got {dataformats!r}"
            )
        if len(fmt) != arr.ndim:
            raise ValueError(
                f"{arg}: dataformats {fmt!r} needs a {len(fmt)}-D array; got shape {shape}"
            )
        if len(fmt) == 2:
            arr = arr.transpose([fmt.index(c) for c in "HW"])[:, :, None]
        else:
            arr = arr.transpose([fmt.index(c) for c in "HWC"])
    elif arr.ndim == 2:
        arr = arr[:, :, None]
    elif arr.ndim == 3:
        if shape[2] in _IMAGE_CHANNELS:
            pass
        elif shape[0] in _IMAGE_CHANNELS:
            arr = arr.transpose(1, 2, 0)
        else:
            raise ValueError(f"{arg}: {expected}")
    else:
        raise ValueError(f"{arg}: {expected}")
    if arr.shape[2] not in _IMAGE_CHANNELS:
        raise ValueError(f"{arg}: {expected} (dataformats={dataformats!r})")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{arg}: the image is empty (shape {shape})")
    return arr


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _encode_png(hwc: Any) -> bytes:
    """Minimal PNG encoder: 8-bit grayscale/RGB/RGBA, filter 0 on every row, no Pillow needed."""
    np = _require_numpy("image")
    height, width, channels = hwc.shape
    if width >= 2**31 or height >= 2**31:
        raise ValueError(f"image: too large for PNG ({width}x{height})")
    rows = np.ascontiguousarray(hwc, dtype=np.uint8).reshape(height, width * channels)
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOR_TYPE[channels], 0, 0, 0)
    return b"".join(
        [
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(raw, 6)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _is_pil_image(value: Any) -> bool:
    return (
        hasattr(value, "save")
        and hasattr(value, "mode")
        and hasattr(value, "size")
        and type(value).__module__.split(".")[0] == "PIL"
    )


def _pil_to_png(image: Any) -> bytes:
    buf = io.BytesIO()
    try:
        image.save(buf, format="PNG")
    except (OSError, ValueError, KeyError):
        # Modes PNG cannot hold (CMYK, YCbCr, ...): convert first.
        buf = io.BytesIO()
        image.convert("RGBA" if "A" in image.mode else "RGB").save(buf, format="PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- images


def image_to_png(image: Any, *, dataformats: str | None = None) -> tuple[bytes, str]:
    """Encodes an image as PNG, or reads an image file.

    Args:
        image: one of

            * a path (``str`` or ``os.PathLike``) -- the file's bytes are returned
              unchanged with its own extension (lowercased, e.g. ``"jpg"``);
            * a PIL image -- saved as PNG;
            * a numpy array, torch tensor (anything with ``.detach()``) or object
              with ``__array__`` of shape ``(H, W)``, ``(H, W, C)`` or ``(C, H, W)``
              with ``C`` in 1, 3, 4 (grayscale, RGB, RGBA).  ``uint8`` is used as
              is, floats are taken to be in ``[0, 1]`` (clipped, scaled by 255,
              rounded), bools become 0/255, other integers are clipped to 0..255.
        dataformats: the order of the array's dimensions, e.g. ``"CHW"``,
            ``"HWC"`` or ``"HW"`` (as in TensorBoard).  ``None`` guesses: 2-D is
            ``HW``; 3-D is ``HWC`` when the last dimension is 1, 3 or 4, else
            ``CHW`` when the first is.

    Returns:
        ``(data, extension)`` -- extension ``"png"`` for arrays and PIL images.

    Raises:
        FileNotFoundError: ``image`` is a path to nothing.
        TypeError: ``image`` is of an unsupported type or dtype.
        ValueError: the array's shape is not an image's.
    """
    if _is_path(image):
        return _read_file(image, "image")
    if isinstance(image, (bytes, bytearray, memoryview)):
        raise TypeError("image: expected an array, tensor, PIL image or file path; got bytes")
    if _is_pil_image(image):
        return _pil_to_png(image), "png"
    if not (
        hasattr(image, "__array__")
        or hasattr(image, "detach")
        or hasattr(image, "shape")
        or isinstance(image, (list, tuple))
    ):
        raise TypeError(
            "image: expected a numpy array, torch tensor, PIL image, object with __array__, "
            f"or file path; got {type(image).__name__}"
        )
    arr = _to_numpy(image, "image")
    hwc = _to_hwc(arr, dataformats, "image")
    return _encode_png(_to_uint8(hwc, "image")), "png"


# --------------------------------------------------------------------------- audio


def _positive_int(value: Any, arg: str) -> int:
    number: int | None = None
    if not isinstance(value, bool):
        try:
            number = operator.index(value)
        except TypeError:
            if isinstance(value, float) and value.is_integer():
                number = int(value)
    if number is None or number <= 0:
        raise ValueError(f"{arg}: expected a positive integer; got {value!r}")
    return number


def audio_to_wav(audio: Any, sample_rate: int | None) -> tuple[bytes, str]:
    """Encodes audio samples as a 16-bit PCM WAV file, or reads an audio file.

    Args:
        audio: a path (returned unchanged with its extension), or a numpy array /
            torch tensor: 1-D (mono), or 2-D ``(samples, channels)`` -- read as
            ``(channels, samples)`` when the first dimension is at most 8 and
            smaller than the second.  Floats are taken to be in ``[-1, 1]``
            (clipped; NaN becomes silence); ``int16`` samples are used as is.
        sample_rate: samples per second; required (a positive integer) for arrays,
            ignored for paths.

    Returns:
        ``(data, extension)`` -- extension ``"wav"`` for arrays.

    Raises:
        FileNotFoundError: ``audio`` is a path to nothing.
        TypeError: ``audio`` is of an unsupported type or dtype.
        ValueError: bad shape, or ``sample_rate`` missing or not a positive integer.
    """
    if _is_path(audio):
        return _read_file(audio, "audio")
    if isinstance(audio, (bytes, bytearray, memoryview)):
        raise TypeError("audio: expected an array, tensor or file path; got bytes")
    if not (
        hasattr(audio, "__array__")
        or hasattr(audio, "detach")
        or hasattr(audio, "shape")
        or isinstance(audio, (list, tuple))
    ):
        raise TypeError(
            f"audio: expected a numpy array, torch tensor or file path; got {type(audio).__name__}"
        )
    if sample_rate is None:
        raise ValueError(
            "sample_rate: required when audio is an array (samples per second, e.g. 16000)"
        )
    rate = _positive_int(sample_rate, "sample_rate")
    np = _require_numpy("audio")
    arr = _to_numpy(audio, "audio")
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim == 2:
        if arr.shape[0] <= 8 and arr.shape[0] < arr.shape[1]:
            arr = arr.T
    else:
        raise ValueError(
            "audio: expected an array of shape (samples,), (samples, channels) or (channels, "
            "samples); "
            f"got shape {tuple(arr.shape)}"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"audio: no channels (shape {tuple(arr.shape)})")
    if arr.shape[1] > 65535:
        raise ValueError(f"audio: too many channels ({arr.shape[1]}); expected (samples, channels)")
    if arr.dtype == np.int16:
        pcm = arr
    elif arr.dtype.kind == "f":
        clean = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
        pcm = np.rint(np.clip(clean, -1.0, 1.0) * 32767.0).astype(np.int16)
    else:
        raise TypeError(
            f"audio: expected float samples in [-1, 1] or int16 PCM samples; got dtype {arr.dtype}"
        )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(int(pcm.shape[1]))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())
    return buf.getvalue(), "wav"


# --------------------------------------------------------------------------- video


def video_to_bytes(video: Any, fps: float | None) -> tuple[bytes, str]:
    """Encodes video frames as an animated GIF, or reads a video file.

    Args:
        video: a path (returned unchanged with its extension), or a numpy array /
            torch tensor of shape ``(T, H, W, C)`` or ``(T, C, H, W)`` with ``C``
            in 1, 3, 4, ``uint8`` or float in ``[0, 1]`` (as for :func:`image_to_png`).
        fps: frames per second for arrays (default 4); ignored for paths.

    Returns:
        ``(data, extension)`` -- extension ``"gif"`` for arrays.

    Raises:
        FileNotFoundError: ``video`` is a path to nothing.
        ImportError: ``video`` is an array and Pillow is not installed.
        TypeError, ValueError: unsupported type, shape or ``fps``.
    """
    if _is_path(video):
        return _read_file(video, "video")
    if isinstance(video, (bytes, bytearray, memoryview)):
        raise TypeError("video: expected an array, tensor or file path; got bytes")
    if not (hasattr(video, "__array__") or hasattr(video, "detach") or hasattr(video, "shape")):
        raise TypeError(
            f"video: expected a numpy array, torch tensor or file path; got {type(video).__name__}"
        )
    if fps is None:
        fps = 4
    if (
        isinstance(fps, bool)
        or not isinstance(fps, numbers.Real)
        or not math.isfinite(fps)
        or fps <= 0
    ):
        raise ValueError(f"fps: expected a positive number of frames per second; got {fps!r}")
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "video: encoding an array needs Pillow (pip install pillow), or pass a file path"
        ) from None
    arr = _to_numpy(video, "video")
    shape = tuple(arr.shape)
    if arr.ndim != 4:
        raise ValueError(
            "video: expected an array of shape (T, H, W, C) or (T, C, H, W) with C in 1, 3, "
            f"4; got shape {shape}"
        )
    if shape[3] in _IMAGE_CHANNELS:
        pass
    elif shape[1] in _IMAGE_CHANNELS:
        arr = arr.transpose(0, 2, 3, 1)
    else:
        raise ValueError(
            "video: expected an array of shape (T, H, W, C) or (T, C, H, W) with C in 1, 3, "
            f"4; got shape {shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"video: no frames or empty frames (shape {shape})")
    frames8 = _to_uint8(arr, "video")
    channels = frames8.shape[3]
    frames = []
    for frame in frames8:
        if channels == 1:
            frames.append(Image.fromarray(frame[:, :, 0]))
        else:
            frames.append(Image.fromarray(frame[:, :, :3]))
    duration_ms = max(round(1000.0 / float(fps)), 10)
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=duration_ms,
        loop=0,
    )
    return buf.getvalue(), "gif"


# --------------------------------------------------------------------------- tables


def _json_value(value: Any) -> Any:
    """A JSON-safe version of one table cell; nothing is silently dropped."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA / pandas.NaT
        return None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return (
            _json_value(float(value))
            if value.is_finite()
            else ("NaN" if value.is_nan() else str(value))
        )
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return str(bytes(value))
    np = _numpy()
    if np is not None:
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else str(np.datetime_as_string(value))
        if isinstance(value, np.timedelta64):
            return None if np.isnat(value) else str(value)
        if isinstance(value, np.ndarray):
            return [_json_value(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return _json_value(value.item())
    if isinstance(value, numbers.Real):
        return _json_value(float(value))
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(v) for v in value]
    if hasattr(value, "detach") and hasattr(value, "tolist"):  # torch tensor
        return _json_value(value.detach().cpu().tolist())
    return str(value)


def _check_limits(n_rows: int, n_columns: int) -> None:
    if n_rows > MAX_TABLE_ROWS:
        raise ValueError(
            f"rows: at most {MAX_TABLE_ROWS:,} rows can be logged as a table; got {n_rows:,}"
        )
    if n_columns > MAX_TABLE_COLUMNS:
        raise ValueError(
            f"rows: at most {MAX_TABLE_COLUMNS:,} columns can be logged as a table; got "
            f"{n_columns:,}"
        )


def _is_column(value: Any) -> bool:
    return (
        not isinstance(value, (str, bytes, bytearray, Mapping))
        and hasattr(value, "__len__")
        and (hasattr(value, "__iter__") or hasattr(value, "__getitem__"))
    )


def table_to_json(rows: Any, *, columns: Sequence[Any] | None = None) -> bytes:
    """Serialises a table as UTF-8 JSON ``{"columns": [...], "rows": [[...], ...]}``.

    Args:
        rows: one of

            * a list of dicts -- the columns are the union of the keys in
              first-seen order; a row lacking a key gets ``null`` there;
            * a pandas DataFrame (anything with ``columns`` and ``to_dict``) --
              its columns in order (the index is not included);
            * a dict of columns ``{name: sequence}`` with equal lengths;
            * a list of lists/tuples, with ``columns`` naming them.
        columns: column names, required for (and only used with) a list of lists.

    Cells become JSON values: numpy scalars become Python numbers, NaN and
    infinities become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``
    (so nothing is silently lost), dates and times become ISO strings, missing
    values (``None``, ``pandas.NA``, ``NaT``) become ``null``, and any other
    object becomes ``str(value)``.

    Raises:
        TypeError: ``rows`` is none of the above.
        ValueError: more than 100,000 rows or 1,000 columns, or ragged data.
    """
    names: list[Any]
    body: list[Sequence[Any]]
    if hasattr(rows, "columns") and (hasattr(rows, "itertuples") or hasattr(rows, "to_dict")):
        names = list(rows.columns)
        _check_limits(len(rows), len(names))
        if hasattr(rows, "itertuples"):
            body = [list(r) for r in rows.itertuples(index=False, name=None)]
        else:
            records = rows.to_dict(orient="records")
            body = [[r.get(c) for c in names] for r in records]
    elif isinstance(rows, Mapping):
        names = list(rows.keys())
        bad = [k for k, v in rows.items() if not _is_column(v)]
        if bad:
            raise TypeError(
                "rows: a dict must map column names to equal-length sequences "
                f"(column {bad[0]!r} is a {type(rows[bad[0]]).__name__}); for a single row "
                "pass [row]"
            )
        lengths = {k: len(v) for k, v in rows.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}={n}" for k, n in lengths.items())
            raise ValueError(f"rows: the columns have different lengths ({detail})")
        n_rows = next(iter(lengths.values()), 0)
        _check_limits(n_rows, len(names))
        cols = [list(rows[k]) for k in names]
        body = [[col[i] for col in cols] for i in range(n_rows)]
    elif isinstance(rows, (list, tuple)):
        if not rows:
            names = [] if columns is None else list(columns)
            body = []
        elif all(isinstance(r, Mapping) for r in rows):
            _check_limits(len(rows), 0)
            seen: dict[Any, None] = {}
            for r in rows:
                for k in r:
                    if k not in seen:
                        seen[k] = None
                        if len(seen) > MAX_TABLE_COLUMNS:
                            _check_limits(len(rows), len(seen))
            names = list(seen)
            body = [[r.get(k) for k in names] for r in rows]
        elif all(_is_column(r) for r in rows):
            if columns is None:
                raise TypeError(
                    "rows: a list of lists needs columns=[...] naming its columns (or pass a "
                    "list of dicts)"
                )
            names = list(columns)
            _check_limits(len(rows), len(names))
            body = []
            for i, r in enumerate(rows):
                row = list(r)
                if len(row) != len(names):
                    raise ValueError(
                        f"rows: row {i} has {len(row)} values but there are {len(names)} columns"
                    )
                body.append(row)
        else:
            kinds = sorted({type(r).__name__ for r in rows})
            raise TypeError(
                "rows: expected a list of dicts or a list of lists; got a list of "
                f"{', '.join(kinds)}"
            )
    else:
        raise TypeError(
            "rows: expected a list of dicts, a pandas DataFrame, a dict of columns, "
            f"or a list of lists with columns=; got {type(rows).__name__}"
        )
    _check_limits(len(body), len(names))
    doc = {
        "columns": [str(_json_value(c)) if not isinstance(c, str) else c for c in names],
        "rows": [[_json_value(v) for v in row] for row in body],
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
        "utf-8"
    )


# --------------------------------------------------------------------------- text


def text_to_bytes(text: str) -> bytes:
    """UTF-8 bytes of ``text``.

    Raises:
        TypeError: ``text`` is not a ``str``.
        ValueError: ``text`` holds a lone surrogate, which UTF-8 cannot encode.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str; got {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text: cannot be encoded as UTF-8 ({exc.reason} at position {exc.start})"
        ) from None


# --------------------------------------------------------------------------- histograms


def _flatten(values: Any, out: list[float]) -> None:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values: expected numbers; got {type(values).__name__}")
    if isinstance(values, numbers.Number):
        out.append(float(values))  # type: ignore[arg-type]
        return
    try:
        iterator = iter(values)
    except TypeError:
        raise TypeError(
            f"values: expected an array-like of numbers; got {type(values).__name__}"
        ) from None
    for v in iterator:
        _flatten(v, out)


def histogram_summary(values: Any) -> dict[str, float]:
    """Summary statistics of the finite values of an array-like, tensor, list or number.

    Returns:
        ``{"min", "max", "mean", "std", "count"}`` over the finite values (``std``
        is the population standard deviation; all but ``count`` are NaN when there
        are no finite values), plus ``"nan_count"`` and ``"inf_count"`` when any
        values are NaN or infinite.

    Raises:
        TypeError: ``values`` holds something other than numbers.
    """
    np = _numpy()
    finite: Any
    if np is not None:
        try:
            arr = _to_numpy(values, "values")
            if arr.dtype.kind == "c":
                raise TypeError("values: complex numbers have no histogram")
            flat = arr.astype(np.float64, copy=False).ravel()
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"values: expected an array-like of numbers; got {type(values).__name__} ({exc})"
            ) from None
        finite_mask = np.isfinite(flat)
        nan_count = int(np.isnan(flat).sum())
        inf_count = int(flat.size - finite_mask.sum()) - nan_count
        finite = flat[finite_mask]
        count = int(finite.size)
        if count:
            stats = {
                "min": float(finite.min()),
                "max": float(finite.max()),
                "mean": float(finite.mean()),
                "std": float(finite.std()),
            }
    else:  # pragma: no cover - pure-Python fallback
        flat_list: list[float] = []
        if hasattr(values, "detach"):
            values = values.detach().cpu().tolist()
        elif hasattr(values, "tolist"):
            values = values.tolist()
        _flatten(values, flat_list)
        nan_count = sum(1 for v in flat_list if math.isnan(v))
        inf_count = sum(1 for v in flat_list if math.isinf(v))
        finite = [v for v in flat_list if math.isfinite(v)]
        count = len(finite)
        if count:
            mean = math.fsum(finite) / count
            stats = {
                "min": min(finite),
                "max": max(finite),
                "mean": mean,
                "std": math.sqrt(math.fsum((v - mean) ** 2 for v in finite) / count),
            }
    if not count:
        nan = float("nan")
        stats = {"min": nan, "max": nan, "mean": nan, "std": nan}
    result: dict[str, float] = {**stats, "count": count}
    if nan_count:
        result["nan_count"] = nan_count
    if inf_count:
        result["inf_count"] = inf_count
    return result
