from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference import require_reference


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The root of the shared reference data (skips, or fails under CI, when absent)."""
    return require_reference()
