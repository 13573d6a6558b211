"""Fixtures: a real rsdk server (the `rsdk` binary cargo built) on a free loopback port, with
its own data directory, and the client settings pointing at it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[3]


def server_binary() -> Path:
    """`RSDK_BIN`, else the debug build in the cargo target directory."""
    if os.environ.get("RSDK_BIN"):
        return Path(os.environ["RSDK_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/rsdk/target")
    for candidate in (Path(target) / "debug" / "rsdk", REPO / "target" / "debug" / "rsdk"):
        if candidate.exists():
            return candidate
    pytest.exit("no rsdk binary: run `cargo build -p api --bin rsdk` or set RSDK_BIN", 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    token: str
    config_file: Path
    data_dir: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        import json

        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert not answer.get("errors"), answer["errors"]
        return answer["data"]


def start_server(root: Path, port: int | None = None) -> Server:
    """Starts `rsdk serve` with its data under `root` and waits until it is ready."""
    port = port or free_port()
    config_home = root / "config"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(config_home),
        "RSDK_DATA_DIR": str(root / "data"),
        "RSDK_BIND": f"127.0.0.1:{port}",
        "RSDK_LOG": "warn",
    }
    for name in ("RSDK_GRAPH", "RSDK_BLOBS", "RSDK_REDIS", "RSDK_SERVER", "RSDK_TOKEN"):
        env.pop(name, None)
    log = open(root / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [str(server_binary()), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((root / "server.log").read_text(errors="replace")[-4000:])
        time.sleep(0.1)
    config_file = config_home / "rsdk" / "config.toml"
    settings = tomllib.loads(config_file.read_text())
    return Server(url, settings["token"], config_file, root / "data", process)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One server for the whole session."""
    root = tmp_path_factory.mktemp("server")
    running = start_server(root)
    yield running
    running.stop()


@pytest.fixture
def client_env(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Client settings pointing at the session's server, and a spool of this test's own."""
    spool = tmp_path / "spool"
    monkeypatch.setenv("RSDK_SERVER", server.url)
    monkeypatch.setenv("RSDK_TOKEN", server.token)
    monkeypatch.setenv("RSDK_SPOOL_DIR", str(spool))
    monkeypatch.setenv("RSDK_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("RSDK_RERUN_OF", raising=False)
    monkeypatch.delenv("RSDK_PROJECT", raising=False)
    return spool


@pytest.fixture
def project() -> str:
    """A project name no other test uses."""
    return f"p_{uuid.uuid4().hex[:12]}"


def rsdk_cli() -> str:
    """The `rsdk` console script of the installed package."""
    found = shutil.which("rsdk", path=os.path.dirname(sys.executable))
    return found or shutil.which("rsdk") or "rsdk"


def _newest_wheel(path: Path) -> Path | None:
    if path.is_file():
        return path
    wheels = sorted(path.glob("research_sdk-*.whl"), key=lambda wheel: wheel.stat().st_mtime)
    return wheels[-1] if wheels else None


@pytest.fixture(scope="session")
def research_sdk_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding one research_sdk wheel (a `--find-links` folder for offline builds).

    `RSDK_WHEEL` names a wheel, or `RSDK_WHEEL_DIR` (`make test-python` sets it) a folder
    whose newest research_sdk wheel is taken; else `maturin build` (debug, in the cargo
    target directory) builds one from this checkout, which takes minutes when the native
    library is not built yet."""
    folder = tmp_path_factory.mktemp("wheel")
    variable = next(
        (name for name in ("RSDK_WHEEL", "RSDK_WHEEL_DIR") if os.environ.get(name)), None
    )
    if variable:
        given = os.environ[variable]
        wheel = _newest_wheel(Path(given))
        if wheel is None:
            pytest.fail(f"{variable}={given}: no research_sdk wheel there")
        shutil.copy2(wheel, folder)
        return folder
    maturin = shutil.which("maturin", path=os.path.dirname(sys.executable)) or shutil.which(
        "maturin"
    )
    if maturin is None:
        pytest.skip("no maturin to build the research_sdk wheel: install it or set RSDK_WHEEL")
    env = {
        **os.environ,
        "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR")
        or os.path.expanduser("~/.cache/rsdk/target"),
    }
    result = subprocess.run(
        [maturin, "build", "--interpreter", sys.executable, "-o", str(folder)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wheel = _newest_wheel(folder)
    if result.returncode != 0 or wheel is None:
        pytest.fail(f"maturin build failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return folder
