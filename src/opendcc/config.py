"""Where opendcc finds its settings: environment variables first, then a TOML config file.

The config file is the first of ``$OPENDCC_CONFIG``, ``./opendcc.toml`` and
``~/.config/opendcc/config.toml`` that exists. Keys mirror the environment variables
without the ``OPENDCC_`` prefix, in lower case (``duis_schema_dir = "..."``).
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any


def _config_file() -> Path | None:
    candidates = []
    if explicit := os.environ.get("OPENDCC_CONFIG"):
        candidates.append(Path(explicit))
    candidates += [Path("opendcc.toml"), Path.home() / ".config" / "opendcc" / "config.toml"]
    return next((p for p in candidates if p.is_file()), None)


@cache
def _file_settings() -> dict[str, Any]:
    path = _config_file()
    if path is None:
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def setting(name: str) -> str | None:
    """The value of setting ``name`` (lower case, e.g. ``duis_schema_dir``), or None."""
    env = os.environ.get(f"OPENDCC_{name.upper()}")
    if env:
        return env
    value = _file_settings().get(name)
    return None if value is None else str(value)


def duis_schema_dir() -> Path | None:
    """The directory holding ``DUIS Schema V5.4.xsd`` and its imports, when configured."""
    value = setting("duis_schema_dir")
    return Path(value) if value else None
