"""The Service Reference Variant table: category, eligible roles, conformance with DUIS."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from opendcc.roles import UserRole
from opendcc.sec.outcome import SecInputError
from opendcc.sec.services import (
    DEFAULT_CATALOGUE,
    SERVICE_REFERENCE_VARIANTS,
    CommandVariant,
    ServiceCatalogue,
    ServiceCategory,
)
from tests.reference import require_reference

CORE, LOCAL, ENROLMENT, OTHER, ELECTIVE = (
    ServiceCategory.CORE,
    ServiceCategory.LOCAL,
    ServiceCategory.ENROLMENT,
    ServiceCategory.OTHER,
    ServiceCategory.ELECTIVE,
)


def _words(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


@pytest.mark.conformance
def test_table_matches_the_duis_request_matrix() -> None:
    matrix = json.loads(require_reference("duis", "request-matrix.json").read_text())
    assert len(matrix) == 129 == len(SERVICE_REFERENCE_VARIANTS)
    for entry in matrix:
        variant = entry["Service Reference Variant"]
        row = SERVICE_REFERENCE_VARIANTS[variant]
        roles = {UserRole(r) for r in entry["Eligible User Roles"]}
        assert row.eligible_roles == roles, variant
        # 8.2's name carries an explanatory note after a blank line in the matrix.
        assert _words(entry["Service Request Name"]).startswith(_words(row.name)), variant
    assert set(SERVICE_REFERENCE_VARIANTS) == {e["Service Reference Variant"] for e in matrix}


@pytest.mark.conformance
def test_non_device_requests_are_never_core_unless_they_reach_devices() -> None:
    """The matrix's 16 non-device requests: only schedules and firmware reach Devices."""
    matrix = json.loads(require_reference("duis", "request-matrix.json").read_text())
    non_device = {
        e["Service Reference Variant"] for e in matrix if e["Non-Device Request"] == "Yes"
    }
    assert len(non_device) == 16
    core = {v for v in non_device if SERVICE_REFERENCE_VARIANTS[v].category is CORE}
    assert core == {"5.1", "5.2", "5.3", "11.1", "11.4"}


def test_category_counts() -> None:
    counts = Counter(row.category for row in SERVICE_REFERENCE_VARIANTS.values())
    assert counts == {CORE: 111, ENROLMENT: 9, OTHER: 8, LOCAL: 1}
    assert not any(row.category is ELECTIVE for row in SERVICE_REFERENCE_VARIANTS.values())


@pytest.mark.parametrize(
    ("variant", "category"),
    [
        ("8.1.1", ENROLMENT),  # Commission Device
        ("8.7.1", ENROLMENT),  # Join Service (Critical)
        ("8.7.2", ENROLMENT),
        ("8.11", ENROLMENT),  # Update HAN Device Log
        ("8.12.1", ENROLMENT),
        ("8.14.1", ENROLMENT),  # CH installed
        ("12.2", ENROLMENT),  # Device Pre-notification
        ("8.8.1", CORE),  # Unjoin: not establishing inter-relationships
        ("8.9", CORE),  # Read Device Log over the SM WAN
        ("4.1.1", CORE),
        ("11.1", CORE),  # firmware distributed over the SM WAN
        ("8.2", OTHER),  # Read Inventory
        ("8.3", OTHER),  # Decommission
        ("8.14.3", OTHER),  # CH fault return
        ("12.1", OTHER),  # WAN matrix
        ("8.13", LOCAL),  # Return Local Command Response
    ],
)
def test_variant_categories(variant: str, category: ServiceCategory) -> None:
    assert SERVICE_REFERENCE_VARIANTS[variant].category is category
    assert SERVICE_REFERENCE_VARIANTS[variant].basis


def test_every_variant_explains_its_category() -> None:
    for row in SERVICE_REFERENCE_VARIANTS.values():
        assert row.category.full_name.split()[0].lower() in row.basis.lower() or (
            row.category is LOCAL and "locally" in row.basis
        ), row.variant


@pytest.mark.parametrize(
    ("command_variant", "expected"),
    [
        (1, {CORE}),
        (2, {LOCAL}),
        (3, {CORE, LOCAL}),
        (4, {CORE}),
        (5, {CORE}),
        (6, {LOCAL}),
        (7, {CORE, LOCAL}),
    ],
)
def test_local_delivery_makes_a_core_request_a_local_command_service(
    command_variant: int, expected: set[ServiceCategory]
) -> None:
    assert DEFAULT_CATALOGUE.categories("7.1", command_variant) == expected


def test_local_delivery_does_not_change_enrolment_or_other() -> None:
    assert DEFAULT_CATALOGUE.categories("8.7.1", 6) == {ENROLMENT}
    assert DEFAULT_CATALOGUE.categories("8.2", 8) == {OTHER}


def test_command_variant_routes() -> None:
    assert [cv for cv in CommandVariant if cv.delivers_locally] == [2, 3, 6, 7]
    assert [cv for cv in CommandVariant if cv.delivers_over_wan] == [1, 3, 5, 7]


def test_unknown_variant_or_command_variant_is_an_input_error() -> None:
    with pytest.raises(SecInputError, match="unknown Service Reference Variant"):
        DEFAULT_CATALOGUE.categories("99.9", 1)
    with pytest.raises(SecInputError, match="not a Command Variant"):
        DEFAULT_CATALOGUE.categories("4.1.1", 9)


def test_elective_services_come_from_bilateral_agreements() -> None:
    catalogue = DEFAULT_CATALOGUE.with_elective(
        "E1.1", "Read Heat Pump Status", [UserRole.OTHER_USER], "BA-2016-001"
    )
    assert catalogue.categories("E1.1", 1) == {ELECTIVE}
    assert catalogue.categories("E1.1", 2) == {ELECTIVE}
    assert "BA-2016-001" in catalogue.get("E1.1").basis
    assert "E1.1" not in DEFAULT_CATALOGUE
    with pytest.raises(SecInputError, match="already in the catalogue"):
        catalogue.with_elective("4.1.1", "clash", [], "BA")
    assert len(ServiceCatalogue()) == 129
