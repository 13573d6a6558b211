"""Send what legacy TensorBoard code logs to rsdk, unchanged.

:func:`patch` wraps the methods of ``SummaryWriter`` from
``torch.utils.tensorboard`` and from ``tensorboardX`` (each only if
importable), so a script that does::

    writer = SummaryWriter()
    writer.add_scalar("loss", loss, step)

also logs ``loss`` to an rsdk experiment.  Intercepted methods and what they
become:

=====================  ==========================================================
``add_scalar``         ``exp.log_metric(tag, value, step=, wall_time=)``
``add_scalars``        ``exp.log_metrics({f"{main_tag}/{key}": value}, step=)``
``add_image``          ``exp.log_image(tag, img_tensor, step=, dataformats=)``
``add_text``           ``exp.log_text(tag, text_string, step=)``
``add_histogram``      ``exp.log_metrics({f"{tag}/min|max|mean|std": ...}, step=)``
``add_hparams``        ``exp.log_features(hparam_dict)`` and ``exp.log_metric`` per metric
=====================  ==========================================================

The experiment is the one given to :func:`patch`, else the active one
(``research_sdk._active.active()``) looked up at each call, so :func:`patch` may
run before the experiment exists.  With no experiment the call only does what
TensorBoard does, and a warning is issued once.

An error inside rsdk logging never breaks training: it is caught and reported
with :func:`warnings.warn`, once per method.

With ``write_event_files=False`` the intercepted methods do not call
TensorBoard's own implementation (unless no experiment is available), and
writers created while patched do not create an event file (their
``_get_file_writer`` returns a writer that writes nothing, and the log
directory is not created).  Writers created before :func:`patch` keep their
event file, which still receives what the non-intercepted methods
(``add_graph``, ``add_pr_curve``, ...) write.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from . import _active, media

__all__ = ["is_patched", "patch", "patched", "unpatch"]

# Methods that send data to rsdk.
_INTERCEPTED = (
    "add_scalar",
    "add_scalars",
    "add_image",
    "add_text",
    "add_histogram",
    "add_hparams",
)
# Marks the wrappers this module installs (the value is the wrapped function).
_MARK = "__rsdk_tensorboard_original__"


class _State:
    """Module-wide patch state (one patch at a time; patching twice updates it)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.patched = False
        self.experiment: Any = None
        self.write_event_files = True
        # (class, attribute name, the class's own attribute before patching or _MISSING)
        self.saved: list[tuple[type, str, Any]] = []
        self.warned: set[str] = set()


_MISSING = object()
_state = _State()
# Depth of intercepted calls on this thread: TensorBoard's own add_hparams
# calls add_scalar on a nested writer, which must not be logged twice.
_local = threading.local()


class _NullFileWriter:
    """Stands in for TensorBoard's FileWriter when event files are off: writes nothing."""

    def __init__(self, logdir: Any) -> None:
        self._logdir = logdir

    def get_logdir(self) -> Any:
        """The directory the event file would have been written to."""
        return self._logdir

    def add_event(self, *args: Any, **kwargs: Any) -> None:
        """Discards the event."""

    def add_summary(self, *args: Any, **kwargs: Any) -> None:
        """Discards the summary."""

    def add_graph(self, *args: Any, **kwargs: Any) -> None:
        """Discards the graph."""

    def add_onnx_graph(self, *args: Any, **kwargs: Any) -> None:
        """Discards the graph."""

    def add_openvino_graph(self, *args: Any, **kwargs: Any) -> None:
        """Discards the graph."""

    def flush(self) -> None:
        """Nothing to flush."""

    def close(self) -> None:
        """Nothing to close."""

    def reopen(self) -> None:
        """Nothing to reopen."""

    @contextlib.contextmanager
    def use_metadata(self, **kwargs: Any) -> Iterator[_NullFileWriter]:
        """Does nothing (tensorboardX API)."""
        yield self


# --------------------------------------------------------------------------- helpers


def _warn_once(key: str, message: str) -> None:
    with _state.lock:
        if key in _state.warned:
            return
        _state.warned.add(key)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _experiment() -> Any:
    exp = _state.experiment
    return exp if exp is not None else _active.active()


def _to_float(value: Any) -> float:
    """A Python float from a number, numpy scalar or one-element tensor/array."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        value = value.item()
    return float(value)


def _to_step(step: Any) -> int | None:
    if step is None:
        return None
    if hasattr(step, "item") and not isinstance(step, int):
        step = step.item()
    return int(step)


def _to_walltime(walltime: Any) -> float | None:
    return None if walltime is None else _to_float(walltime)


# --------------------------------------------------------------------------- senders
# Each takes the experiment and the call's bound arguments (a name -> value dict).


def _send_scalar(exp: Any, a: dict[str, Any]) -> None:
    exp.log_metric(
        a["tag"],
        _to_float(a["scalar_value"]),
        step=_to_step(a.get("global_step")),
        wall_time=_to_walltime(a.get("walltime")),
    )


def _send_scalars(exp: Any, a: dict[str, Any]) -> None:
    main_tag = a["main_tag"]
    metrics = {f"{main_tag}/{key}": _to_float(v) for key, v in a["tag_scalar_dict"].items()}
    exp.log_metrics(metrics, step=_to_step(a.get("global_step")))


def _send_image(exp: Any, a: dict[str, Any]) -> None:
    exp.log_image(
        a["tag"],
        a["img_tensor"],
        step=_to_step(a.get("global_step")),
        dataformats=a.get("dataformats", "CHW"),
    )


def _send_text(exp: Any, a: dict[str, Any]) -> None:
    exp.log_text(a["tag"], a["text_string"], step=_to_step(a.get("global_step")))


def _send_histogram(exp: Any, a: dict[str, Any]) -> None:
    tag = a["tag"]
    summary = media.histogram_summary(a["values"])
    if not summary["count"]:
        return  # no finite values: nothing meaningful to log
    exp.log_metrics(
        {f"{tag}/{key}": summary[key] for key in ("min", "max", "mean", "std")},
        step=_to_step(a.get("global_step")),
    )


def _send_hparams(exp: Any, a: dict[str, Any]) -> None:
    step = _to_step(a.get("global_step"))
    exp.log_features(dict(a["hparam_dict"]))
    for name, value in (a.get("metric_dict") or {}).items():
        exp.log_metric(name, _to_float(value), step=0 if step is None else step)


_SENDERS: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "add_scalar": _send_scalar,
    "add_scalars": _send_scalars,
    "add_image": _send_image,
    "add_text": _send_text,
    "add_histogram": _send_histogram,
    "add_hparams": _send_hparams,
}


# --------------------------------------------------------------------------- wrappers


def _wrap_method(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    send = _SENDERS[name]
    try:
        signature: inspect.Signature | None = inspect.signature(original)
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        signature = None

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not _state.patched or getattr(_local, "depth", 0) > 0 or signature is None:
            return original(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return original(self, *args, **kwargs)  # let TensorBoard report the bad call
        bound.apply_defaults()
        exp = _experiment()
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            result = None
            if _state.write_event_files or exp is None:
                result = original(self, *args, **kwargs)
            if exp is None:
                _warn_once(
                    "no-experiment",
                    "research_sdk.tensorboard: no experiment to log to (pass one to "
                    "patch() or start one); TensorBoard calls are not sent to rsdk",
                )
                return result
            try:
                send(exp, bound.arguments)
            except Exception as exc:  # noqa: BLE001 - never break training
                _warn_once(
                    f"error:{name}",
                    f"research_sdk.tensorboard: SummaryWriter.{name} could not be logged "
                    f"to rsdk ({type(exc).__name__}: {exc}); training goes on, further "
                    f"errors from {name} are not reported",
                )
            return result
        finally:
            _local.depth -= 1

    setattr(wrapper, _MARK, original)
    return wrapper


def _wrap_init(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if _state.patched and not _state.write_event_files:
            self._rsdk_no_event_files = True
        original(self, *args, **kwargs)
        if getattr(self, "_rsdk_no_event_files", False) and hasattr(self, "_write_to_disk"):
            self._write_to_disk = False  # tensorboardX: no FileWriters for add_scalars etc.

    setattr(__init__, _MARK, original)
    return __init__


def _wrap_get_file_writer(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def _get_file_writer(self: Any) -> Any:
        if not getattr(self, "_rsdk_no_event_files", False):
            return original(self)
        writer = getattr(self, "file_writer", None)
        if isinstance(writer, _NullFileWriter) and getattr(self, "all_writers", None) is not None:
            return writer
        logdir = getattr(self, "log_dir", None) or getattr(self, "logdir", None)
        writer = _NullFileWriter(logdir)
        self.file_writer = writer
        self.all_writers = {logdir: writer}
        return writer

    setattr(_get_file_writer, _MARK, original)
    return _get_file_writer


# --------------------------------------------------------------------------- classes


def _writer_classes() -> list[type]:
    """The importable SummaryWriter classes (torch.utils.tensorboard, tensorboardX)."""
    classes: list[type] = []
    for package, module_name in (
        ("torch", "torch.utils.tensorboard"),
        ("tensorboardX", "tensorboardX"),
    ):
        try:
            if importlib.util.find_spec(package) is None:
                continue
            module = importlib.import_module(module_name)
            cls = getattr(module, "SummaryWriter", None)
        except Exception:  # noqa: BLE001, S112 - e.g. torch without tensorboard
            continue
        if isinstance(cls, type) and cls not in classes:
            classes.append(cls)
    return classes


def _patch_class(cls: type) -> None:
    targets: list[tuple[str, Callable[[Callable[..., Any]], Callable[..., Any]]]] = [
        ("__init__", _wrap_init),
        ("_get_file_writer", _wrap_get_file_writer),
    ]
    targets += [(name, functools.partial(_wrap_method, name)) for name in _INTERCEPTED]
    for name, make in targets:
        current = getattr(cls, name, None)
        if current is None or hasattr(current, _MARK):
            continue  # missing in this version, or already patched
        _state.saved.append((cls, name, cls.__dict__.get(name, _MISSING)))
        setattr(cls, name, make(current))


# --------------------------------------------------------------------------- public


def patch(experiment: Any = None, *, write_event_files: bool = True) -> None:
    """Sends TensorBoard ``SummaryWriter`` calls to rsdk.

    Patches the ``SummaryWriter`` of ``torch.utils.tensorboard`` and of
    ``tensorboardX``, whichever are importable.  Patching again is harmless: it
    only updates ``experiment`` and ``write_event_files``.

    Args:
        experiment: the experiment to log to; ``None`` logs to the active
            experiment at the time of each call (``research_sdk._active.active()``).
        write_event_files: also let TensorBoard write its event files (the
            default).  ``False`` skips TensorBoard's own implementation of the
            intercepted methods, and writers created while patched create no
            event file.
    """
    with _state.lock:
        _state.experiment = experiment
        _state.write_event_files = bool(write_event_files)
        if not _state.patched:
            _state.warned.clear()
        for cls in _writer_classes():
            _patch_class(cls)
        _state.patched = True


def unpatch() -> None:
    """Restores the original ``SummaryWriter`` methods; does nothing if not patched."""
    with _state.lock:
        for cls, name, own in reversed(_state.saved):
            if own is _MISSING:
                with contextlib.suppress(AttributeError):
                    delattr(cls, name)
            else:
                setattr(cls, name, own)
        _state.saved.clear()
        _state.patched = False
        _state.experiment = None
        _state.write_event_files = True
        _state.warned.clear()


def is_patched() -> bool:
    """Whether :func:`patch` is in effect."""
    return _state.patched


@contextlib.contextmanager
def patched(experiment: Any = None, *, write_event_files: bool = True) -> Iterator[None]:
    """Context manager form of :func:`patch`.

    On exit it unpatches, or, if a patch was already in effect on entry,
    restores that patch's experiment and ``write_event_files``.

    Example::

        with research_sdk.tensorboard.patched(exp):
            train(writer=SummaryWriter())
    """
    with _state.lock:
        before = (_state.patched, _state.experiment, _state.write_event_files)
    patch(experiment, write_event_files=write_event_files)
    try:
        yield
    finally:
        was_patched, old_experiment, old_write = before
        if was_patched:
            patch(old_experiment, write_event_files=old_write)
        else:
            unpatch()
