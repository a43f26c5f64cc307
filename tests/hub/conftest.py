"""Fixtures shared by the hub's end-to-end tests."""

from __future__ import annotations

import pytest

from opendcc.duis.schema import DuisSchema, load_schema
from tests.reference import require_reference


@pytest.fixture(scope="session")
def schema() -> DuisSchema:
    """The DUIS XSD, to check that the hub's answers are schema-valid."""
    loaded = load_schema(require_reference("duis", "xsd"))
    assert isinstance(loaded, DuisSchema), loaded
    return loaded
