"""`research_sdk.Experiment` against a real server: what a script logs is what the server
stores (experiments, lineage, features, metrics, media, artifacts, environment, code)."""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from server_results import (
    as_json,
    download,
    experiment,
    experiments,
    files,
    measured,
    project_names,
    series,
)

import research_sdk
from research_sdk import Experiment, Features, RsdkError, _active
from research_sdk import experiment as experiment_module

pytestmark = pytest.mark.usefixtures("client_env")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory outside any git repository (the code capture of
    ``code=True`` takes it as a tarball)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(autouse=True)
def _finish_what_a_test_left_open():
    """Runs a failing test left open end here, while the server still runs (not at exit)."""
    yield
    for run in list(experiment_module._open_runs):
        run.finish("failed")
    _active.set_active(None)


def spool_runs(spool: Path) -> list[Path]:
    return sorted(spool.iterdir()) if spool.exists() else []


def run_script(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None):
    """Runs ``script`` with this interpreter and the test's client settings."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


# ------------------------------------------------------------------------ the product example


def test_the_product_example(server, project: str, workdir: Path) -> None:
    features = workdir / "features.yaml"
    features.write_text(
        "model:\n  arch: vit_b16\n  dropout: 0.1\noptimizer:\n  name: adamw\n  lr: 0.001\n"
        "epochs: 90\n"
    )
    Experiment(project=project, name="8_baseline", features="features.yaml").finish()
    features.write_text(features.read_text().replace("lr: 0.001", "lr: 0.0003"))
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(16, 24, 3), dtype=np.uint8)

    exp = Experiment(project=project, name="12_from_8_lr_sweep", features="features.yaml")
    exp.log_metric("loss", 0.42, step=10)
    path = exp.log_image("attention", img)
    report = exp.finish(status="complete")

    assert path == "media/attention/00000000.png"
    assert report["pending"] == 0 and report["failed"] == 0
    assert (exp.number, exp.name) == (12, "12_from_8_lr_sweep")
    stored = experiment(server, project, 12)
    assert stored["name"] == "12_from_8_lr_sweep"
    assert stored["status"] == "COMPLETE"
    assert stored["progress"] == 100
    assert stored["parent"] == {"number": 8}
    assert stored["featuresFull"] == {
        "model": {"arch": "vit_b16", "dropout": 0.1},
        "optimizer": {"name": "adamw", "lr": 0.0003},
        "epochs": 90,
    }
    assert stored["featuresDiff"] == [{"op": "replace", "path": "/optimizer/lr", "value": 0.0003}]
    loss = {row["metric"]: row for row in stored["measured"]}["loss"]
    assert (loss["count"], loss["last"], loss["lastStep"]) == (1, 0.42, 10)
    stored_files = files(server, project, 12)
    assert stored_files[path]["mime"] == "image/png"
    with Image.open(io.BytesIO(download(server, stored["id"], path))) as png:
        assert png.format == "PNG"
        assert png.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(png), img)


# ------------------------------------------------------------------------ lineage and features


def test_parent_from_the_name_stores_only_the_changed_keys(server, project: str, workdir) -> None:
    base_features = {"optimizer": {"name": "adamw", "lr": 0.001}, "epochs": 3, "data": "imagenet"}
    Experiment(project, "1_base", features=base_features, code=False).finish()
    child_features = Features(
        {"optimizer": {"name": "adamw", "lr": 0.01}, "epochs": 3, "data": "imagenet", "seed": 7}
    )
    child = Experiment(project, "2_from_1_higher_lr", features=child_features, code=False)
    child.finish()

    stored = experiment(server, project, 2)
    assert stored["parent"] == {"number": 1}
    assert stored["featuresFull"] == dict(child_features)
    assert sorted(stored["featuresDiff"], key=lambda op: op["path"]) == [
        {"op": "replace", "path": "/optimizer/lr", "value": 0.01},
        {"op": "add", "path": "/seed", "value": 7},
    ]
    root = experiment(server, project, 1)
    assert root["parent"] is None
    assert root["featuresFull"] == base_features


def test_explicit_parent_and_inherited_features(server, project: str, workdir: Path) -> None:
    (workdir / "base.yaml").write_text('{"lr": 0.1, "layers": [64, 64], "act": "relu"}')
    base = Experiment(project, "base", features=Features.from_file("base.yaml"), code=False)
    base.finish()
    # No features: the parent's are inherited unchanged.
    same = Experiment(project, "same_again", parent=base.number, code=False)
    same.finish()
    # The explicit parent wins over the one the name names.
    other = Experiment(project, "other")
    other.finish()
    wider = Experiment(
        project,
        f"9_from_{other.number}_wider",
        parent=base.number,
        features={"lr": 0.1, "layers": [128, 128], "act": "relu"},
        code=False,
    )
    wider.finish()

    assert base.number == 1 and same.number == 2 and wider.number == 9
    inherited = experiment(server, project, same.number)
    assert inherited["parent"] == {"number": 1}
    assert inherited["featuresFull"] == {"lr": 0.1, "layers": [64, 64], "act": "relu"}
    assert inherited["featuresDiff"] == []
    stored = experiment(server, project, 9)
    assert stored["parent"] == {"number": 1}
    assert stored["featuresFull"]["layers"] == [128, 128]
    assert stored["featuresDiff"] == [{"op": "replace", "path": "/layers", "value": [128, 128]}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- lr\n- epochs\n", "features: .* must hold a mapping"),
        ("just a string\n", "features: .* must hold a mapping"),
        ("lr: [0.1\n", "features: .* not valid YAML"),
    ],
)
def test_a_features_file_that_is_no_mapping_is_refused_and_nothing_is_created(
    server, project: str, workdir: Path, client_env: Path, content: str, message: str
) -> None:
    (workdir / "features.yaml").write_text(content)
    with pytest.raises(ValueError, match=message):
        Experiment(project, "1_base", features="features.yaml")
    assert project not in project_names(server)
    assert spool_runs(client_env) == []
    assert _active.active() is None


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ({"optimizer": {"lr": float("nan")}}, r"features\.optimizer\.lr: nan"),
        ({"scale": float("inf")}, r"features\.scale: inf"),
        ({"grid": [1.0, float("-inf")]}, r"features\.grid\[1\]"),
    ],
)
def test_a_non_finite_feature_value_is_refused_naming_it(
    server, project: str, workdir: Path, client_env: Path, features, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Experiment(project, "1_base", features=features)
    assert project not in project_names(server)
    assert spool_runs(client_env) == []


def test_a_non_finite_value_in_a_features_file_is_refused(
    server, project: str, workdir: Path
) -> None:
    (workdir / "features.yaml").write_text("optimizer:\n  lr: .nan\n")
    with pytest.raises(ValueError, match="features"):
        Experiment(project, "1_base", features="features.yaml", code=False)


BAD_NAMES = ["", "   ", "line\nbreak", "x" * 300, "3_from_2_parent_missing"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=["empty", "blank", "control", "long", "parent"])
def test_a_bad_name_is_refused_naming_the_field_and_no_experiment_is_created(
    server, project: str, workdir: Path, client_env: Path, name: str
) -> None:
    with pytest.raises((ValueError, RsdkError), match=r"name"):
        Experiment(project, name)
    assert experiments(server, project) == []
    assert spool_runs(client_env) == []
    assert _active.active() is None


def test_a_bad_name_is_a_value_error(server, project: str, workdir: Path) -> None:
    with pytest.raises(ValueError, match="name"):
        Experiment(project, "line\nbreak", code=False)


def test_a_refused_name_creates_no_project(server, project: str, workdir: Path) -> None:
    with pytest.raises((ValueError, RsdkError)):
        Experiment(project, "line\nbreak", code=False)
    assert project not in project_names(server)


def test_an_unknown_code_mode_is_a_value_error(project: str, workdir: Path) -> None:
    with pytest.raises(ValueError, match="code"):
        Experiment(project, "x", code="zip")


# ------------------------------------------------------------------------ project, metadata


def test_a_new_project_is_registered_and_notes_tags_progress_are_stored(
    server, project: str, workdir: Path
) -> None:
    assert project not in project_names(server)
    exp = Experiment(project, "first", notes="trying things", tags=["baseline", "vit"], code=False)
    assert project in project_names(server)
    assert exp.number == 1 and exp.id
    started = experiment(server, project, 1)
    assert started["status"] == "RUNNING"
    assert (started["notes"], sorted(started["tags"])) == ("trying things", ["baseline", "vit"])

    exp.progress(42.4)
    exp.note("halfway: loss plateaued")
    exp.set_tags(["plateau"])
    assert exp.flush()["pending"] == 0
    middle = experiment(server, project, 1)
    assert middle["progress"] == 42
    assert middle["notes"] == "halfway: loss plateaued"
    assert middle["tags"] == ["plateau"]
    assert middle["status"] == "RUNNING"

    exp.finish()
    done = experiment(server, project, 1)
    assert (done["status"], done["progress"]) == ("COMPLETE", 100)
    assert exp.finish()["pending"] == 0  # finishing again does nothing
    assert experiment(server, project, 1)["status"] == "COMPLETE"


def test_metrics_with_and_without_steps(server, project: str, workdir: Path) -> None:
    exp = Experiment(project, "metrics", code=False)
    assert [exp.log_metric("loss", value) for value in (3.0, 2.0, 1.5)] == [0, 1, 2]
    assert exp.log_metric("loss", 1.25, step=10) == 10
    assert exp.log_metric("loss", 1.0) == 11
    exp.log_metrics({"acc": 0.5, "f1": 0.25}, step=5)
    exp.log_metrics({"acc": np.float32(0.75), "f1": 0.5}, step=6)
    exp.finish()

    assert series(server, project, exp.number, "loss") == [
        (0, 3.0),
        (1, 2.0),
        (2, 1.5),
        (10, 1.25),
        (11, 1.0),
    ]
    assert series(server, project, exp.number, "acc") == [(5, 0.5), (6, 0.75)]
    summary = measured(server, project, exp.number)
    assert set(summary) == {"loss", "acc", "f1"}
    assert (summary["loss"]["count"], summary["loss"]["lastStep"]) == (5, 11)
    assert (summary["loss"]["min"], summary["loss"]["max"]) == (1.0, 3.0)
    assert (summary["f1"]["count"], summary["f1"]["last"]) == (2, 0.5)


# ------------------------------------------------------------------------ media, text, tables


def test_log_text(server, project: str, workdir: Path) -> None:
    exp = Experiment(project, "text", code=False)
    first = exp.log_text("samples/generated", "héllo\nwörld ✓")
    second = exp.log_text("samples/generated", "second")
    at = exp.log_text("prompt", "p", step=7)
    exp.finish()

    assert (first, second, at) == (
        "text/samples/generated/00000000.txt",
        "text/samples/generated/00000001.txt",
        "text/prompt/00000007.txt",
    )
    stored = files(server, project, exp.number)
    assert set(stored) == {first, second, at}
    assert download(server, exp.id, first).decode("utf-8") == "héllo\nwörld ✓"
    assert download(server, exp.id, second) == b"second"
    assert stored[first]["mime"].startswith("text/plain")


def test_log_table_from_dicts_and_from_a_dataframe(server, project: str, workdir: Path) -> None:
    pd = pytest.importorskip("pandas")
    exp = Experiment(project, "tables", code=False)
    from_rows = exp.log_table(
        "predictions",
        [
            {"id": 1, "label": "cat", "score": 0.9},
            {"id": 2, "label": "dog", "score": 0.25, "note": "blurry"},
        ],
    )
    frame = pd.DataFrame(
        {"epoch": [1, 2, 3], "loss": [0.5, 0.25, 0.125], "split": ["train", "train", "val"]}
    )
    from_frame = exp.log_table("history", frame, step=3)
    exp.finish()

    assert from_rows == "tables/predictions/00000000.json"
    assert from_frame == "tables/history/00000003.json"
    assert as_json(download(server, exp.id, from_rows)) == {
        "columns": ["id", "label", "score", "note"],
        "rows": [[1, "cat", 0.9, None], [2, "dog", 0.25, "blurry"]],
    }
    assert as_json(download(server, exp.id, from_frame)) == {
        "columns": ["epoch", "loss", "split"],
        "rows": [[1, 0.5, "train"], [2, 0.25, "train"], [3, 0.125, "val"]],
    }
    assert files(server, project, exp.number)[from_frame]["mime"] == "application/json"


def test_log_audio_is_stored_as_wav(server, project: str, workdir: Path) -> None:
    rate = 8000
    t = np.arange(rate // 4) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    exp = Experiment(project, "audio", code=False)
    path = exp.log_audio("tone", tone, sample_rate=rate)
    exp.finish()

    assert path == "media/tone/00000000.wav"
    with wave.open(io.BytesIO(download(server, exp.id, path))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, rate)
        assert wav.getnframes() == len(tone)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(samples, np.rint(tone * 32767).astype(np.int16))


def test_log_video_is_stored_as_gif(server, project: str, workdir: Path) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)]
    frames = np.stack([np.full((8, 10, 3), colour, dtype=np.uint8) for colour in colours])
    exp = Experiment(project, "video", code=False)
    path = exp.log_video("rollout", frames, fps=5)
    exp.finish()

    assert path == "media/rollout/00000000.gif"
    assert files(server, project, exp.number)[path]["mime"] == "image/gif"
    with Image.open(io.BytesIO(download(server, exp.id, path))) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(colours)
        assert gif.size == (10, 8)
        for index, colour in enumerate(colours):
            gif.seek(index)
            rgb = np.asarray(gif.convert("RGB"))
            assert (rgb == colour).all(), f"frame {index}"


def test_media_steps_count_per_name(server, project: str, workdir: Path) -> None:
    exp = Experiment(project, "steps", code=False)
    black = np.zeros((2, 2), dtype=np.uint8)
    paths = [exp.log_image("a", black), exp.log_image("a", black), exp.log_image("b", black)]
    paths.append(exp.log_image("a", black, step=9, caption="late"))
    exp.finish()

    assert paths == [
        "media/a/00000000.png",
        "media/a/00000001.png",
        "media/b/00000000.png",
        "media/a/00000009.png",
    ]
    stored = files(server, project, exp.number)
    assert set(paths) <= set(stored)
    assert download(server, exp.id, "media/a/00000009.caption.txt") == b"late"


# ------------------------------------------------------------------------ features, artifacts


def test_log_features_merges_into_the_features(server, project: str, workdir: Path) -> None:
    exp = Experiment(
        project,
        "merge",
        features={"optimizer": {"name": "sgd", "lr": 0.1}, "epochs": 3},
        code=False,
    )
    exp.log_features({"optimizer": {"lr": 0.01, "momentum": 0.9}, "seed": np.int64(7)})
    exp.log_features({"epochs": 5})
    exp.finish()

    assert experiment(server, project, exp.number)["featuresFull"] == {
        "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9},
        "epochs": 5,
        "seed": 7,
    }
    with pytest.raises(ValueError, match=r"features\.bad"):
        exp.log_features({"bad": float("nan")})


def test_log_artifacts_of_a_folder(server, project: str, workdir: Path) -> None:
    folder = workdir / "checkpoints"
    (folder / "sub").mkdir(parents=True)
    (folder / "__pycache__").mkdir()
    weights = os.urandom(50_000)
    (folder / "model.bin").write_bytes(weights)
    (folder / "config.json").write_text('{"depth": 12}')
    (folder / "sub" / "notes.txt").write_text("epoch 3")
    (folder / "scratch.tmp").write_text("temporary")
    (folder / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    single = workdir / "summary.csv"
    single.write_text("a,b\n1,2\n")

    exp = Experiment(project, "artifacts", code=False)
    with pytest.warns(UserWarning, match="left out 2 files") as caught:
        stored_paths = exp.log_artifacts(folder)
    moved = exp.log_artifacts(single, name="reports/summary.csv")
    renamed = exp.log_artifacts(single, name="reports/final/metrics.csv")
    as_is = exp.log_artifacts(single)
    exp.finish()

    assert sorted(stored_paths) == [
        "checkpoints/config.json",
        "checkpoints/model.bin",
        "checkpoints/sub/notes.txt",
    ]
    assert "scratch.tmp" in str(caught[0].message)
    assert (moved, renamed, as_is) == (
        ["reports/summary.csv"],
        ["reports/final/metrics.csv"],
        ["summary.csv"],
    )
    stored = files(server, project, exp.number)
    assert set(stored) == {*stored_paths, *moved, *renamed, *as_is}
    assert download(server, exp.id, "checkpoints/model.bin") == weights
    assert download(server, exp.id, "checkpoints/sub/notes.txt") == b"epoch 3"
    for path in (*moved, *renamed, *as_is):
        assert download(server, exp.id, path) == b"a,b\n1,2\n"
    assert stored["checkpoints/model.bin"]["size"] == len(weights)


# ------------------------------------------------------------------------ lifecycle


def test_an_exception_in_the_with_block_fails_the_experiment(server, project: str, workdir) -> None:
    with pytest.raises(RuntimeError, match="diverged"):
        with Experiment(project, "crashes", code=False) as exp:
            exp.log_metric("loss", 1.0)
            exp.log_metric("loss", float("nan"))
            raise RuntimeError("diverged")
    assert _active.active() is None
    stored = experiment(server, project, exp.number)
    assert stored["status"] == "FAILED"
    assert stored["progress"] != 100
    assert {row["metric"]: row["count"] for row in stored["measured"]} == {"loss": 2}


def test_a_with_block_that_ends_normally_completes(server, project: str, workdir: Path) -> None:
    with Experiment(project, "fine", code=False) as exp:
        assert research_sdk.active_experiment() is exp
        exp.log_metric("loss", 0.5)
    assert research_sdk.active_experiment() is None
    stored = experiment(server, project, exp.number)
    assert (stored["status"], stored["progress"]) == ("COMPLETE", 100)
    assert stored["measured"][0]["count"] == 1


EXIT_SCRIPT = """
import sys
from research_sdk import Experiment

exp = Experiment(project=sys.argv[1], name="exits", code=False)
for step in range(300):
    exp.log_metric("loss", 1.0 / (step + 1))
exp.log_text("log", "last words")
print(exp.number, flush=True)
if sys.argv[2] == "raise":
    raise RuntimeError("training diverged")
"""


@pytest.mark.parametrize(
    ("how", "status", "code"), [("exit", "COMPLETE", 0), ("raise", "FAILED", 1)]
)
def test_interpreter_exit_finishes_the_run(
    server, project: str, tmp_path: Path, how: str, status: str, code: int
) -> None:
    script = tmp_path / "train.py"
    script.write_text(EXIT_SCRIPT)
    done = run_script(script, project, how, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    if how == "raise":
        assert "training diverged" in done.stderr
    number = int(done.stdout.strip())
    stored = experiment(server, project, number)
    assert stored["status"] == status
    loss = {row["metric"]: row for row in stored["measured"]}["loss"]
    assert (loss["count"], loss["lastStep"], loss["last"]) == (300, 299, 1.0 / 300)
    assert "text/log/00000000.txt" in files(server, project, number)


def test_resume_continues_the_steps(server, project: str, workdir: Path) -> None:
    first = Experiment(project, "long_run", code=False)
    for value in (3.0, 2.0, 1.0):
        first.log_metric("loss", value)
    first.log_metric("lr", 0.1, step=40)
    first.finish()
    assert experiment(server, project, first.number)["status"] == "COMPLETE"

    again = Experiment.resume(project, first.number)
    assert (again.number, again.name) == (first.number, "long_run")
    assert again.log_metric("loss", 0.5) == 3
    assert again.log_metric("loss", 0.25) == 4
    assert again.log_metric("lr", 0.01) == 41
    assert again.flush()["pending"] == 0
    assert experiment(server, project, first.number)["status"] == "RUNNING"
    again.finish()

    assert experiment(server, project, first.number)["status"] == "COMPLETE"
    assert series(server, project, first.number, "loss") == [
        (0, 3.0),
        (1, 2.0),
        (2, 1.0),
        (3, 0.5),
        (4, 0.25),
    ]
    assert series(server, project, first.number, "lr") == [(40, 0.1), (41, 0.01)]
    assert experiments(server, project) == [
        {"number": first.number, "name": "long_run", "status": "COMPLETE"}
    ]


# ------------------------------------------------------------------------ environment, code

ENVIRONMENT_QUERY = """
query($project: String!, $number: Int!) {
  environment(project: $project, number: $number) {
    interpreter platform commandLine workingDirectory
    packages { name version }
    variables { name value }
    droppedVariables
  }
}
"""

ENVIRONMENT_SCRIPT = """
import sys
from research_sdk import Experiment

exp = Experiment(project=sys.argv[1], name="env", code=False)
exp.finish()
print(exp.number)
"""


def test_the_environment_is_recorded_without_secrets(server, project: str, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(ENVIRONMENT_SCRIPT)
    secret = "s3cr3t-do-not-store"
    done = run_script(
        script,
        project,
        "--lr",
        "0.1",
        cwd=tmp_path,
        env={
            "MY_API_TOKEN": secret,
            "TORCH_AUTH_TOKEN": secret,
            "DB_PASSWORD": secret,
            "OMP_NUM_THREADS": "3",
            "CUDA_VISIBLE_DEVICES": "0,1",
        },
    )
    assert done.returncode == 0, done.stderr
    number = int(done.stdout.strip())
    record = server.graphql(ENVIRONMENT_QUERY, {"project": project, "number": number})[
        "environment"
    ]

    assert record["interpreter"] == f"CPython {platform.python_version()}"
    assert record["interpreter"].startswith("CPython 3.")
    packages = {row["name"]: row["version"] for row in record["packages"]}
    assert packages["research-sdk"] == research_sdk.__version__
    assert packages["numpy"] == np.__version__
    assert record["commandLine"] == [sys.executable, str(script), project, "--lr", "0.1"]
    assert os.path.realpath(record["workingDirectory"]) == os.path.realpath(tmp_path)
    assert platform.machine() in record["platform"]
    variables = {row["name"]: row["value"] for row in record["variables"]}
    assert variables["OMP_NUM_THREADS"] == "3"
    assert variables["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert "HOME" in record["droppedVariables"]
    for name in ("MY_API_TOKEN", "TORCH_AUTH_TOKEN", "DB_PASSWORD", "RSDK_TOKEN"):
        assert name not in variables
        assert name not in record["droppedVariables"]
    assert secret not in json.dumps(record)


def test_no_environment_when_not_captured(server, project: str, workdir: Path) -> None:
    exp = Experiment(project, "bare", code=False, capture_environment=False)
    exp.finish()
    answer = server.graphql(ENVIRONMENT_QUERY, {"project": project, "number": exp.number})
    assert answer["environment"] is None


CODE_QUERY = """
query($project: String!, $number: Int!) {
  codeSnapshot(project: $project, number: $number) {
    format repository branch commit patchHash fileCount storedCount untrackedCount totalSize
    selfContained
  }
  codeTree(project: $project, number: $number) { entries { path } }
}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one commit, as the current directory."""
    root = tmp_path / "vit_repo"
    (root / "models").mkdir(parents=True)
    (root / "train.py").write_text("print('train')\n")
    (root / "models" / "vit.py").write_text("class ViT: ...\n")
    (root / "README.md").write_text("# ViT\n")
    git(root, "init", "-q")
    git(root, "checkout", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(root)
    return root


def test_code_capture_of_a_clean_git_repository(server, project: str, repo: Path) -> None:
    exp = Experiment(project, "clean")
    exp.finish()
    answer = server.graphql(CODE_QUERY, {"project": project, "number": exp.number})
    snapshot = answer["codeSnapshot"]

    assert snapshot["format"] == "git"
    assert snapshot["repository"] == "vit_repo"
    assert snapshot["branch"] == "main"
    assert snapshot["commit"] == git(repo, "rev-parse", "HEAD")
    assert snapshot["patchHash"] is None
    assert (snapshot["fileCount"], snapshot["untrackedCount"]) == (3, 0)
    sizes = sum(
        path.stat().st_size
        for path in repo.rglob("*")
        if ".git" not in path.parts and path.is_file()
    )
    assert snapshot["totalSize"] == sizes
    assert {entry["path"] for entry in answer["codeTree"]["entries"]} == {
        "train.py",
        "models/vit.py",
        "README.md",
    }


def test_code_capture_of_a_modified_git_repository(server, project: str, repo: Path) -> None:
    (repo / "train.py").write_text("print('train harder')\n")
    (repo / "models" / "new_head.py").write_text("HEAD = 1\n")
    exp = Experiment(project, "dirty")
    exp.finish()
    snapshot = server.graphql(CODE_QUERY, {"project": project, "number": exp.number})[
        "codeSnapshot"
    ]

    assert snapshot["format"] == "git"
    assert snapshot["commit"] == git(repo, "rev-parse", "HEAD")
    assert snapshot["patchHash"] and len(snapshot["patchHash"]) == 64
    assert (snapshot["fileCount"], snapshot["untrackedCount"]) == (4, 1)
    assert snapshot["storedCount"] == 4 and snapshot["selfContained"] is True


def test_code_capture_outside_git_is_a_tarball_and_can_be_off(
    server, project: str, workdir: Path
) -> None:
    (workdir / "train.py").write_text("print('hi')\n")
    captured = Experiment(project, "tarball")
    captured.finish()
    skipped = Experiment(project, "no_code", code=False)
    skipped.finish()

    snapshot = server.graphql(CODE_QUERY, {"project": project, "number": captured.number})
    assert snapshot["codeSnapshot"]["format"] == "tarball"
    assert snapshot["codeSnapshot"]["fileCount"] == 1
    assert [entry["path"] for entry in snapshot["codeTree"]["entries"]] == ["train.py"]
    none = server.graphql(
        "query($p: String!, $n: Int!) { codeSnapshot(project: $p, number: $n) { format } }",
        {"p": project, "n": skipped.number},
    )
    assert none["codeSnapshot"] is None


def test_the_finish_report_and_repr(server, project: str, workdir: Path, client_env: Path) -> None:
    exp = Experiment(project, "7_report", code=False)
    assert repr(exp) == f"Experiment(project={project!r}, number=7, name='7_report')"
    report = exp.finish()
    assert (report["pending"], report["failed"]) == (0, 0)
    assert Path(report["spool_dir"]).parent == client_env
    other = Experiment(project, "8_bad_status", code=False)
    with pytest.raises(ValueError, match="status"):
        other.finish(status="done")
    other.finish(status="failed")
    assert experiment(server, project, 8)["status"] == "FAILED"


# ------------------------------------------------------------------------------ hypotheses


def test_runs_are_linked_to_the_hypotheses_they_test(server, project: str, workdir: Path) -> None:
    first = Experiment(project, "1_baseline", features={"optimizer": {"lr": 0.001}}, code=False)
    first.log_metric("val_acc", 0.7)
    first.finish()
    created = server.graphql(
        """mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }""",
        {
            "input": {
                "project": project,
                "title": "A lower learning rate improves val_acc",
                "targets": [{"metric": "val_acc", "weight": 1.0}],
                "about": ["optimizer.lr"],
            }
        },
    )["createHypothesis"]["id"]

    second = Experiment(
        project,
        "2_from_1_low_lr",
        features={"optimizer": {"lr": 0.0001}},
        code=False,
        hypotheses=[created],
    )
    second.log_metric("val_acc", 0.8)
    first_again = Experiment.resume(project, 1)
    first_again.link_hypothesis(created)
    first_again.finish()
    second.finish()

    linked = server.graphql(
        "query($id: ID!) { hypothesis(id: $id) { experiments { number } } }", {"id": created}
    )["hypothesis"]["experiments"]
    assert sorted(item["number"] for item in linked) == [1, 2]
    with pytest.raises(ValueError, match="hypotheses"):
        Experiment(project, "3_from_1", code=False, hypotheses=[" "])


def test_a_link_to_a_missing_hypothesis_is_recorded_as_refused(
    server, project: str, workdir: Path
) -> None:
    exp = Experiment(
        project, "run", code=False, hypotheses=["0190f0f0-0000-7000-8000-000000000000"]
    )
    report = exp.finish()
    assert report["failed"] == 1, report
