from __future__ import annotations

import pytest

from opendcc.gbcs.security import GbcsSecurity
from tests.catalogue.supply.harness import meter_keystore


@pytest.fixture(scope="session")
def security() -> GbcsSecurity:
    return GbcsSecurity(meter_keystore())
