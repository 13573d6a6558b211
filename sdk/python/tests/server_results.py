"""Reading back what the server stored (for the tests that log through the Python API)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

EXPERIMENT_QUERY = """
query Experiment($project: String!, $number: Int!) {
  experiment(project: $project, number: $number) {
    id number name status progress notes tags featuresFull featuresDiff
    parent { number }
    measured { metric count last lastStep min max }
  }
}
"""

FILES_QUERY = """
query Files($project: String!, $number: Int!) {
  files(project: $project, number: $number) {
    entries { path status current { path version size mime hash deleted } }
  }
}
"""

SERIES_QUERY = """
query Series($project: String!, $number: Int!, $metric: String!) {
  series(project: $project, number: $number, metric: $metric, maxPoints: 10000) {
    steps values
  }
}
"""


def experiment(server: Any, project: str, number: int) -> dict[str, Any]:
    """The experiment with its features, parent and metric summaries."""
    return server.graphql(EXPERIMENT_QUERY, {"project": project, "number": number})["experiment"]


def measured(server: Any, project: str, number: int) -> dict[str, dict[str, Any]]:
    """Metric name -> its summary (count, last, lastStep, min, max)."""
    return {row["metric"]: row for row in experiment(server, project, number)["measured"]}


def files(server: Any, project: str, number: int) -> dict[str, dict[str, Any]]:
    """Path -> current version of every file the experiment itself has."""
    entries = server.graphql(FILES_QUERY, {"project": project, "number": number})["files"]
    return {
        entry["path"]: entry["current"]
        for entry in entries["entries"]
        if entry["current"] is not None and not entry["current"]["deleted"]
    }


def download(server: Any, experiment_id: str, path: str) -> bytes:
    """The stored content of one of the experiment's current files."""
    url = (
        f"{server.url}/api/v1/experiments/{urllib.parse.quote(experiment_id)}/tree/"
        f"{urllib.parse.quote(path)}"
    )
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def series(server: Any, project: str, number: int, metric: str) -> list[tuple[int, float]]:
    """Every (step, value) of a metric, by step."""
    answer = server.graphql(SERIES_QUERY, {"project": project, "number": number, "metric": metric})
    return list(zip(answer["series"]["steps"], answer["series"]["values"]))


def project_names(server: Any) -> set[str]:
    return {row["name"] for row in server.graphql("query { projects { name } }")["projects"]}


def experiments(server: Any, project: str) -> list[dict[str, Any]]:
    """The project's experiments by number (none when the project does not exist)."""
    if project not in project_names(server):
        return []
    answer = server.graphql(
        "query($project: String!) { experiments(project: $project, first: 1000) "
        "{ nodes { number name status } } }",
        {"project": project},
    )
    return answer["experiments"]["nodes"]


def as_json(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))
