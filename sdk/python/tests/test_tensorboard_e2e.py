"""TensorBoard interception end to end: a legacy script's SummaryWriter calls land in the
active experiment on a real server, and the event files are still written (unless asked
not to)."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from server_results import download, experiment, files

from research_sdk import Experiment, _active
from research_sdk import experiment as experiment_module
from research_sdk import tensorboard as rtb

tensorboardX = pytest.importorskip("tensorboardX")
from tensorboardX.proto import event_pb2  # noqa: E402

pytestmark = pytest.mark.usefixtures("client_env")

STEPS = 100
HPARAMS = {"lr": 0.01, "batch_size": 32, "optimizer": "adam", "augment": True}
RNG = np.random.default_rng(1)
IMAGE_CHW = RNG.integers(0, 256, size=(3, 12, 20), dtype=np.uint8)
WEIGHTS = RNG.normal(0.5, 2.0, size=1000)


def torch_writer() -> type:
    pytest.importorskip("torch")
    return pytest.importorskip("torch.utils.tensorboard").SummaryWriter


@pytest.fixture(params=["tensorboardX", "torch"])
def writer_cls(request: pytest.FixtureRequest) -> type:
    if request.param == "torch":
        return torch_writer()
    return tensorboardX.SummaryWriter


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    rtb.unpatch()
    yield
    rtb.unpatch()
    for run in list(experiment_module._open_runs):
        run.finish("failed")
    _active.set_active(None)


def legacy_training(SummaryWriter: type, logdir: Path) -> None:
    """A training script that knows nothing about rsdk."""
    writer = SummaryWriter(str(logdir))
    for step in range(STEPS):
        writer.add_scalar("train/loss", 1.0 / (step + 1), step)
    writer.add_scalars("losses", {"train": 0.5, "val": 0.75}, 10)
    writer.add_image("samples", IMAGE_CHW, 3)
    writer.add_text("summary", "converged after 100 steps", 5)
    writer.add_histogram("weights", WEIGHTS, 7)
    writer.add_hparams(HPARAMS, {"hparam/accuracy": 0.875})
    writer.close()


def read_events(path: Path) -> list[Any]:
    """The Events of one event file (TFRecord framing)."""
    data = path.read_bytes()
    events, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack("<Q", data[pos : pos + 8])
        pos += 12  # the length and its masked CRC
        event = event_pb2.Event()
        event.ParseFromString(data[pos : pos + length])
        events.append(event)
        pos += length + 4  # the data and its masked CRC
    return events


def event_summaries(logdir: Path) -> dict[str, list[tuple[int, Any]]]:
    """tag -> [(step, summary value)] over every event file below ``logdir``."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for path in sorted(logdir.rglob("events.out.tfevents.*")):
        for event in read_events(path):
            for value in event.summary.value:
                out.setdefault(value.tag, []).append((event.step, value))
    return out


def test_a_legacy_script_logs_into_the_active_experiment(
    server, project: str, tmp_path: Path, writer_cls: type
) -> None:
    rtb.patch()  # before the experiment exists: the active one is looked up at each call
    exp = Experiment(project, "tensorboard", features={"epochs": 3}, code=False)
    logdir = tmp_path / "runs" / "legacy"
    legacy_training(writer_cls, logdir)
    exp.finish()

    stored = experiment(server, project, exp.number)
    measured = {row["metric"]: row for row in stored["measured"]}
    assert set(measured) == {
        "train/loss",
        "losses/train",
        "losses/val",
        "weights/min",
        "weights/max",
        "weights/mean",
        "weights/std",
        "hparam/accuracy",
    }
    loss = measured["train/loss"]
    assert (loss["count"], loss["lastStep"], loss["last"]) == (STEPS, STEPS - 1, 1.0 / STEPS)
    assert (loss["min"], loss["max"]) == (1.0 / STEPS, 1.0)
    assert (measured["losses/train"]["last"], measured["losses/train"]["lastStep"]) == (0.5, 10)
    assert (measured["losses/val"]["last"], measured["losses/val"]["lastStep"]) == (0.75, 10)
    expected = {
        "min": WEIGHTS.min(),
        "max": WEIGHTS.max(),
        "mean": WEIGHTS.mean(),
        "std": WEIGHTS.std(),
    }
    for key, value in expected.items():
        row = measured[f"weights/{key}"]
        assert (row["count"], row["lastStep"]) == (1, 7)
        assert row["last"] == pytest.approx(value, rel=1e-9)
    # add_hparams' own nested add_scalar is not logged a second time.
    assert measured["hparam/accuracy"]["count"] == 1
    assert measured["hparam/accuracy"]["last"] == 0.875
    assert stored["featuresFull"] == {"epochs": 3, **HPARAMS}

    stored_files = files(server, project, exp.number)
    assert set(stored_files) == {"media/samples/00000003.png", "text/summary/00000005.txt"}
    with Image.open(io.BytesIO(download(server, exp.id, "media/samples/00000003.png"))) as png:
        np.testing.assert_array_equal(np.asarray(png), IMAGE_CHW.transpose(1, 2, 0))
    text = download(server, exp.id, "text/summary/00000005.txt")
    assert text == b"converged after 100 steps"

    # TensorBoard still wrote its event files.
    written = event_summaries(logdir)
    assert [step for step, _ in written["train/loss"]] == list(range(STEPS))
    assert written["train/loss"][-1][1].simple_value == pytest.approx(1.0 / STEPS)
    assert "samples" in written
    assert "weights" in written
    assert any(tag.startswith("summary") for tag in written)
    assert "hparam/accuracy" in written


def test_without_event_files_only_rsdk_gets_the_data(
    server, project: str, tmp_path: Path, writer_cls: type
) -> None:
    exp = Experiment(project, "rsdk_only", code=False)
    rtb.patch(write_event_files=False)
    logdir = tmp_path / "runs" / "quiet"
    legacy_training(writer_cls, logdir)
    exp.finish()

    measured = {row["metric"]: row for row in experiment(server, project, exp.number)["measured"]}
    assert measured["train/loss"]["count"] == STEPS
    assert measured["hparam/accuracy"]["count"] == 1
    assert "media/samples/00000003.png" in files(server, project, exp.number)
    # No event file holds a scalar (nor anything else the script logged).
    assert event_summaries(tmp_path / "runs") == {}


def test_an_explicit_experiment_gets_the_calls_and_unpatch_stops_them(
    server, project: str, tmp_path: Path
) -> None:
    target = Experiment(project, "target", code=False)
    bystander = Experiment(project, "bystander", code=False)  # the active one
    with rtb.patched(target):
        writer = tensorboardX.SummaryWriter(str(tmp_path / "runs" / "a"))
        writer.add_scalar("acc", 0.5, 1)
        writer.close()
    writer = tensorboardX.SummaryWriter(str(tmp_path / "runs" / "b"))
    writer.add_scalar("acc", 0.25, 2)  # not patched any more: TensorBoard only
    writer.close()
    target.finish()
    bystander.finish()

    target_metrics = experiment(server, project, target.number)["measured"]
    assert [(row["metric"], row["count"], row["last"]) for row in target_metrics] == [
        ("acc", 1, 0.5)
    ]
    assert experiment(server, project, bystander.number)["measured"] == []
    assert [step for step, _ in event_summaries(tmp_path / "runs" / "b")["acc"]] == [2]
