"""Tests for research_sdk.tensorboard: SummaryWriter calls reach rsdk, event files as asked."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from research_sdk import _active
from research_sdk import tensorboard as rtb

tensorboardX = pytest.importorskip("tensorboardX")
from tensorboardX.proto import event_pb2  # noqa: E402 - after the importorskip

INTERCEPTED = (
    "add_scalar",
    "add_scalars",
    "add_image",
    "add_text",
    "add_histogram",
    "add_hparams",
)


class Recorder:
    """Stands in for an experiment: records every logging call."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail = fail

    def _record(self, method: str, *args: Any, **kwargs: Any) -> None:
        if self.fail:
            raise RuntimeError(f"{method} exploded")
        self.calls.append((method, args, kwargs))

    def log_metric(self, *args: Any, **kwargs: Any) -> None:
        self._record("log_metric", *args, **kwargs)

    def log_metrics(self, *args: Any, **kwargs: Any) -> None:
        self._record("log_metrics", *args, **kwargs)

    def log_image(self, *args: Any, **kwargs: Any) -> None:
        self._record("log_image", *args, **kwargs)

    def log_text(self, *args: Any, **kwargs: Any) -> None:
        self._record("log_text", *args, **kwargs)

    def log_features(self, *args: Any, **kwargs: Any) -> None:
        self._record("log_features", *args, **kwargs)

    def named(self, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for m, a, k in self.calls if m == method]


def _torch_writer() -> type:
    pytest.importorskip("torch")
    module = pytest.importorskip("torch.utils.tensorboard")
    return module.SummaryWriter


@pytest.fixture(params=["tensorboardX", "torch"])
def writer_cls(request: pytest.FixtureRequest) -> type:
    """Each importable SummaryWriter class in turn."""
    if request.param == "torch":
        return _torch_writer()
    return tensorboardX.SummaryWriter


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    _active.set_active(None)
    rtb.unpatch()
    yield
    rtb.unpatch()
    _active.set_active(None)


def read_events(logdir: Path) -> list[Any]:
    """Every Event in the event files directly under ``logdir`` (TFRecord framing)."""
    events = []
    for path in sorted(logdir.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos : pos + 8])
            pos += 12  # length + its masked CRC
            event = event_pb2.Event()
            event.ParseFromString(data[pos : pos + length])
            events.append(event)
            pos += length + 4  # data + its masked CRC
    return events


def summaries(logdir: Path) -> dict[str, list[tuple[int, Any]]]:
    """tag -> [(step, summary value)] from the event files under ``logdir``."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for event in read_events(logdir):
        for value in event.summary.value:
            out.setdefault(value.tag, []).append((event.step, value))
    return out


def make_writer(cls: type, logdir: Path) -> Any:
    return cls(str(logdir))


# --------------------------------------------------------------------------- data reaches rsdk


def test_scalars(writer_cls: type, tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec)
    w = make_writer(writer_cls, tmp_path)
    w.add_scalar("loss", np.float32(0.5), 3, walltime=123.0)
    w.add_scalar("acc", 1, global_step=np.int64(4))
    w.add_scalar(tag="lr", scalar_value=np.array([0.25]))
    w.add_scalars("pair", {"a": 0.1, "b": np.float64(0.2)}, 5)
    w.close()

    assert rec.named("log_metric") == [
        (("loss", 0.5), {"step": 3, "wall_time": 123.0}),
        (("acc", 1.0), {"step": 4, "wall_time": None}),
        (("lr", 0.25), {"step": None, "wall_time": None}),
    ]
    for args, kwargs in rec.named("log_metric"):
        assert type(args[1]) is float and (kwargs["step"] is None or type(kwargs["step"]) is int)
    assert rec.named("log_metrics") == [(({"pair/a": 0.1, "pair/b": 0.2},), {"step": 5})]

    # TensorBoard still wrote its events.
    tags = summaries(tmp_path)
    assert [(s, v.simple_value) for s, v in tags["loss"]] == [(3, 0.5)]
    assert [(s, v.simple_value) for s, v in tags["acc"]] == [(4, 1.0)]
    # add_scalars writes one run directory per key (laid out differently by each library).
    pair = [
        (s, v.simple_value)
        for d in [tmp_path, *tmp_path.rglob("*")]
        if d.is_dir() and d != tmp_path
        for s, v in summaries(d).get("pair", [])
    ]
    assert sorted(pair) == [(5, pytest.approx(0.1)), (5, pytest.approx(0.2))]


def test_image_text_histogram(writer_cls: type, tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec)
    w = make_writer(writer_cls, tmp_path)
    chw = np.random.default_rng(0).random((3, 4, 5)).astype(np.float32)
    hwc = np.zeros((4, 5, 3), dtype=np.uint8)
    w.add_image("img", chw, 1)
    w.add_image("img_hwc", hwc, global_step=2, dataformats="HWC")
    w.add_text("notes", "hello *world*", 3)
    w.add_histogram("weights", np.array([1.0, 2.0, 3.0, 4.0]), 4)
    w.close()

    (args, kwargs), (args2, kwargs2) = rec.named("log_image")
    assert args[0] == "img" and args[1] is chw and kwargs == {"step": 1, "dataformats": "CHW"}
    assert args2[0] == "img_hwc" and args2[1] is hwc
    assert kwargs2 == {"step": 2, "dataformats": "HWC"}
    assert rec.named("log_text") == [(("notes", "hello *world*"), {"step": 3})]
    ((metrics,), kwargs) = rec.named("log_metrics")[0]
    assert kwargs == {"step": 4}
    assert metrics == {
        "weights/min": 1.0,
        "weights/max": 4.0,
        "weights/mean": 2.5,
        "weights/std": pytest.approx(np.std([1.0, 2.0, 3.0, 4.0])),
    }

    tags = summaries(tmp_path)
    assert {"img", "img_hwc", "weights"} <= set(tags)
    assert any(t.startswith("notes") for t in tags)
    assert tags["img"][0][1].image.encoded_image_string.startswith(b"\x89PNG")


def test_hparams(writer_cls: type, tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec)
    w = make_writer(writer_cls, tmp_path)
    hparams = {"lr": 0.1, "optimizer": "adam", "batchnorm": True, "layers": 3}
    w.add_hparams(hparams, {"hp/acc": np.float32(0.75), "hp/loss": 0.5})
    w.add_hparams({"lr": 0.2}, {"hp/acc": 0.8}, global_step=7)
    w.close()

    assert rec.named("log_features") == [((hparams,), {}), (({"lr": 0.2},), {})]
    # Exactly once each, although TensorBoard's add_hparams calls add_scalar itself.
    assert rec.named("log_metric") == [
        (("hp/acc", 0.75), {"step": 0}),
        (("hp/loss", 0.5), {"step": 0}),
        (("hp/acc", pytest.approx(0.8)), {"step": 7}),
    ]
    # TensorBoard wrote its hparams run directories.
    assert any(p.name.startswith("events.out.tfevents") for p in tmp_path.rglob("*"))
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_empty_histogram_logs_nothing(tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec, write_event_files=False)
    w = tensorboardX.SummaryWriter(str(tmp_path))
    w.add_histogram("nan_only", np.array([np.nan]), 0)
    w.close()
    assert rec.calls == []


# --------------------------------------------------------------------------- event files


def test_write_event_files_false_writes_nothing(writer_cls: type, tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec, write_event_files=False)
    logdir = tmp_path / "run"
    w = make_writer(writer_cls, logdir)
    w.add_scalar("loss", 1.5, 1)
    w.add_scalars("pair", {"a": 1.0}, 1)
    w.add_image("img", np.zeros((3, 2, 2)), 1)
    w.add_text("t", "x", 1)
    w.add_histogram("h", np.arange(4.0), 1)
    w.add_hparams({"lr": 0.1}, {"hp/acc": 1.0})
    w.flush()
    w.close()

    assert [m for m, _, _ in rec.calls] == [
        "log_metric",
        "log_metrics",
        "log_image",
        "log_text",
        "log_metrics",
        "log_features",
        "log_metric",
    ]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_write_event_files_false_with_writer_created_before(tmp_path: Path) -> None:
    w = tensorboardX.SummaryWriter(str(tmp_path))  # has an event file already
    rec = Recorder()
    rtb.patch(rec, write_event_files=False)
    w.add_scalar("loss", 1.5, 1)
    w.close()
    assert rec.named("log_metric") == [(("loss", 1.5), {"step": 1, "wall_time": None})]
    assert "loss" not in summaries(tmp_path)


def test_writer_created_while_off_stays_off_after_unpatch(tmp_path: Path) -> None:
    rtb.patch(Recorder(), write_event_files=False)
    w = tensorboardX.SummaryWriter(str(tmp_path / "run"))
    rtb.unpatch()
    w.add_scalar("loss", 1.0, 1)
    w.close()
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- patch / unpatch


def test_unpatch_restores_originals(writer_cls: type, tmp_path: Path) -> None:
    names = (*INTERCEPTED, "__init__", "_get_file_writer")
    before = {n: writer_cls.__dict__.get(n) for n in names}
    rtb.patch(Recorder())
    assert rtb.is_patched()
    for n in INTERCEPTED:
        assert writer_cls.__dict__[n] is not before[n]
    rtb.patch(Recorder())  # twice: harmless
    assert writer_cls.add_scalar.__rsdk_tensorboard_original__ is before["add_scalar"]
    rtb.unpatch()
    assert not rtb.is_patched()
    assert {n: writer_cls.__dict__.get(n) for n in names} == before
    rtb.unpatch()  # twice: harmless

    rec = Recorder()
    _active.set_active(rec)
    w = make_writer(writer_cls, tmp_path)
    w.add_scalar("loss", 1.0, 1)
    w.close()
    assert rec.calls == []
    assert "loss" in summaries(tmp_path)


def test_patch_twice_updates_experiment(tmp_path: Path) -> None:
    first, second = Recorder(), Recorder()
    rtb.patch(first)
    rtb.patch(second)
    w = tensorboardX.SummaryWriter(str(tmp_path))
    w.add_scalar("x", 1.0, 0)
    w.close()
    assert first.calls == [] and len(second.calls) == 1


def test_patched_context_manager(tmp_path: Path) -> None:
    original = tensorboardX.SummaryWriter.__dict__["add_scalar"]
    outer, inner = Recorder(), Recorder()
    with rtb.patched(outer):
        with rtb.patched(inner, write_event_files=False):
            w = tensorboardX.SummaryWriter(str(tmp_path / "inner"))
            w.add_scalar("x", 1.0, 0)
            w.close()
        assert rtb.is_patched()
        w = tensorboardX.SummaryWriter(str(tmp_path / "outer"))
        w.add_scalar("y", 2.0, 0)
        w.close()
    assert not rtb.is_patched()
    assert tensorboardX.SummaryWriter.__dict__["add_scalar"] is original
    assert [a for a, _ in inner.named("log_metric")] == [("x", 1.0)]
    assert [a for a, _ in outer.named("log_metric")] == [("y", 2.0)]
    assert not (tmp_path / "inner").exists()
    assert "y" in summaries(tmp_path / "outer")


def test_subclass_is_intercepted(tmp_path: Path) -> None:
    class MyWriter(tensorboardX.SummaryWriter):
        def add_scalar(self, tag: str, value: Any, step: Any = None) -> None:  # type: ignore[override]
            super().add_scalar(f"my/{tag}", value, step)

    rec = Recorder()
    rtb.patch(rec)
    w = MyWriter(str(tmp_path))
    w.add_scalar("loss", 2.0, 9)
    w.close()
    assert rec.named("log_metric") == [(("my/loss", 2.0), {"step": 9, "wall_time": None})]


# --------------------------------------------------------------------------- robustness


def test_recorder_errors_do_not_break_training(writer_cls: type, tmp_path: Path) -> None:
    rtb.patch(Recorder(fail=True))
    w = make_writer(writer_cls, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.add_scalar("loss", 1.0, 1)
        w.add_scalar("loss", 2.0, 2)
        w.add_text("t", "x", 1)
    assert all(c.category is RuntimeWarning for c in caught)
    assert all(c.filename == __file__ for c in caught)  # points at the user's call
    messages = [str(c.message) for c in caught]
    assert any("(RuntimeError: log_metric exploded)" in m for m in messages)
    assert sum("SummaryWriter.add_scalar" in m for m in messages) == 1  # once per method
    assert sum("SummaryWriter.add_text" in m for m in messages) == 1
    w.close()
    assert [s for s, _ in summaries(tmp_path)["loss"]] == [1, 2]


def test_bad_value_is_a_warning_not_an_error(tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec, write_event_files=False)
    w = tensorboardX.SummaryWriter(str(tmp_path))
    with pytest.warns(RuntimeWarning, match="add_scalars could not be logged"):
        w.add_scalars("pair", {"a": "not a number"}, 1)
    w.close()
    assert rec.calls == []


def test_tensorboard_errors_still_propagate(tmp_path: Path) -> None:
    rec = Recorder()
    rtb.patch(rec)
    w = tensorboardX.SummaryWriter(str(tmp_path))
    with pytest.raises(TypeError):
        w.add_hparams([("lr", 0.1)], {"acc": 1.0})  # TensorBoard itself rejects this
    with pytest.raises(TypeError):
        w.add_scalar()  # missing arguments: TensorBoard's own error
    w.close()
    assert rec.calls == []


# --------------------------------------------------------------------------- active experiment


def test_active_experiment_fallback(writer_cls: type, tmp_path: Path) -> None:
    rtb.patch()  # before any experiment exists
    w = make_writer(writer_cls, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.add_scalar("early", 1.0, 0)
        w.add_scalar("early", 2.0, 1)
    assert [c.category for c in caught] == [RuntimeWarning]  # once
    assert "no experiment" in str(caught[0].message)

    rec = Recorder()
    _active.set_active(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.add_scalar("late", 3.0, 2)
    _active.set_active(None)
    w.add_scalar("after", 4.0, 3)
    w.close()

    assert rec.named("log_metric") == [(("late", 3.0), {"step": 2, "wall_time": None})]
    tags = summaries(tmp_path)
    assert [s for s, _ in tags["early"]] == [0, 1]
    assert {"late", "after"} <= set(tags)


def test_explicit_experiment_wins_over_active(tmp_path: Path) -> None:
    explicit, active = Recorder(), Recorder()
    _active.set_active(active)
    rtb.patch(explicit)
    w = tensorboardX.SummaryWriter(str(tmp_path))
    w.add_text("t", "x", 0)
    w.close()
    assert len(explicit.calls) == 1 and active.calls == []


def test_no_experiment_and_no_event_files_still_calls_tensorboard(
    tmp_path: Path,
) -> None:
    w = tensorboardX.SummaryWriter(str(tmp_path))  # created before: has an event file
    rtb.patch(write_event_files=False)
    with pytest.warns(RuntimeWarning, match="no experiment"):
        w.add_scalar("loss", 1.0, 0)
    w.close()
    assert "loss" in summaries(tmp_path)


def test_torch_tensors_with_torch_writer(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    writer = _torch_writer()
    rec = Recorder()
    rtb.patch(rec)
    w = writer(str(tmp_path))
    w.add_scalar("loss", torch.tensor(0.5), torch.tensor(3))
    w.add_histogram("h", torch.arange(4, dtype=torch.float32), 1)
    img = torch.zeros(3, 4, 5)
    w.add_image("img", img, 2)
    w.close()
    assert rec.named("log_metric") == [(("loss", 0.5), {"step": 3, "wall_time": None})]
    assert rec.named("log_metrics")[0][0][0]["h/max"] == 3.0
    assert rec.named("log_image")[0][0][1] is img
