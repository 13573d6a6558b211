"""A real PyTorch training logged through rsdk two ways at once: directly with
`Experiment.log_metric` and, unchanged, through torch's `SummaryWriter` intercepted by
`research_sdk.tensorboard.patch()`. Synthetic data (no downloads); runs on CUDA when present.

    python examples/train_torch.py --steps 2000

Prints the training figures and how much time the logging calls took inside the loop.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--project", default="torch_demo")
    parser.add_argument("--logdir", default="/tmp/rsdk-torch-runs")
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    features = {
        "model": {"width": 512, "depth": 4},
        "optimizer": {"name": "adamw", "lr": 1e-3},
        "batch_size": 1024,
        "steps": args.steps,
        "device": device,
    }
    exp = Experiment(
        project=args.project,
        name="1_mlp_baseline",
        features=features,
        code_dir=os.path.dirname(os.path.abspath(__file__)),
    )
    tensorboard.patch(exp)
    writer = SummaryWriter(log_dir=args.logdir)

    width, depth = features["model"]["width"], features["model"]["depth"]
    layers: list[nn.Module] = [nn.Linear(64, width), nn.GELU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.GELU()]
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers).to(device)
    teacher = nn.Linear(64, 10).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=features["optimizer"]["lr"])

    logging_ns = 0
    start = time.perf_counter()
    for step in range(args.steps):
        inputs = torch.randn(features["batch_size"], 64, device=device)
        targets = teacher(inputs).argmax(dim=1)
        loss = nn.functional.cross_entropy(model(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            value = loss.item()  # one device sync every 10 steps, as a real script would
            accuracy = (model(inputs).argmax(dim=1) == targets).float().mean().item()
            t0 = time.perf_counter_ns()
            exp.log_metric("train/loss", value, step=step)
            exp.log_metric("train/accuracy", accuracy, step=step)
            writer.add_scalar("tb/loss", value, step)
            logging_ns += time.perf_counter_ns() - t0
        if step % 500 == 0:
            writer.add_histogram("weights/first", model[0].weight.detach().cpu(), step)
            exp.progress(100 * step / args.steps)
    elapsed = time.perf_counter() - start
    writer.add_hparams({"lr": features["optimizer"]["lr"], "width": width}, {"final_loss": value})
    image = model[0].weight.detach().cpu()[:64, :64]
    exp.log_image("first_layer", (image - image.min()) / (image.max() - image.min()))
    writer.close()
    report = exp.finish()
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(
        f"device: {name}; {args.steps} steps in {elapsed:.2f} s; final loss {value:.4f}, "
        f"accuracy {accuracy:.3f}"
    )
    print(
        f"logging inside the loop: {logging_ns / 1e6:.2f} ms in total "
        f"({100 * logging_ns / 1e9 / elapsed:.3f} % of the loop; 2 rsdk calls + 1 intercepted "
        f"SummaryWriter call per 10 steps)"
    )
    print(f"experiment {exp.number}: finish report {report}")
    print_stored(args.project, exp.number)


def print_stored(project: str, number: int) -> None:
    """What the server holds for the run (RSDK_SERVER / RSDK_TOKEN)."""
    query = """query($p: String!, $n: Int!) { experiment(project: $p, number: $n) {
        status featuresFull measured { metric count last lastStep } } }"""
    request = urllib.request.Request(
        os.environ.get("RSDK_SERVER", "http://127.0.0.1:7878") + "/graphql",
        data=json.dumps({"query": query, "variables": {"p": project, "n": number}}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {os.environ.get('RSDK_TOKEN', '')}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        experiment = json.loads(response.read())["data"]["experiment"]
    print(f"stored: status {experiment['status']}, features {experiment['featuresFull']}")
    for row in experiment["measured"]:
        print(
            f"  {row['metric']:<22} count {row['count']:>5}  last step {row['lastStep']:>5}  "
            f"last {row['last']}"
        )


if __name__ == "__main__":
    main()
