"""Offline runs: a script whose server cannot be reached keeps running and spools
everything; `rsdk sync` sends it once the server is back, exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, free_port, rsdk_cli, start_server
from server_results import download, experiment, experiments, files, series

STEPS = 500

OFFLINE_SCRIPT = """
import json, sys, time, warnings
import numpy as np
from research_sdk import Experiment

started = time.monotonic()
exp = Experiment(
    project=sys.argv[1],
    name="1_offline",
    features={"lr": 0.1, "model": {"depth": 12}},
    finish_timeout=1,
    code=False,
)
created = time.monotonic() - started
for step in range(__STEPS__):
    exp.log_metric("loss", 1.0 / (step + 1))
exp.log_metrics({"acc": 0.5, "f1": 0.25}, step=3)
exp.log_image("sample", np.full((4, 6, 3), 200, dtype=np.uint8))
exp.log_text("notes", "written offline")
exp.log_features({"model": {"depth": 24}, "seed": 1})
exp.note("offline run")
import pathlib
(pathlib.Path("ckpt") / "sub").mkdir(parents=True)
(pathlib.Path("ckpt") / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 40)
pathlib.Path("best.pt").write_bytes(b"best weights")
artifacts = exp.log_artifacts("ckpt") + exp.log_artifacts("best.pt", name="models/final.pt")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report = exp.finish()
print(json.dumps({
    "number": exp.number,
    "id": exp.id,
    "pending": report["pending"],
    "failed": report["failed"],
    "spool_dir": str(report["spool_dir"]),
    "artifacts": artifacts,
    "created_s": created,
    "total_s": time.monotonic() - started,
    "warnings": [str(warning.message) for warning in caught],
}))
""".replace("__STEPS__", str(STEPS))


@dataclass
class Scenario:
    project: str
    spool: Path
    script: subprocess.CompletedProcess
    report: dict[str, Any]
    spooled: list[str]
    sync_while_down: subprocess.CompletedProcess
    spool_kept_while_down: bool
    server: Server
    first_sync: subprocess.CompletedProcess
    second_sync: subprocess.CompletedProcess
    spool_after_sync: list[Path]


def client_env(server_url: str, token: str, spool: Path, config: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "RSDK_SERVER": server_url,
        "RSDK_TOKEN": token,
        "RSDK_SPOOL_DIR": str(spool),
        "RSDK_CONFIG": str(config),
    }
    for name in ("RSDK_RERUN_OF", "RSDK_PROJECT"):
        env.pop(name, None)
    return env


def rsdk_sync(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [rsdk_cli(), "sync"], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    """The whole story once: an offline run against a closed port, a sync while the server
    is still down, then a server started on that very port and two syncs."""
    root = tmp_path_factory.mktemp("offline")
    project = f"p_{uuid.uuid4().hex[:12]}"
    port = free_port()  # nothing listens there until the second server starts
    spool = root / "spool"
    offline = client_env(f"http://127.0.0.1:{port}", "rsdk_not_a_token", spool, root / "none.toml")
    script_path = root / "train.py"
    script_path.write_text(OFFLINE_SCRIPT)
    script = subprocess.run(
        [sys.executable, str(script_path), project],
        cwd=root,
        env=offline,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert script.returncode == 0, script.stderr
    report = json.loads(script.stdout.strip().splitlines()[-1])
    spooled = sorted(path.name for path in Path(report["spool_dir"]).iterdir())
    sync_while_down = rsdk_sync(offline)
    spool_kept_while_down = Path(report["spool_dir"]).is_dir()

    (root / "server").mkdir()
    server = start_server(root / "server", port=port)
    try:
        online = client_env(server.url, server.token, spool, root / "none.toml")
        first_sync = rsdk_sync(online)
        spool_after_sync = sorted(spool.iterdir()) if spool.exists() else []
        second_sync = rsdk_sync(online)
        yield Scenario(
            project=project,
            spool=spool,
            script=script,
            report=report,
            spooled=spooled,
            sync_while_down=sync_while_down,
            spool_kept_while_down=spool_kept_while_down,
            server=server,
            first_sync=first_sync,
            second_sync=second_sync,
            spool_after_sync=spool_after_sync,
        )
    finally:
        server.stop()


def test_the_script_keeps_running_and_spools_everything(scenario: Scenario) -> None:
    report = scenario.report
    assert report["number"] is None and report["id"] is None
    assert report["pending"] > 0
    assert report["failed"] == 0
    assert report["artifacts"] == ["ckpt/sub/weights.bin", "models/final.pt"]
    spool_dir = Path(report["spool_dir"])
    assert spool_dir.parent == scenario.spool
    assert "ops.jsonl" in scenario.spooled
    # Unreachable is not slow: creating it did not wait, finishing waited the 1 s asked.
    assert report["created_s"] < 5
    assert report["total_s"] < 15
    assert any("rsdk sync" in warning for warning in report["warnings"])
    assert "offline" in scenario.script.stderr


def test_a_sync_while_the_server_is_down_keeps_the_run(scenario: Scenario) -> None:
    assert scenario.sync_while_down.returncode == 1, scenario.sync_while_down.stderr
    assert scenario.spool_kept_while_down


def test_the_sync_sends_everything_once_the_server_is_back(scenario: Scenario) -> None:
    server, project = scenario.server, scenario.project
    assert scenario.first_sync.returncode == 0, scenario.first_sync.stderr
    assert scenario.spool_after_sync == []

    assert experiments(server, project) == [
        {"number": 1, "name": "1_offline", "status": "COMPLETE"}
    ]
    stored = experiment(server, project, 1)
    assert stored["progress"] == 100
    assert stored["notes"] == "offline run"
    assert stored["featuresFull"] == {"lr": 0.1, "model": {"depth": 24}, "seed": 1}
    assert series(server, project, 1, "loss") == [(step, 1.0 / (step + 1)) for step in range(STEPS)]
    assert series(server, project, 1, "acc") == [(3, 0.5)]
    summary = {row["metric"]: row["count"] for row in stored["measured"]}
    assert summary == {"loss": STEPS, "acc": 1, "f1": 1}
    stored_files = files(server, project, 1)
    assert set(stored_files) == {
        "media/sample/00000000.png",
        "text/notes/00000000.txt",
        "ckpt/sub/weights.bin",
        "models/final.pt",
    }
    assert download(server, stored["id"], "text/notes/00000000.txt") == b"written offline"
    assert download(server, stored["id"], "ckpt/sub/weights.bin") == bytes(range(256)) * 40
    assert download(server, stored["id"], "models/final.pt") == b"best weights"
    for path in stored_files:
        history = server.graphql(
            "query($p: String!, $path: String!) { fileHistory(project: $p, number: 1, "
            "path: $path) { version } }",
            {"p": project, "path": path},
        )["fileHistory"]
        assert [row["version"] for row in history] == [1], path


def test_a_second_sync_has_nothing_to_send(scenario: Scenario) -> None:
    assert scenario.second_sync.returncode == 0, scenario.second_sync.stderr
    assert "nothing to send" in scenario.second_sync.stdout
    # Nothing arrived twice.
    assert len(experiments(scenario.server, scenario.project)) == 1
    loss = {
        row["metric"]: row for row in experiment(scenario.server, scenario.project, 1)["measured"]
    }["loss"]
    assert (loss["count"], loss["lastStep"]) == (STEPS, STEPS - 1)


def test_the_sync_says_what_it_sent(scenario: Scenario) -> None:
    said = scenario.first_sync.stdout + scenario.first_sync.stderr
    assert scenario.project in said and "sent" in said
