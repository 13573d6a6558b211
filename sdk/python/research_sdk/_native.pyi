"""Type stubs of the native module (the Rust client core)."""

from os import PathLike
from typing import Optional, Union

__version__: str

class RsdkError(Exception):
    """An error of the rsdk client or server."""

def resolve_config(
    server: Optional[str] = None,
    token: Optional[str] = None,
    config_file: Optional[Union[str, PathLike[str]]] = None,
) -> tuple[str, bool, str]: ...
def features_from_file(path: Union[str, PathLike[str]]) -> str: ...
def cli_main(argv: list[str]) -> int: ...

class NativeRun:
    @staticmethod
    def start(
        project: str,
        name: str,
        *,
        server: Optional[str] = None,
        token: Optional[str] = None,
        config_file: Optional[str] = None,
        parent: Optional[int] = None,
        features: Optional[str] = None,
        notes: Optional[str] = None,
        tags: Optional[list[str]] = None,
        rerun_of: Optional[int] = None,
        create_project: bool = True,
        code_dir: Optional[str] = None,
        code_mode: str = "auto",
        store_tracked: bool = True,
        code_exclude: list[str] = ...,
        max_code_bytes: Optional[int] = None,
        environment: Optional[str] = None,
        hypotheses: list[str] = ...,
        flush_interval: float = 0.2,
        finish_timeout: float = 60.0,
        max_buffer_points: int = 1_000_000,
    ) -> NativeRun: ...
    @staticmethod
    def resume(
        project: str,
        number: int,
        *,
        server: Optional[str] = None,
        token: Optional[str] = None,
        config_file: Optional[str] = None,
        flush_interval: float = 0.2,
        finish_timeout: float = 60.0,
    ) -> NativeRun: ...
    @property
    def experiment(self) -> Optional[tuple[str, int, str]]: ...
    @property
    def spool_dir(self) -> str: ...
    def log_metric(
        self, name: str, value: float, step: Optional[int] = None, wall_time: Optional[float] = None
    ) -> int: ...
    def log_metrics(
        self,
        points: list[tuple[str, float]],
        step: Optional[int] = None,
        wall_time: Optional[float] = None,
    ) -> None: ...
    def log_file(self, path: str, data: bytes, mime: Optional[str] = None) -> None: ...
    def log_artifacts(
        self, path: str, name: Optional[str] = None, policy: str = "project-default"
    ) -> tuple[list[str], list[tuple[str, str]]]: ...
    def log_features(self, features: str) -> None: ...
    def update(
        self,
        status: Optional[str] = None,
        progress: Optional[int] = None,
        notes: Optional[str] = None,
        tags: Optional[list[str]] = None,
    ) -> None: ...
    def link_hypotheses(self, hypotheses: list[str]) -> None: ...
    def record_environment(self, environment: str) -> None: ...
    def flush(self, timeout: float = 30.0) -> dict[str, object]: ...
    def finish(self, status: str = "complete") -> dict[str, object]: ...
