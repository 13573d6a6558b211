"""``Experiment``: one run of a script, logged to rsdk."""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from . import _active, environment, media
from ._native import NativeRun
from .features import FeaturesLike, to_json
from .features import load as load_features

_MEDIA_NAME = re.compile(r"[^A-Za-z0-9._/\-]+")


def active_experiment() -> Optional[Experiment]:
    """The experiment started last that has not finished (module-level helpers log to it)."""
    return _active.active()


def _step_name(step: int) -> str:
    return f"{step:08d}"


def _media_path(kind: str, name: str, step: int, extension: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name: must be a non-empty string")
    clean = "/".join(
        part for part in (_MEDIA_NAME.sub("_", part) for part in name.split("/")) if part
    )
    if not clean or any(part in (".", "..") for part in clean.split("/")):
        raise ValueError(f"name: {name!r} cannot name a file")
    return f"{kind}/{clean}/{_step_name(step)}.{extension}"


class Experiment:
    """An experiment run.

    Creating one registers the project if needed (and allowed), validates the name, links the
    parent (``parent=`` or from the name, as the project's naming pattern says), stores the
    features as a diff against the parent's, captures the code and the environment, and
    marks it running. Logging calls return at once: a background thread sends the data, and
    what the server cannot take yet waits in a local spool (``rsdk sync`` sends it later).

    Use it as a context manager to finish it as failed when the block raises; otherwise
    ``finish()`` (or interpreter exit) ends it.
    """

    def __init__(
        self,
        project: str,
        name: str,
        features: FeaturesLike = None,
        *,
        parent: Optional[int] = None,
        notes: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        server: Optional[str] = None,
        token: Optional[str] = None,
        config_file: Optional[Union[str, os.PathLike]] = None,
        code: Union[bool, str] = True,
        code_dir: Optional[Union[str, os.PathLike]] = None,
        code_exclude: Iterable[str] = (),
        store_tracked: bool = True,
        capture_environment: bool = True,
        create_project: bool = True,
        hypotheses: Iterable[str] = (),
        flush_interval: float = 0.2,
        finish_timeout: float = 60.0,
        _native_run: Optional[NativeRun] = None,
    ) -> None:
        self._lock = threading.Lock()
        self._media_steps: dict[str, int] = {}
        self._finished = False
        if _native_run is not None:
            self._run = _native_run
        else:
            if code is True:
                code_mode: Optional[str] = "auto"
            elif code is False or code is None:
                code_mode = None
            elif code in ("auto", "git", "tarball"):
                code_mode = str(code)
            else:
                raise ValueError(f"code: {code!r} is not True, False, 'auto', 'git' or 'tarball'")
            rerun_of = os.environ.get("RSDK_RERUN_OF")
            self._run = NativeRun.start(
                project,
                name,
                server=server,
                token=token,
                config_file=os.fspath(config_file) if config_file is not None else None,
                parent=parent,
                features=load_features(features),
                notes=notes,
                tags=list(tags) if tags is not None else None,
                rerun_of=int(rerun_of) if rerun_of and rerun_of.isdigit() else None,
                create_project=create_project,
                code_dir=os.fspath(code_dir or os.getcwd()) if code_mode else None,
                code_mode=code_mode or "auto",
                store_tracked=store_tracked,
                code_exclude=list(code_exclude),
                environment=json.dumps(environment.capture()) if capture_environment else None,
                hypotheses=[str(hypothesis) for hypothesis in hypotheses],
                flush_interval=flush_interval,
                finish_timeout=finish_timeout,
            )
        self.project = project
        _active.set_active(self)
        _register(self)

    @classmethod
    def resume(
        cls,
        project: str,
        number: int,
        *,
        server: Optional[str] = None,
        token: Optional[str] = None,
        config_file: Optional[Union[str, os.PathLike]] = None,
    ) -> Experiment:
        """Continues experiment ``number`` of ``project``: it is running again and metrics
        logged without a step continue after the last logged ones."""
        run = NativeRun.resume(
            project,
            number,
            server=server,
            token=token,
            config_file=os.fspath(config_file) if config_file is not None else None,
        )
        return cls(project, "", _native_run=run)

    # -- identity ---------------------------------------------------------------------------

    @property
    def id(self) -> Optional[str]:
        """The server's id (None while offline, until ``rsdk sync`` creates it)."""
        experiment = self._run.experiment
        return experiment[0] if experiment else None

    @property
    def number(self) -> Optional[int]:
        """The number within the project (the ``12`` of ``12_from_8_lr_sweep``)."""
        experiment = self._run.experiment
        return experiment[1] if experiment else None

    @property
    def name(self) -> Optional[str]:
        experiment = self._run.experiment
        return experiment[2] if experiment else None

    @property
    def spool_dir(self) -> str:
        """Where this run's unsent data waits."""
        return os.fspath(self._run.spool_dir)

    def __repr__(self) -> str:
        return f"Experiment(project={self.project!r}, number={self.number!r}, name={self.name!r})"

    # -- metrics ----------------------------------------------------------------------------

    def log_metric(
        self,
        name: str,
        value: float,
        step: Optional[int] = None,
        wall_time: Optional[float] = None,
    ) -> int:
        """Logs one scalar; ``step`` defaults to the metric's previous step + 1 (0 first).
        Returns at once; answers the step used."""
        return self._run.log_metric(name, value, step, wall_time)

    def log_metrics(
        self,
        metrics: Mapping[str, float],
        step: Optional[int] = None,
        wall_time: Optional[float] = None,
    ) -> None:
        """Logs several scalars at one step."""
        self._run.log_metrics([(str(k), float(v)) for k, v in metrics.items()], step, wall_time)

    # -- media, text, tables -----------------------------------------------------------------

    def _next_step(self, key: str, step: Optional[int]) -> int:
        with self._lock:
            if step is None:
                step = self._media_steps.get(key, -1) + 1
            if not isinstance(step, int) or isinstance(step, bool) or step < 0:
                raise ValueError(f"step: {step!r} is not a whole number ≥ 0")
            self._media_steps[key] = max(step, self._media_steps.get(key, -1))
            return step

    def _log_bytes(self, kind: str, name: str, step: Optional[int], data: bytes, ext: str) -> str:
        step = self._next_step(f"{kind}:{name}", step)
        path = _media_path(kind, name, step, ext)
        self._run.log_file(path, data)
        return path

    def log_image(
        self,
        name: str,
        image: Any,
        step: Optional[int] = None,
        *,
        caption: Optional[str] = None,
        dataformats: Optional[str] = None,
    ) -> str:
        """Stores an image (numpy array, torch tensor, PIL image or file path) as
        ``media/<name>/<step>.png``; answers the path."""
        data, ext = media.image_to_png(image, dataformats=dataformats)
        path = self._log_bytes("media", name, step, data, ext)
        if caption:
            self._run.log_file(path.rsplit(".", 1)[0] + ".caption.txt", caption.encode("utf-8"))
        return path

    def log_text(self, name: str, text: str, step: Optional[int] = None) -> str:
        """Stores text as ``text/<name>/<step>.txt``."""
        return self._log_bytes("text", name, step, media.text_to_bytes(text), "txt")

    def log_table(self, name: str, rows: Any, step: Optional[int] = None) -> str:
        """Stores a table (a list of dicts or a pandas DataFrame) as
        ``tables/<name>/<step>.json``."""
        return self._log_bytes("tables", name, step, media.table_to_json(rows), "json")

    def log_audio(
        self,
        name: str,
        audio: Any,
        step: Optional[int] = None,
        *,
        sample_rate: Optional[int] = None,
    ) -> str:
        """Stores audio (a float array in [-1, 1] with ``sample_rate``, or a file path)."""
        data, ext = media.audio_to_wav(audio, sample_rate)
        return self._log_bytes("media", name, step, data, ext)

    def log_video(
        self, name: str, video: Any, step: Optional[int] = None, *, fps: Optional[float] = None
    ) -> str:
        """Stores a video (a (T, H, W, C) array, encoded as GIF, or a file path)."""
        data, ext = media.video_to_bytes(video, fps)
        return self._log_bytes("media", name, step, data, ext)

    def log_artifacts(
        self,
        path: Union[str, os.PathLike],
        *,
        name: Optional[str] = None,
        policy: str = "project-default",
    ) -> list[str]:
        """Stores a file or every file of a folder that the project's capture policy takes,
        as ``name`` (default: the file or folder name): a file at that path, a folder's files
        below it. Answers the stored paths. Files the policy leaves out are reported in a
        warning."""
        path = os.fspath(path)
        if name is None and not os.path.isfile(path):
            name = os.path.basename(os.path.abspath(path))
        stored, skipped = self._run.log_artifacts(path, name, policy)
        return self._report_artifacts(stored, skipped)

    @staticmethod
    def _report_artifacts(stored: list[str], skipped: list[tuple[str, str]]) -> list[str]:
        if skipped:
            listed = "; ".join(f"{p}: {reason}" for p, reason in skipped[:5])
            more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
            warnings.warn(
                f"log_artifacts left out {len(skipped)} files: {listed}{more}", stacklevel=3
            )
        return list(stored)

    # -- features, notes, tags, progress -----------------------------------------------------

    def log_features(self, values: Mapping[str, Any]) -> None:
        """Merges ``values`` (nested mappings merge key by key) into the features."""
        self._run.log_features(to_json(values))

    def progress(self, percent: Union[int, float]) -> None:
        """Sets progress, 0–100."""
        self._run.update(progress=int(round(percent)))

    def note(self, text: str) -> None:
        """Replaces the experiment's notes."""
        self._run.update(notes=text)

    def set_tags(self, tags: Iterable[str]) -> None:
        """Replaces the experiment's tags."""
        self._run.update(tags=list(tags))

    def link_hypothesis(self, *hypotheses: str) -> None:
        """Links this run to hypotheses (their ids) as evidence for or against them."""
        self._run.link_hypotheses([str(hypothesis) for hypothesis in hypotheses])

    # -- lifecycle ---------------------------------------------------------------------------

    def flush(self, timeout: float = 30.0) -> dict[str, Any]:
        """Sends everything logged so far; answers what is still pending."""
        return dict(self._run.flush(timeout))

    def finish(self, status: str = "complete") -> dict[str, Any]:
        """Ends the run as ``complete`` or ``failed`` and sends the rest (what the server
        cannot take stays in the spool for ``rsdk sync``). Calling it again does nothing."""
        report = dict(self._run.finish(status))
        self._finished = True
        if _active.active() is self:
            _active.set_active(None)
        _unregister(self)
        if report.get("pending"):
            warnings.warn(
                f"rsdk: {report['pending']} operations are still in {report['spool_dir']}; "
                "run `rsdk sync` to send them",
                stacklevel=2,
            )
        return report

    def __enter__(self) -> Experiment:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if not self._finished:
            self.finish("failed" if kind is not None else "complete")


# -- interpreter exit: unfinished runs end as complete, or failed after an uncaught error -----

_open_runs: list[Experiment] = []
_crashed = False
_previous_hook = sys.excepthook


def _register(experiment: Experiment) -> None:
    _open_runs.append(experiment)


def _unregister(experiment: Experiment) -> None:
    if experiment in _open_runs:
        _open_runs.remove(experiment)


def _excepthook(kind, value, traceback) -> None:
    global _crashed
    _crashed = True
    _previous_hook(kind, value, traceback)


sys.excepthook = _excepthook


@atexit.register
def _finish_open_runs() -> None:
    for experiment in list(_open_runs):
        try:
            experiment.finish("failed" if _crashed else "complete")
        except Exception as error:  # noqa: BLE001 - never turn exit into a traceback
            print(f"rsdk: could not finish {experiment!r}: {error}", file=sys.stderr)
