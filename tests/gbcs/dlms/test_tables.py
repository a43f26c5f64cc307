"""The naming tables: consistent, parsed, and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendcc.gbcs.dlms.apdu import ResponseKind
from opendcc.gbcs.dlms.cosem import AttributeDescriptor
from opendcc.gbcs.dlms.objects import OBJECTS, attribute_name, lookup
from opendcc.gbcs.dlms.usecases import USE_CASES, parse_request_line, use_case

DOC = Path(__file__).resolve().parents[3] / "docs" / "gbcs-dlms.md"


def test_every_object_of_every_use_case_is_in_the_object_table() -> None:
    for case in USE_CASES.values():
        for variant in case.variants:
            for slot in variant:
                descriptor = slot.descriptor
                assert lookup(descriptor.class_id, descriptor.instance), (
                    case.code,
                    str(descriptor),
                )
                for protected in slot.protects:
                    assert lookup(protected.descriptor.class_id, protected.descriptor.instance)


def test_every_use_case_has_a_title() -> None:
    assert all(case.title for case in USE_CASES.values())


def test_the_documented_table_lists_every_object() -> None:
    text = DOC.read_text()
    for obj in OBJECTS.values():
        assert f"`{obj.obis}`" in text and obj.name in text, obj.name


def test_request_lines() -> None:
    slot = parse_request_line("act 30/0-0:43.2.8.255/1 protects 1/0-0:94.44.34.10/2 as *")
    assert slot.kind is ResponseKind.ACTION and slot.inline
    assert [p.name for p in slot.protects] == ["ImportRegisters"]
    named = parse_request_line("get 113/0-0:19.20.1.255/5 as DebtRecoveryRate1:charge_rate")
    assert named.name == "DebtRecoveryRate1"
    with pytest.raises(ValueError):
        parse_request_line("fetch 3/1-0:1.8.0.255/2")


def test_value_attributes_take_the_object_name() -> None:
    assert attribute_name(AttributeDescriptor.of(3, "1-0:1.8.0.255", 2)) == "ActiveImportRegister"
    assert (
        attribute_name(AttributeDescriptor.of(3, "1-0:1.8.0.255", 3))
        == "ActiveImportRegister.scaler_unit"
    )
    assert (
        attribute_name(AttributeDescriptor.of(3, "1-0:99.9.9.255", 2)) == "Register 1-0:99.9.9.255"
    )


def test_aliases() -> None:
    assert use_case("CCS04") is USE_CASES["CCS05CCS04"]
    assert use_case("nope") is None and use_case(None) is None
