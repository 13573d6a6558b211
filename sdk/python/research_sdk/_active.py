"""The experiment that module-level helpers (TensorBoard interception) log to."""

from __future__ import annotations

from typing import Any, Optional

_active: Optional[Any] = None


def set_active(experiment: Optional[Any]) -> None:
    """Makes ``experiment`` the active one (``None`` clears it)."""
    global _active
    _active = experiment


def active() -> Optional[Any]:
    """The active experiment: the most recently started one that has not finished."""
    return _active
