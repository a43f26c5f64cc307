from __future__ import annotations

import pytest

from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference


@pytest.fixture(scope="session")
def reference_security() -> GbcsSecurity:
    """The keys of the reference vectors (Users', the ACB's, the Devices' certificates)."""
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
