"""The issue's acceptance test, end to end against a real server:

In a temporary git repository with a committed file, an uncommitted modification, a new
untracked file and a deleted file, run a small training script with the SDK against a real
server started by the test; then, in an empty directory on a path with no access to that
repository, `rsdk restore` rebuilds the tree byte for byte (compare every file), `rsdk rerun`
runs it, and the rerun's features equal the original's.

The training script runs in a small virtual environment of its own holding only the
research_sdk wheel (the `research_sdk_wheel` fixture), so that the environment it records
is one `rsdk rerun --find-links WHEELS --no-index` can rebuild offline.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Server, rsdk_cli

TIMEOUT = 300

TRAIN = """\
import hashlib
import json
import hashlib
import os

from research_sdk import Experiment

from model.helper import learning_rate, widen

exp = Experiment(project={project!r}, name="1_baseline", features="features.yaml")
with open("config/extra.json") as file:
    extra = json.load(file)
with open("assets/weights.bin", "rb") as file:
    weights = hashlib.sha256(file.read()).hexdigest()
exp.log_features(
    {{
        "optimizer": {{"lr": learning_rate()}},
        "width": widen(128),
        "extra": extra,
        "weights_sha256": weights,
        "obsolete_present": os.path.exists("obsolete.py"),
        "seed": os.environ.get("PYTHONHASHSEED"),
    }}
)
for step in range(5):
    exp.log_metric("loss", 1.0 / (1.0 + step * learning_rate()), step=step)
exp.finish()
print(f"logged experiment {{exp.number}}")
"""

FEATURES = """\
model:
  layers: 4
  activation: gelu
data:
  name: cifar10
  batch: 64
"""

HELPER_COMMITTED = "def learning_rate():\n    return 0.1\n\n\ndef widen(width):\n    return width\n"
HELPER_MODIFIED = (
    "def learning_rate():\n    return 0.01\n\n\ndef widen(width):\n    return width * 2\n"
)
# NUL, CR LF, a lone CR, bytes that are not UTF-8, and no final newline.
WEIGHTS = bytes(range(256)) * 3 + b"\r\n\x00\r\xff\xfe"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


def make_repository(repo: Path, project: str) -> None:
    """A committed tree, then an uncommitted modification, an untracked file and a deleted
    file (deleted from the working tree only, as a person would)."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "acceptance@example.com")
    git(repo, "config", "user.name", "acceptance")
    files = {
        "train.py": TRAIN.format(project=project),
        "features.yaml": FEATURES,
        "model/__init__.py": "",
        "model/helper.py": HELPER_COMMITTED,
        "obsolete.py": "print('this file is deleted before the run')\n",
        "run.sh": '#!/bin/sh\nexec python train.py "$@"\n',
    }
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    (repo / "assets").mkdir()
    (repo / "assets" / "weights.bin").write_bytes(WEIGHTS)
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "baseline")
    # A remote the restore could reach the repository through, were it still there.
    git(repo, "remote", "add", "origin", repo.as_uri())

    (repo / "model" / "helper.py").write_text(HELPER_MODIFIED)
    (repo / "config").mkdir()
    (repo / "config" / "extra.json").write_text('{"augment": true, "mixup": 0.2}\n')
    (repo / "obsolete.py").unlink()


def tree(root: Path, skip: tuple[str, ...]) -> dict[str, tuple[bytes, bool]]:
    """Every regular file below `root` (top-level `skip` folders left out): its content and
    whether it is executable."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in skip or not path.is_file() or path.is_symlink():
            continue
        files[relative] = (path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))
    return files


def client_environment(server: Server, tmp_path: Path) -> dict[str, str]:
    """The test's environment pointed at the server, with a spool of its own and no client
    config file."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RSDK_")}
    env.pop("PYTHONHASHSEED", None)
    env.update(
        RSDK_SERVER=server.url,
        RSDK_TOKEN=server.token,
        RSDK_SPOOL_DIR=str(tmp_path / "spool"),
        RSDK_CONFIG=str(tmp_path / "no-config.toml"),
    )
    return env


@pytest.fixture(scope="module")
def sdk_python(research_sdk_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a virtual environment holding only the research_sdk wheel (and what
    `venv` brings)."""
    venv = tmp_path_factory.mktemp("sdk-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    python = venv / "bin" / "python"
    wheels = [str(wheel) for wheel in research_sdk_wheel.glob("*.whl")]
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check"]
        + wheels,
        check=True,
        timeout=TIMEOUT,
    )
    return python


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    print(f"$ {' '.join(args)}\n{result.stdout}{result.stderr}")
    return result


QUERY = """
query Acceptance($project: String!) {
  original: experiment(project: $project, number: 1) { name status featuresFull rerunOf { number } }
  rerun: experiment(project: $project, number: 2) {
    name status featuresFull rerunOf { number }
  }
  originalEnvironment: environment(project: $project, number: 1) {
    interpreter packages { name version }
  }
  rerunEnvironment: environment(project: $project, number: 2) {
    interpreter packages { name version }
  }
  codeTree(project: $project, number: 2, against: 1) { against entries { path status } }
}
"""


def test_restore_and_rerun_without_the_repository(
    server: Server, project: str, sdk_python: Path, research_sdk_wheel: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "work" / "repo"
    repo.parent.mkdir()
    make_repository(repo, project)
    env = client_environment(server, tmp_path)

    trained = run([str(sdk_python), "train.py"], env, repo)
    assert trained.returncode == 0, trained.stderr
    assert "logged experiment 1" in trained.stdout

    # The tree as the run saw it; then the repository goes away.
    at_run_time = tree(repo, skip=(".git",))
    assert set(at_run_time) == {
        "train.py",
        "features.yaml",
        "model/__init__.py",
        "model/helper.py",
        "run.sh",
        "assets/weights.bin",
        "config/extra.json",
    }
    shutil.move(repo, tmp_path / "gone")
    assert not repo.exists()

    # Restore into an empty directory elsewhere.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    restored = elsewhere / "restored"
    restored.mkdir()
    cli = rsdk_cli()
    restore = run(
        [cli, "restore", "--project", project, "--experiment", "1", "--dir", str(restored)],
        env,
        elsewhere,
    )
    assert restore.returncode == 0, restore.stderr
    count = len(at_run_time)
    assert f"restored experiment 1 (1_baseline) of project {project} into {restored}" in (
        restore.stdout
    )
    assert f"verified {count} files against the manifest: {count} match\n" in restore.stdout
    assert tree(restored, skip=(".rsdk",)) == at_run_time
    assert not (restored / "obsolete.py").exists()
    assert not (restored / ".git").exists()
    assert (restored / ".rsdk" / "features.yaml").is_file()
    # The verified restore is recorded: it counts in the confidence of the run's evidence.
    check = server.graphql(
        "query($project: String!) {"
        " restoreCheck(project: $project, number: 1) { verified detail } }",
        {"project": project},
    )["restoreCheck"]
    assert check == {
        "verified": True,
        "detail": f"verified {count} files against the manifest: {count} match",
    }

    # Rerun it: restore, build the environment offline, run the captured command.
    rerun_dir = elsewhere / "rerun"
    rerun = run(
        [
            cli,
            "rerun",
            "--project",
            project,
            "--experiment",
            "1",
            "--dir",
            str(rerun_dir),
            "--find-links",
            str(research_sdk_wheel),
            "--no-index",
        ],
        env,
        elsewhere,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"verified {count} files against the manifest: {count} match\n" in rerun.stdout
    venv_python = rerun_dir / ".rsdk" / "venv" / "bin" / "python"
    assert f"built {venv_python.parent.parent} with CPython" in rerun.stdout
    assert f"running {venv_python} train.py in {rerun_dir}" in rerun.stdout
    assert "logged experiment 2" in rerun.stdout
    assert "the rerun of experiment 1 exited with status 0" in rerun.stdout
    assert tree(rerun_dir, skip=(".rsdk",)) == at_run_time

    answer = server.graphql(QUERY, {"project": project})
    original, second = answer["original"], answer["rerun"]
    assert original["status"] == second["status"] == "COMPLETE"
    assert original["rerunOf"] is None
    assert second["rerunOf"] == {"number": 1}
    assert second["featuresFull"] == original["featuresFull"]
    # The features show the run saw the tree as it was: the modification, the untracked
    # file, the binary file, and not the deleted file.
    assert original["featuresFull"] == {
        "model": {"layers": 4, "activation": "gelu"},
        "data": {"name": "cifar10", "batch": 64},
        "optimizer": {"lr": 0.01},
        "width": 256,
        "extra": {"augment": True, "mixup": 0.2},
        "weights_sha256": hashlib.sha256(WEIGHTS).hexdigest(),
        "obsolete_present": False,
        "seed": None,
    }
    # The same interpreter and packages, and the same code.
    assert answer["rerunEnvironment"] == answer["originalEnvironment"]
    names = {package["name"] for package in answer["originalEnvironment"]["packages"]}
    assert "research-sdk" in names or "research_sdk" in names
    assert answer["codeTree"]["against"] == 1
    entries = {entry["path"]: entry["status"] for entry in answer["codeTree"]["entries"]}
    assert entries == dict.fromkeys(at_run_time, "UNCHANGED")


def test_a_rerun_sets_the_captured_variables(
    server: Server, project: str, sdk_python: Path, tmp_path: Path
) -> None:
    """PYTHONHASHSEED is on the default allow-list: the record keeps it, and a rerun in an
    environment without it must set it again for the features to be the same."""
    repo = tmp_path / "repo"
    make_repository(repo, project)
    env = client_environment(server, tmp_path)
    trained = run([str(sdk_python), "train.py"], {**env, "PYTHONHASHSEED": "7"}, repo)
    assert trained.returncode == 0, trained.stderr

    rerun = run(
        [
            rsdk_cli(),
            "rerun",
            "--project",
            project,
            "--experiment",
            "1",
            "--dir",
            str(tmp_path / "rerun"),
            "--interpreter",
            str(sdk_python),
        ],
        env,
        tmp_path,
    )
    assert rerun.returncode == 0, rerun.stderr
    answer = server.graphql(QUERY, {"project": project})
    assert answer["original"]["featuresFull"]["seed"] == "7"
    assert answer["rerun"]["featuresFull"] == answer["original"]["featuresFull"]
