"""Access to the shared reference data (``../shared/reference`` beside the checkout).

The data is third-party and is never copied into this repository: tests read it in place.
When it is missing, tests skip and say why; under ``CI=true`` they fail instead, because a
CI run without the reference data proves nothing about conformance.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(
    os.environ.get("OPENDCC_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference")
)
MISSING = Path("/nonexistent/opendcc-reference-missing")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_reference(*parts: str) -> Path:
    """The path of reference file or folder ``parts``; skip (fail under CI) if it is absent."""
    path = REFERENCE_DIR.joinpath(*parts)
    if not path.exists():
        message = f"shared reference data is missing: {path}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def reference_params(folder: str, pattern: str = "*") -> list[object]:
    """``pytest.param`` entries, one per file matching ``pattern`` under ``folder``.

    Used in ``@pytest.mark.parametrize`` at collection time. When the folder is missing a
    single ``MISSING`` entry is returned so the test runs, calls ``require_reference`` and
    skips, or fails under CI, with the reason.
    """
    base = REFERENCE_DIR / folder
    files: Iterable[Path] = sorted(base.rglob(pattern)) if base.is_dir() else []
    params = [pytest.param(p, id=str(p.relative_to(base))) for p in files if p.is_file()]
    return params or [pytest.param(MISSING, id="reference-missing")]


def check_present(path: Path) -> Path:
    """Inside a parametrized test: skip or fail when the collected entry is ``MISSING``."""
    if path == MISSING:
        require_reference("__missing__")
    return path
