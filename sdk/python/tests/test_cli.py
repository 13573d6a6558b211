"""The `rsdk` client commands against a real server: projects, experiments list, login,
restore (its errors and git mode), env build, sync, help and the hints of errors."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib
from conftest import Server, free_port, rsdk_cli

from research_sdk import Experiment

TIMEOUT = 300


def rsdk(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [rsdk_cli(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    print(f"$ rsdk {' '.join(args)}\n{result.stdout}{result.stderr}")
    return result


def bare_environment(tmp_path: Path) -> dict[str, str]:
    """The test's environment without any rsdk setting: no server, no token, a config file
    that does not exist, an empty spool."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RSDK_")}
    env.update(
        RSDK_CONFIG=str(tmp_path / "no-config.toml"),
        RSDK_SPOOL_DIR=str(tmp_path / "spool"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
    )
    return env


@pytest.fixture
def env(server: Server, tmp_path: Path) -> dict[str, str]:
    """The environment of a client of the session's server."""
    return {**bare_environment(tmp_path), "RSDK_SERVER": server.url, "RSDK_TOKEN": server.token}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


def files_below(root: Path) -> dict[str, bytes]:
    """Every file below `root` but the top-level `.git/` and `.rsdk/`, with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).parts[0] not in (".git", ".rsdk")
    }


@dataclass
class Captured:
    """A project whose experiment 1 captured the code of `repo` (a commit, a modified
    file, an untracked file, a deleted file) and whose experiment 2 is its child without
    code or environment."""

    project: str
    repo: Path
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def captured(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Captured:
    root = tmp_path_factory.mktemp("captured")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "cli@example.com")
    git(repo, "config", "user.name", "cli")
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("print('training')\n")
    (repo / "README.md").write_text("# a project\n")
    (repo / "data.bin").write_bytes(bytes(range(256)))
    (repo / "old.txt").write_text("deleted before the run\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "src" / "train.py").write_text("print('training, modified')\n")
    (repo / "notes.txt").write_text("untracked\n")
    (repo / "old.txt").unlink()

    project = f"cli_{os.urandom(6).hex()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RSDK_SPOOL_DIR", str(root / "spool"))
        patch.delenv("RSDK_RERUN_OF", raising=False)
        options = {
            "server": server.url,
            "token": server.token,
            "config_file": root / "no-config.toml",
            "capture_environment": False,
        }
        first = Experiment(project, "1_baseline", {"lr": 0.1}, code_dir=repo, **options)
        first.log_metric("loss", 0.5)
        first.finish()
        second = Experiment(project, "2_from_1_tuned", {"lr": 0.2}, code=False, **options)
        second.finish()
    assert (first.number, second.number) == (1, 2)
    return Captured(project, repo, files_below(repo))


# -- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ((), ["login", "projects", "experiments", "restore", "env", "rerun", "sync"]),
        (("login",), ["--email", "--token", "--server", "--client-config"]),
        (("projects",), ["--server", "--token", "--client-config"]),
        (("experiments", "list"), ["--project", "--limit", "--json"]),
        (("restore",), ["--experiment", "--project", "--dir", "--mode", "--repo"]),
        (("env", "build"), ["--experiment", "--venv", "--python", "--find-links", "--no-index"]),
        (("rerun",), ["--dir", "--interpreter", "--find-links", "--no-index", "--no-uv"]),
        (("sync",), ["--server", "--token"]),
    ],
)
def test_help_names_the_options(command: tuple[str, ...], options: list[str], tmp_path) -> None:
    result = rsdk(*command, "--help", env=bare_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout


def test_a_missing_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = rsdk("restore", "--project", "p", env=bare_environment(tmp_path))
    assert result.returncode == 2
    assert "--experiment" in result.stderr


# -- projects and experiments -------------------------------------------------------------


def test_projects_lists_the_project(captured: Captured, env) -> None:
    result = rsdk("projects", env=env)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(captured.project))
    assert re.search(r"\s2 experiments", line), line


def test_experiments_list_as_a_table_and_as_json(captured: Captured, env) -> None:
    table = rsdk("experiments", "list", "--project", captured.project, env=env)
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["#", "status", "%", "parent", "created", "name"]
    assert [row.split()[0] for row in rows] == ["1", "2"]
    assert rows[0].split()[1] == "complete" and rows[0].endswith("1_baseline")
    assert rows[1].split()[3] == "1" and rows[1].endswith("2_from_1_tuned")

    listed = rsdk("experiments", "list", "--project", captured.project, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(line["number"], line["name"], line["parent"]) for line in lines] == [
        (1, "1_baseline", None),
        (2, "2_from_1_tuned", 1),
    ]
    assert {line["status"] for line in lines} == {"complete"}

    limited = rsdk("experiments", "list", "-p", captured.project, "--limit", "1", "--json", env=env)
    assert [json.loads(line)["number"] for line in limited.stdout.splitlines()] == [1]


def test_an_unknown_project_is_named(env) -> None:
    result = rsdk("experiments", "list", "--project", "no_such_project_here", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no_such_project_here" in result.stderr or "not found" in result.stderr.lower()


# -- login ----------------------------------------------------------------------------------


def test_login_with_a_token_saves_the_config(server: Server, captured: Captured, tmp_path) -> None:
    config = tmp_path / "client" / "config.toml"
    bare = bare_environment(tmp_path)
    result = rsdk(
        "login",
        "--token",
        server.token,
        "--server",
        server.url,
        "--client-config",
        str(config),
        env=bare,
    )
    assert result.returncode == 0, result.stderr
    assert f"signed in to {server.url} as admin@localhost" in result.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    settings = tomllib.loads(config.read_text())
    assert (settings["server"], settings["token"]) == (server.url, server.token)

    # Later commands read it: named with --client-config, or through RSDK_CONFIG.
    for args, environment in (
        (("--client-config", str(config)), bare),
        ((), {**bare, "RSDK_CONFIG": str(config)}),
    ):
        projects = rsdk("projects", *args, env=environment)
        assert projects.returncode == 0, projects.stderr
        assert captured.project in projects.stdout


def test_login_without_a_token_or_email_says_what_to_pass(server: Server, tmp_path) -> None:
    result = rsdk("login", "--server", server.url, env=bare_environment(tmp_path))
    assert result.returncode == 1
    assert "--token" in result.stderr and "--email" in result.stderr


def test_login_with_a_wrong_token_is_refused(server: Server, tmp_path) -> None:
    config = tmp_path / "config.toml"
    result = rsdk(
        "login",
        "--token",
        "not-a-token",
        "--server",
        server.url,
        "--client-config",
        str(config),
        env=bare_environment(tmp_path),
    )
    assert result.returncode == 1
    assert "hint: sign in with `rsdk login`" in result.stderr
    assert not config.exists()


def first_admin_password(server: Server) -> str | None:
    """The one-time password the server's first start printed to its log."""
    log = (server.data_dir.parent / "server.log").read_text(errors="replace")
    found = re.search(r"sign in as \S+ with password (\S+)", log)
    return found.group(1) if found else None


def test_login_with_a_wrong_password_fails(server: Server, tmp_path) -> None:
    config = tmp_path / "config.toml"
    result = rsdk(
        "login",
        "--email",
        "admin@localhost",
        "--server",
        server.url,
        "--client-config",
        str(config),
        env={**bare_environment(tmp_path), "RSDK_PASSWORD": "wrong"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: the server refused Login: not signed in: wrong email or password\n"
    ), result.stderr
    assert "hint: check the email and the password" in result.stderr
    assert not config.exists()


def test_login_with_email_and_password(server: Server, captured: Captured, tmp_path) -> None:
    password = first_admin_password(server)
    if password is None:
        pytest.skip("the server log holds no first-start password")
    config = tmp_path / "config.toml"
    bare = bare_environment(tmp_path)
    result = rsdk(
        "login",
        "--email",
        "admin@localhost",
        "--server",
        server.url,
        "--client-config",
        str(config),
        env={**bare, "RSDK_PASSWORD": password},
    )
    assert result.returncode == 0, result.stderr
    assert "as admin@localhost" in result.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    token = tomllib.loads(config.read_text())["token"]
    assert token and token != server.token
    projects = rsdk("projects", "--client-config", str(config), env=bare)
    assert projects.returncode == 0, projects.stderr
    assert captured.project in projects.stdout


# -- restore --------------------------------------------------------------------------------


def test_restore_of_an_unknown_experiment(captured: Captured, env, tmp_path: Path) -> None:
    target = tmp_path / "restored"
    result = rsdk("restore", "-p", captured.project, "-e", "99", "--dir", str(target), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: "), result.stderr
    assert "99" in result.stderr or "not found" in result.stderr.lower()
    assert not target.exists()


def test_restore_of_an_experiment_without_code(captured: Captured, env, tmp_path) -> None:
    target = tmp_path / "restored"
    result = rsdk("restore", "-p", captured.project, "-e", "2", "--dir", str(target), env=env)
    assert result.returncode == 1
    assert "code snapshot" in result.stderr and "not found" in result.stderr
    assert not target.exists()


def test_restore_refuses_a_non_empty_folder(captured: Captured, env, tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "mine.txt").write_text("keep me\n")
    result = rsdk("restore", "-p", captured.project, "-e", "1", "--dir", str(target), env=env)
    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert files_below(target) == {"mine.txt": b"keep me\n"}
    assert not (target / ".rsdk").exists()


def test_restore_defaults_to_project_dash_number(captured: Captured, env, tmp_path: Path) -> None:
    result = rsdk("restore", "-p", captured.project, "-e", "1", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    target = tmp_path / f"{captured.project}-1"
    assert files_below(target) == captured.files
    assert (target / ".rsdk" / "features.yaml").read_text().strip() == "lr: 0.1"


def test_git_mode_without_the_repository_asks_for_it(
    captured: Captured, env, tmp_path: Path
) -> None:
    target = tmp_path / "restored"
    result = rsdk(
        "restore",
        "-p",
        captured.project,
        "-e",
        "1",
        "--mode",
        "git",
        "--dir",
        str(target),
        env=env,
    )
    assert result.returncode == 1
    assert "--repo" in result.stderr
    # Nothing is left behind: the same command with --repo can use the folder.
    assert not target.exists() or not any(target.iterdir())


def test_git_mode_with_a_moved_remote_asks_for_the_repository(
    server: Server, env, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "cli@example.com")
    git(repo, "config", "user.name", "cli")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a")
    git(repo, "remote", "add", "origin", str(repo))
    (repo / "a.txt").write_text("b\n")
    project = f"cli_{os.urandom(6).hex()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RSDK_SPOOL_DIR", str(tmp_path / "spool"))
        Experiment(
            project,
            "1_a",
            server=server.url,
            token=server.token,
            code_dir=repo,
            config_file=tmp_path / "none.toml",
            capture_environment=False,
        ).finish()
    shutil.move(repo, tmp_path / "moved")
    target = tmp_path / "restored"
    result = rsdk(
        "restore", "-p", project, "-e", "1", "--mode", "git", "--dir", str(target), env=env
    )
    assert result.returncode == 1
    assert "--repo" in result.stderr
    assert not target.exists() or not any(target.iterdir())

    moved = rsdk(
        "restore",
        "-p",
        project,
        "-e",
        "1",
        "--mode",
        "git",
        "--dir",
        str(target),
        "--repo",
        str(tmp_path / "moved"),
        env=env,
    )
    assert moved.returncode == 0, moved.stderr
    assert files_below(target) == {"a.txt": b"b\n"}


def test_git_mode_with_the_repository(captured: Captured, env, tmp_path: Path) -> None:
    target = tmp_path / "restored"
    result = rsdk(
        "restore",
        "-p",
        captured.project,
        "-e",
        "1",
        "--mode",
        "git",
        "--dir",
        str(target),
        "--repo",
        str(captured.repo),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    count = len(captured.files)
    assert f"verified {count} files against the manifest: {count} match\n" in result.stdout
    assert files_below(target) == captured.files
    assert not (target / "old.txt").exists()
    # A checkout of the commit whose status shows the snapshot's changes, .rsdk/ excluded.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True
    ).stdout
    assert sorted(status.splitlines()) == [" D old.txt", " M src/train.py", "?? notes.txt"]


# -- env build and rerun ------------------------------------------------------------------


def test_env_build_offline(server: Server, research_sdk_wheel: Path, env, tmp_path) -> None:
    wheel = next(research_sdk_wheel.glob("research_sdk-*.whl"))
    version = wheel.name.split("-")[1]
    project = f"cli_{os.urandom(6).hex()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RSDK_SPOOL_DIR", str(tmp_path / "spool"))
        Experiment(
            project,
            "1_env",
            server=server.url,
            token=server.token,
            code=False,
            config_file=tmp_path / "none.toml",
            capture_environment=False,
        ).finish()
    server.graphql(
        "mutation($p: String!, $e: EnvironmentInput!) { "
        "recordEnvironment(project: $p, number: 1, environment: $e) { recordedAt } }",
        {
            "p": project,
            "e": {
                "interpreter": f"CPython {platform.python_version()}",
                "packages": [
                    {"name": "pip", "version": "23.2.1"},
                    {"name": "research_sdk", "version": version},
                ],
                "platform": platform.platform(),
                "commandLine": ["python", "train.py"],
                "workingDirectory": "/nowhere",
            },
        },
    )
    venv = tmp_path / "venv"
    result = rsdk(
        "env",
        "build",
        "-p",
        project,
        "-e",
        "1",
        "--venv",
        str(venv),
        "--find-links",
        str(research_sdk_wheel),
        "--no-index",
        "--no-uv",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert f"built {venv} with CPython {platform.python_version()} (1 package, pip)" in (
        result.stdout
    )
    assert "skipped pip: the virtual environment brings its own pip" in result.stderr
    assert (venv / "rsdk-requirements.txt").read_text() == f"research_sdk=={version}\n"
    imported = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import research_sdk._native, research_sdk; print(research_sdk.Experiment.__name__)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the source folder, which has no native module
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "Experiment"

    again = rsdk("env", "build", "-p", project, "-e", "1", "--venv", str(venv), env=env)
    assert again.returncode == 1
    assert "not empty" in again.stderr


def test_env_build_and_rerun_need_an_environment_record(captured: Captured, env, tmp_path) -> None:
    for command in (("env", "build", "--venv", str(tmp_path / "venv")), ("rerun",)):
        result = rsdk(*command, "-p", captured.project, "-e", "2", env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert "has no environment record" in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- sync and errors ------------------------------------------------------------------------


def test_sync_with_an_empty_spool(env) -> None:
    result = rsdk("sync", env=env)
    assert result.returncode == 0, result.stderr
    assert "the spool is empty: nothing to send" in result.stdout


@pytest.mark.parametrize(
    "command",
    [("projects",), ("experiments", "list", "-p", "x"), ("restore", "-p", "x", "-e", "1")],
)
def test_an_unreachable_server_gets_a_hint(command, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = {**bare_environment(tmp_path), "RSDK_SERVER": url, "RSDK_TOKEN": "t"}
    result = rsdk(*command, env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"error: cannot reach the server at {url}" in result.stderr
    assert "hint: is the server running? start it with `rsdk serve`, or pass --server URL" in (
        result.stderr
    )
    assert list(tmp_path.iterdir()) == []
