"""Features: an experiment's configuration, stored as a diff against its parent's."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any, Union

from . import _native


class Features(dict):
    """A mapping of feature names to values (nested mappings allowed), with helpers to read
    one from a YAML or JSON file and to address nested values by dotted path."""

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike]) -> Features:
        """Reads a YAML (or JSON) file holding a mapping."""
        return cls(json.loads(_native.features_from_file(os.fspath(path))))

    def get_path(self, dotted: str, default: Any = None) -> Any:
        """The value at ``a.b.c``, or ``default``."""
        node: Any = self
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def to_json(self) -> str:
        """JSON text, with numpy scalars and other numbers made plain."""
        return to_json(dict(self))


FeaturesLike = Union[str, os.PathLike, Mapping, Features, None]


def to_json(value: Any) -> str:
    """JSON text of a features mapping; refuses what JSON cannot hold faithfully."""
    return json.dumps(_plain(value, "features"), allow_nan=False, sort_keys=False)


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, got {key!r}")
            out[key] = _plain(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} cannot be stored as a feature value")
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return _plain(value.item(), where)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(
        f"{where}: {type(value).__name__} is not a feature value "
        "(use numbers, strings, booleans, lists and mappings)"
    )


def load(features: FeaturesLike) -> str | None:
    """JSON text of what ``Experiment(features=...)`` accepts: a YAML/JSON file path, a
    mapping, a :class:`Features`, or None (inherit the parent's)."""
    if features is None:
        return None
    if isinstance(features, (str, os.PathLike)):
        return _native.features_from_file(os.fspath(features))
    if isinstance(features, Mapping):
        return to_json(features)
    raise TypeError(
        f"features: expected a YAML file path, a mapping or a Features object, "
        f"got {type(features).__name__}"
    )
