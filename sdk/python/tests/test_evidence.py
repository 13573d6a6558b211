"""The evidence model end to end: runs logged with the SDK and linked to a hypothesis
(``Experiment(..., hypotheses=[id])``) decide its status through the server's background
recomputation: a real improvement of ``val_acc`` over the parent supports it, the opposite
effect refutes it, and the explanation names the run that weighs most."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from research_sdk import Experiment

pytestmark = pytest.mark.usefixtures("client_env")

#: How long a test waits for the background recomputation.
DEADLINE_SECONDS = 60

EVIDENCE = """query($id: ID!) { hypothesis(id: $id) { status
    evidence { score computedStatus effectiveStatus explanation inputs { linked withUnits }
               contributions { experiment contribution } } } }"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory outside any git repository."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def log_val_acc(run: Experiment, final: float) -> None:
    """30 steps climbing to ``final`` and holding it for the last 20 (a stable series)."""
    for step in range(30):
        run.log_metric("val_acc", final - 0.01 * max(0, 10 - step), step=step)


def baseline_run(server, project: str, value: float) -> None:
    """Run #1 of ``project``, finished, and ``val_acc`` configured as maximized (the metric
    must exist before a hypothesis can target it)."""
    with Experiment(project, "1_baseline", features={"warmup_steps": 0}, code=False) as run:
        log_val_acc(run, value)
    server.graphql(
        """mutation($p: String!) { setMetricConfig(project: $p,
           config: {name: "val_acc", direction: MAXIMIZE, aggregation: LAST}) { name } }""",
        {"p": project},
    )


def create_hypothesis(server, project: str) -> str:
    return server.graphql(
        """mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }""",
        {
            "input": {
                "project": project,
                "title": "Learning-rate warmup improves val_acc",
                "targets": [{"metric": "val_acc", "weight": 1.0}],
                "about": ["warmup_steps"],
                "baseline": {"kind": "PARENT"},
            }
        },
    )["createHypothesis"]["id"]


def child_runs(project: str, hypothesis: str, values: list[float]) -> None:
    """Runs #2, #3, ... from #1 with warmup, each linked to ``hypothesis`` at creation."""
    for number, value in enumerate(values, start=2):
        with Experiment(
            project,
            f"{number}_from_1_warmup",
            features={"warmup_steps": 500},
            code=False,
            hypotheses=[hypothesis],
        ) as run:
            log_val_acc(run, value)


def wait_for_status(server, hypothesis: str, status: str) -> dict:
    """Polls until the evidence has ``status`` and was computed after every linked run had
    finished with its metrics (the jobs run after each link, chunk and finish)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        found = server.graphql(EVIDENCE, {"id": hypothesis})["hypothesis"]
        evidence = found["evidence"] or {}
        every_run_counted = evidence.get("inputs") == {"linked": 4, "withUnits": 4}
        finished = "still planned or running" not in evidence.get("explanation", "")
        settled = every_run_counted and finished
        if settled and evidence.get("effectiveStatus") == status:
            return found
        assert time.monotonic() < deadline, f"no {status} after {DEADLINE_SECONDS} s: {found}"
        time.sleep(0.2)


def test_runs_with_a_real_effect_support_the_hypothesis(server, project: str, workdir: Path):
    baseline_run(server, project, 0.70)
    hypothesis = create_hypothesis(server, project)
    child_runs(project, hypothesis, [0.74, 0.76, 0.80, 0.78])

    supported = wait_for_status(server, hypothesis, "SUPPORTED")
    evidence = supported["evidence"]
    assert supported["status"] == "SUPPORTED"
    assert evidence["score"] >= 3.0
    assert [item["experiment"] for item in evidence["contributions"]] == [2, 3, 4, 5]
    assert all(item["contribution"] > 0 for item in evidence["contributions"])
    assert evidence["explanation"].startswith("Supported"), evidence["explanation"]
    assert "val_acc" in evidence["explanation"]
    assert "run 4 carries most weight" in evidence["explanation"]


def test_runs_with_the_opposite_effect_refute_the_hypothesis(server, project: str, workdir: Path):
    baseline_run(server, project, 0.80)
    hypothesis = create_hypothesis(server, project)
    child_runs(project, hypothesis, [0.76, 0.74, 0.70, 0.72])

    refuted = wait_for_status(server, hypothesis, "REFUTED")
    evidence = refuted["evidence"]
    assert refuted["status"] == "REFUTED"
    assert evidence["score"] <= -3.0
    assert all(item["contribution"] < 0 for item in evidence["contributions"])
    assert evidence["explanation"].startswith("Refuted"), evidence["explanation"]
    assert "run 4 carries most weight" in evidence["explanation"]
