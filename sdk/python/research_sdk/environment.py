"""What an experiment ran in: interpreter, packages, platform, accelerators, command line,
working directory and environment variables (the server keeps the project's allow-list and
drops names that look secret; names that look secret are not even sent)."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from typing import Any

_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE", re.I)
MAX_PACKAGES = 20_000


def packages() -> list[dict[str, str]]:
    """Installed distributions, each name once."""
    from importlib import metadata

    seen: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata.get("Name") if distribution.metadata else None
        if not name:
            continue
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key not in seen:
            seen[key] = distribution.version or ""
    return [{"name": name, "version": version} for name, version in sorted(seen.items())][
        :MAX_PACKAGES
    ]


def accelerators() -> list[dict[str, Any]]:
    """GPUs: from torch when it is already imported, else from nvidia-smi when present."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            by_name: dict[str, dict[str, Any]] = {}
            for index in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(index)
                entry = by_name.setdefault(
                    props.name,
                    {"name": props.name, "count": 0, "memoryBytes": int(props.total_memory)},
                )
                entry["count"] += 1
            driver = _nvidia_smi()
            for entry in by_name.values():
                if driver:
                    entry["driver"] = driver[0].get("driver")
            return list(by_name.values())
    except Exception:  # noqa: BLE001 - a broken CUDA setup must not stop the run
        pass
    grouped: dict[str, dict[str, Any]] = {}
    for gpu in _nvidia_smi():
        entry = grouped.setdefault(
            gpu["name"],
            {
                "name": gpu["name"],
                "count": 0,
                "memoryBytes": gpu["memory"],
                "driver": gpu["driver"],
            },
        )
        entry["count"] += 1
    return list(grouped.values())


def _nvidia_smi() -> list[dict[str, Any]]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        output = subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in output.strip().splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 3 and parts[1].isdigit():
            gpus.append(
                {"name": parts[0], "memory": int(parts[1]) * 1024 * 1024, "driver": parts[2]}
            )
    return gpus


def variables() -> list[dict[str, str]]:
    """Environment variables whose names do not look secret."""
    return [
        {"name": name, "value": value}
        for name, value in sorted(os.environ.items())
        if not _SECRET.search(name) and name.isprintable() and len(value) <= 4096
    ]


def capture() -> dict[str, Any]:
    """An ``EnvironmentInput`` for the running process."""
    return {
        "interpreter": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": packages(),
        "platform": f"{platform.platform()} {platform.machine()}",
        "accelerators": accelerators(),
        "commandLine": [sys.executable, *sys.argv][:1000],
        "workingDirectory": os.getcwd(),
        "variables": variables(),
    }
