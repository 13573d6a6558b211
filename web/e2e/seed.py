"""Seeds the end-to-end tests' project through research_sdk, the way a researcher's scripts would.

    python seed.py seed --config CLIENT_TOML --workdir DIR   # prints {"hypothesis": id} as JSON
    python seed.py live --config CLIENT_TOML --number N --metric M --step S --value V

`seed`: five runs of project `vision` with features, metrics, code snapshots, files and media,
and one hypothesis. What no training script does is done over GraphQL with the same token:
the project's description and metric directions, the hypothesis, and the planned run #5 (a
plan is made before any script runs). `live`: resumes run N, logs one point and finishes it
again, for the UI's live updates. The client settings (server and token) are the file
`rsdk serve` wrote on its first start.
"""

from __future__ import annotations

import argparse
import json
import math
import urllib.request
from pathlib import Path

import numpy as np
import tomllib

from research_sdk import Experiment

PROJECT = "vision"
HYPOTHESIS = "Adam improves accuracy"

# accuracy (maximize) and loss (minimize), logged at steps 0..50; run 4's loss diverged.
RUNS = [
    {
        "name": "baseline",
        "parent": None,
        "status": "complete",
        "acc": 0.7,
        "loss": 0.9,
        "features": {"optimizer": "sgd", "lr": 0.1, "width": 64},
    },
    {
        "name": "wide-adam",
        "parent": 1,
        "status": "complete",
        "acc": 0.78,
        "loss": 0.7,
        "features": {"optimizer": "adam", "lr": 0.001, "width": 128},
    },
    {
        "name": "deep-sgd",
        "parent": 1,
        "status": "complete",
        "acc": 0.65,
        "loss": 1.0,
        "features": {"optimizer": "sgd", "lr": 0.1, "width": 64, "depth": 50},
    },
    {
        "name": "diverged-lr",
        "parent": 2,
        "status": "failed",
        "acc": 0.5,
        "loss": math.nan,
        "features": {"optimizer": "adam", "lr": 1.0, "width": 128},
    },
]
PLANNED = {
    "name": "planned-momentum",
    "parent": 1,
    "features": {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
}

# Files: two on #1; its child #2 changes the config, adds a file and keeps the readme (a tree
# is per experiment: the same content logged again).
README = "# Baseline\n\nPlain SGD.\n"
FILES = {
    1: {"config.yaml": "optimizer: sgd\nlr: 0.1\nwidth: 64\n", "docs/readme.md": README},
    2: {
        "config.yaml": "optimizer: adam\nlr: 0.1\nwidth: 128\n",
        "docs/readme.md": README,
        "model.py": "WIDTH = 128\n",
    },
}

# Code snapshots: #2 changes the training script and adds a module against #1.
CODE = {
    1: {"train.py": "import model\n\nLR = 0.1\nOPTIMIZER = 'sgd'\n\nmodel.fit(LR)\n"},
    2: {
        "train.py": "import model\n\nLR = 0.001\nOPTIMIZER = 'adam'\n\nmodel.fit(LR)\n",
        "schedule.py": "def warmup(step):\n    return min(1.0, step / 100)\n",
    },
}


class Client:
    """GraphQL with the client settings' token, for what the SDK does not do."""

    def __init__(self, config: Path) -> None:
        settings = tomllib.loads(config.read_text())
        self.server, self.token = settings["server"], settings["token"]

    def __call__(self, query: str, **variables: object) -> dict:
        request = urllib.request.Request(
            f"{self.server}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise RuntimeError(f"{query[:60]}: {answer['errors']}")
        return answer["data"]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def log_media(run: Experiment, workdir: Path) -> None:
    """One of each kind the experiment view draws inline."""
    x, y = np.meshgrid(np.linspace(0, 1, 32), np.linspace(0, 1, 24))
    run.log_image("samples", np.stack([x, y, 1 - x], axis=-1), step=0, caption="a gradient")
    run.log_audio(
        "tone", 0.3 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000), step=0, sample_rate=8000
    )
    run.log_text("notes", "Adam with a wider model.\nConverges in half the steps.", step=0)
    run.log_table(
        "confusion", [{"class": "cat", "recall": 0.91}, {"class": "dog", "recall": 0.84}], step=0
    )
    csv = workdir / "per_class.csv"
    csv.write_text('class,precision,note\ncat,0.88,"fluffy, mostly"\ndog,0.81,\n')
    run.log_artifacts(csv, name="results/per_class.csv")


def seed(config: Path, workdir: Path) -> dict:
    gql = Client(config)
    gql(
        "mutation($n: String!, $d: String!) "
        "{ createProject(input: {name: $n, description: $d}) { id } }",
        n=PROJECT,
        d="Image classification runs",
    )
    for name, direction in (("accuracy", "MAXIMIZE"), ("loss", "MINIMIZE")):
        gql(
            "mutation($p: String!, $c: MetricConfigInput!) "
            "{ setMetricConfig(project: $p, config: $c) { name } }",
            p=PROJECT,
            c={"name": name, "direction": direction, "aggregation": "LAST"},
        )
    hypothesis = gql(
        "mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }",
        input={
            "project": PROJECT,
            "title": HYPOTHESIS,
            "description": "Adam beats plain SGD on this model.",
            "targets": [{"metric": "accuracy", "weight": 1}, {"metric": "loss", "weight": 0.5}],
            "about": ["optimizer"],
        },
    )["createHypothesis"]["id"]

    for number, spec in enumerate(RUNS, start=1):
        code_dir = write_tree(workdir / f"code{number}", CODE[number]) if number in CODE else None
        run = Experiment(
            PROJECT,
            spec["name"],
            spec["features"],
            parent=spec["parent"],
            config_file=config,
            code="tarball" if code_dir else False,
            code_dir=code_dir,
            capture_environment=number == 2,
            hypotheses=[hypothesis] if number in (2, 3) else (),
        )
        if run.number != number:
            raise RuntimeError(f"expected experiment {number}, got {run.number}")
        diverged = math.isnan(spec["loss"])
        for step in range(0, 51, 10):
            progress = step / 50
            # A diverged run's loss is 2 → 1 until its last step, which is NaN.
            loss = (2 if diverged else spec["loss"]) * (2 - progress)
            if diverged and step == 50:
                loss = math.nan
            accuracy = spec["acc"] * (0.5 + progress / 2)
            run.log_metrics({"accuracy": accuracy, "loss": loss}, step=step)
        for path, text in FILES.get(number, {}).items():
            file = workdir / f"files{number}" / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text)
            run.log_artifacts(file, name=path)
        if number == 2:
            log_media(run, workdir)
        run.finish(spec["status"])

    planned = gql(
        "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { number } }",
        input={
            "project": PROJECT,
            "name": PLANNED["name"],
            "parentNumber": PLANNED["parent"],
            "features": json.dumps(PLANNED["features"]),
        },
    )["createExperiment"]["number"]
    if planned != len(RUNS) + 1:
        raise RuntimeError(f"expected experiment {len(RUNS) + 1}, got {planned}")
    # The evidence computed now, not by the background job.
    gql("mutation($id: ID!) { recomputeEvidence(id: $id) { score } }", id=hypothesis)
    return {"hypothesis": hypothesis}


def live(config: Path, number: int, metric: str, step: int, value: float) -> dict:
    run = Experiment.resume(PROJECT, number, config_file=config)
    run.log_metric(metric, value, step=step)
    run.flush()
    run.finish("complete")
    return {"number": number, "metric": metric, "step": step}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--config", type=Path, required=True)
    seeding.add_argument("--workdir", type=Path, required=True)
    point = commands.add_parser("live")
    point.add_argument("--config", type=Path, required=True)
    point.add_argument("--number", type=int, required=True)
    point.add_argument("--metric", required=True)
    point.add_argument("--step", type=int, required=True)
    point.add_argument("--value", type=float, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = seed(args.config, args.workdir)
    else:
        result = live(args.config, args.number, args.metric, args.step, args.value)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
