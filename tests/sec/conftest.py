from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.sec.m86 import DraftingTimeline, load_timeline
from opendcc.sec.params import ParameterSet, load_parameters


def utc(text: str) -> datetime:
    """An aware UTC datetime from ``YYYY-MM-DD[THH:MM[:SS]]``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="session")
def parameters() -> ParameterSet:
    return load_parameters()


@pytest.fixture(scope="session")
def timeline(parameters: ParameterSet) -> DraftingTimeline:
    return load_timeline(parameters)
