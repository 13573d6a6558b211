"""SDK logging benchmark: the caller's cost of one `log_metric` and end-to-end points/s from
one Python process, side by side with tensorboardX's `SummaryWriter.add_scalar` (torch's
where tensorboardX is not installed) on the same workload. Starts its own `rsdk serve`
(RSDK_BIN, default the release build) on a free port.

    make bench-sdk            # builds the release wheel and server, then runs this
    python bench/sdk_overhead.py --calls 1000000

Caller overhead is timed in batches of 1,000 calls (one clock read per batch, so the clock's
own cost does not count); the figure is the median (and p99) of the per-call time over the
batches. End-to-end is wall time from the first call until the data is durable: `finish()`
(the server acknowledged every chunk) for rsdk, `close()` (event file flushed) for
tensorboardX.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import tomllib

BATCH = 1_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path) -> tuple[subprocess.Popen, str, str]:
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/rsdk/target")
    binary = os.environ.get("RSDK_BIN") or os.path.join(target, "release", "rsdk")
    port = free_port()
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(root / "config"),
        "RSDK_DATA_DIR": str(root / "data"),
        "RSDK_BIND": f"127.0.0.1:{port}",
        "RSDK_LOG": "warn",
    }
    process = subprocess.Popen(
        [binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    token = tomllib.loads((root / "config" / "rsdk" / "config.toml").read_text())["token"]
    return process, url, token


def batches(call, calls: int) -> list[float]:
    """Per-call nanoseconds of each batch of BATCH calls."""
    per_call = []
    step = 0
    for _ in range(calls // BATCH):
        start = time.perf_counter_ns()
        for _ in range(BATCH):
            call(step)
            step += 1
        per_call.append((time.perf_counter_ns() - start) / BATCH)
    return per_call


def summary(per_call: list[float]) -> tuple[float, float]:
    ordered = sorted(per_call)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def bench_rsdk(calls: int, root: Path) -> dict:
    from research_sdk import Experiment

    process, url, token = start_server(root)
    try:
        os.environ.update(RSDK_SERVER=url, RSDK_TOKEN=token, RSDK_SPOOL_DIR=str(root / "spool"))
        exp = Experiment(project="bench", name="overhead", code=False, capture_environment=False)
        log = exp.log_metric
        start = time.perf_counter()
        per_call = batches(lambda step: log("loss", 0.5, step), calls)
        logged = time.perf_counter() - start
        report = exp.finish()
        total = time.perf_counter() - start
        assert report["pending"] == 0 and report["failed"] == 0, report
    finally:
        process.terminate()
        process.wait()
    median, p99 = summary(per_call)
    return {"median_ns": median, "p99_ns": p99, "points_per_s": calls / total, "logging_s": logged}


def summary_writer():
    """tensorboardX's SummaryWriter, else torch's (where only torch is installed)."""
    try:
        from tensorboardX import SummaryWriter

        return "tensorboardX", SummaryWriter
    except ImportError:
        from torch.utils.tensorboard import SummaryWriter

        return "torch SummaryWriter", SummaryWriter


def bench_summary_writer(calls: int, root: Path, writer_class) -> dict:
    writer = writer_class(str(root / "tb"))
    add = writer.add_scalar
    start = time.perf_counter()
    per_call = batches(lambda step: add("loss", 0.5, step), calls)
    logged = time.perf_counter() - start
    writer.close()
    total = time.perf_counter() - start
    median, p99 = summary(per_call)
    return {"median_ns": median, "p99_ns": p99, "points_per_s": calls / total, "logging_s": logged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="points per tracker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rsdk-bench-") as tmp:
        root = Path(tmp)
        peer, writer_class = summary_writer()
        results = {
            "rsdk": bench_rsdk(args.calls, root / "rsdk"),
            peer: bench_summary_writer(args.calls, root, writer_class),
        }
    print(
        f"{args.calls:,} log calls of one scalar from one Python process "
        f"({platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores)"
    )
    print(f"{'tracker':<20} {'median/call':>12} {'p99/call':>10} {'end-to-end':>16}")
    for name, result in results.items():
        print(
            f"{name:<20} {result['median_ns']:>9.0f} ns {result['p99_ns']:>7.0f} ns "
            f"{result['points_per_s']:>12,.0f} pts/s"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
