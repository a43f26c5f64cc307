from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.smki.authority import CertificateAuthority

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def authority() -> CertificateAuthority:
    """One test CA for the session (key generation is the slow part). Do not revoke with it."""
    return CertificateAuthority.create(NOW)


@pytest.fixture
def fresh_authority() -> CertificateAuthority:
    """A CA of one's own, for tests that record revocations."""
    return CertificateAuthority.create(NOW)
