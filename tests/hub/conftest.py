"""Fixtures shared by the hub's end-to-end tests."""

from __future__ import annotations

import pytest

from opendcc.duis.schema import DuisSchema
from tests.hub.harness import duis_schema


@pytest.fixture(scope="session")
def schema() -> DuisSchema:
    """The DUIS XSD, to check that the hub's answers are schema-valid."""
    return duis_schema()
