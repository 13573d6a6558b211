"""A small sweep of real PyTorch trainings logged through rsdk, then questions about it.

Five runs form a DAG by their names (`2_from_1_…` derives from run 1): a baseline, a higher
learning rate, SGD instead of AdamW, a wider model, another seed. Each logs validation
accuracy and loss directly and its training loss through torch's `SummaryWriter`
(intercepted). Then the script asks the server questions in plain language
(`POST /api/v1/ask`) and searches the runs, printing each answer with the Cypher behind it.

    python examples/sweep_and_ask.py --steps 600

Needs RSDK_SERVER and RSDK_TOKEN; runs on CUDA when present (synthetic data, no downloads).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request

import torch
from torch import nn
from torch.utils.tensorboard import SummaryWriter

from research_sdk import Experiment, tensorboard


def run_features(optimizer: str, lr: float, width: int, seed: int) -> dict:
    return {"optimizer": {"name": optimizer, "lr": lr}, "model": {"width": width}, "seed": seed}


RUNS = [
    ("1_baseline", run_features("adamw", 1e-3, 256, 0)),
    ("2_from_1_lr_3e-3", run_features("adamw", 3e-3, 256, 0)),
    ("3_from_1_sgd", run_features("sgd", 1e-3, 256, 0)),
    ("4_from_2_wide", run_features("adamw", 3e-3, 1024, 0)),
    ("5_from_2_seed1", run_features("adamw", 3e-3, 256, 1)),
]

SET_METRIC = (
    "mutation($p: String!, $c: MetricConfigInput!) "
    "{ setMetricConfig(project: $p, config: $c) { name } }"
)
SEARCH = '{ search(query: "wide OR seed*") { total hits { kind title snippets { html } } } }'


QUESTIONS = [
    "best 3 runs by val_accuracy",
    "which run has the lowest val_loss",
    "what changed between 1 and 4",
    "which runs changed optimizer.lr and what did it do to val_accuracy",
    "which feature changes helped val_accuracy most",
    "val_accuracy of run 2 at step 300",
    "children of run 2",
    "summarize run 4",
    "what should I run next",
]


def call(path: str, body: dict) -> dict:
    request = urllib.request.Request(
        os.environ.get("RSDK_SERVER", "http://127.0.0.1:7878") + path,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {os.environ.get('RSDK_TOKEN', '')}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def train(project: str, name: str, features: dict, steps: int, logdir: str, device: str) -> float:
    torch.manual_seed(features["seed"])
    recorded = {**features, "steps": steps, "device": device}
    exp = Experiment(project=project, name=name, features=recorded)
    tensorboard.patch(exp)
    writer = SummaryWriter(log_dir=os.path.join(logdir, name))
    width = features["model"]["width"]
    model = nn.Sequential(
        nn.Linear(64, width), nn.GELU(), nn.Linear(width, width), nn.GELU(), nn.Linear(width, 10)
    ).to(device)
    generator = torch.Generator(device="cpu").manual_seed(1234)
    teacher = nn.Linear(64, 10)
    with torch.no_grad():
        teacher.weight.copy_(torch.randn(10, 64, generator=generator))
        teacher.bias.zero_()
    teacher = teacher.to(device)
    adamw = features["optimizer"]["name"] == "adamw"
    optimizer_class = torch.optim.AdamW if adamw else torch.optim.SGD
    optimizer = optimizer_class(model.parameters(), lr=features["optimizer"]["lr"])
    validation = torch.randn(4096, 64, generator=generator).to(device)
    validation_targets = teacher(validation).argmax(dim=1)
    accuracy = 0.0
    for step in range(steps + 1):
        inputs = torch.randn(512, 64, device=device)
        loss = nn.functional.cross_entropy(model(inputs), teacher(inputs).argmax(dim=1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            with torch.no_grad():
                logits = model(validation)
                val_loss = nn.functional.cross_entropy(logits, validation_targets).item()
                accuracy = (logits.argmax(dim=1) == validation_targets).float().mean().item()
            exp.log_metric("val_accuracy", accuracy, step=step)
            exp.log_metric("val_loss", val_loss, step=step)
            writer.add_scalar("train_loss", loss.item(), step)
            exp.progress(100 * step / steps)
    writer.close()
    exp.finish()
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--project", default="sweep_demo")
    parser.add_argument("--logdir", default="/tmp/rsdk-sweep-runs")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    started = time.perf_counter()
    for name, features in RUNS:
        accuracy = train(args.project, name, features, args.steps, args.logdir, device)
        print(f"{name}: val_accuracy {accuracy:.4f}")
    print(f"{len(RUNS)} runs on {device} in {time.perf_counter() - started:.1f} s")
    for metric, direction in [("val_accuracy", "MAXIMIZE"), ("val_loss", "MINIMIZE")]:
        config = {"name": metric, "direction": direction, "aggregation": "LAST"}
        call("/graphql", {"query": SET_METRIC, "variables": {"p": args.project, "c": config}})
    for question in QUESTIONS:
        answer = call("/api/v1/ask", {"project": args.project, "question": question})
        print(f"\nQ: {question}\nA: {answer['sentence']}")
        if answer["rows"]:
            print(f"   {answer['columns']}")
            for row in answer["rows"][:5]:
                print(f"   {row}")
        statements = [statement["name"] for statement in answer["cypher"]]
        print(f"   intent {answer['interpretation']['intent']}; cypher: {statements}")
    time.sleep(1)  # the search index follows the event bus within a moment
    found = call("/graphql", {"query": SEARCH})
    print(f"\nsearch `wide OR seed*`: {json.dumps(found['data']['search'])}")


if __name__ == "__main__":
    main()
