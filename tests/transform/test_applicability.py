"""The E11 table (``transform.applicability``) against the transforms and the reference."""

from __future__ import annotations

import pytest

from opendcc.inventory.model import DeviceType
from opendcc.transform import catalogue  # noqa: F401  (registers every family)
from opendcc.transform.applicability import DEVICE_TYPES, applies_to
from opendcc.transform.registry import routes
from tests.reference import require_reference

E, G, P = DeviceType.ESME, DeviceType.GSME, DeviceType.GPF


@pytest.mark.parametrize("variant", ["4.11.1", "4.13", "6.2.9"])
def test_gsme_only_reads_apply_to_the_meters_not_the_gpf(variant: str) -> None:
    """GCS21f, GCS21b and GCS21j read what only the GSME holds: a GPF target is E11."""
    assert DEVICE_TYPES[variant] == frozenset({E, G})
    assert applies_to(variant, E) and applies_to(variant, G)
    assert not applies_to(variant, P)


@pytest.mark.parametrize("variant", ["4.1.1", "4.3", "4.14", "4.18"])
def test_gpf_mirrored_reads_still_apply_to_the_gpf(variant: str) -> None:
    assert applies_to(variant, G) and applies_to(variant, P)


def test_every_applicable_pair_has_a_transform_and_every_transform_is_applicable() -> None:
    registered = routes()
    no_transform = sorted(
        (variant, t.value)
        for variant, types in DEVICE_TYPES.items()
        for t in types
        if (variant, t) not in registered
    )
    not_applicable = sorted(
        (variant, t.value) for variant, t in registered if not applies_to(variant, t)
    )
    assert no_transform == []
    assert not_applicable == []


@pytest.mark.conformance
def test_reference_templates_of_the_gsme_only_reads_address_the_gsme() -> None:
    """The reference templates of 4.11.1, 4.13 and 6.2.9 name the ESME (…90-A0) or the
    GSME (…90-A1), never the GPF (…90-A3)."""
    templates = require_reference("duis", "templates")
    targets: dict[str, set[str]] = {}
    for path in templates.glob("*_REQUEST_DUIS.XML"):
        text = path.read_text()
        for variant in ("4.11.1", "4.13", "6.2.9"):
            if f"<sr:ServiceReferenceVariant>{variant}<" in text:
                start = text.index("<sr:RequestID>") + len("<sr:RequestID>")
                target = text[start : text.index("</sr:RequestID>")].split(":")[1]
                targets.setdefault(variant, set()).add(target[-2:])
    assert set(targets) == {"4.11.1", "4.13", "6.2.9"}
    for variant, seen in targets.items():
        assert seen <= {"A0", "A1"}, (variant, seen)
