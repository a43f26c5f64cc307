"""The family's tables agree with the project's GBCS tables and with the DUIS schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from opendcc.devices import (
    config,  # noqa: F401
    config_api,
)
from opendcc.devices import config_alerts as alerts
from opendcc.devices.config_state import GasConfiguration
from opendcc.devices.simulator import handled_use_cases
from opendcc.devices.state import DeviceState
from opendcc.gbcs import message_codes
from opendcc.gbcs.dlms.cosem import ObisCode
from opendcc.gbcs.dlms.usecases import USE_CASES
from opendcc.roles import UserRole
from opendcc.transform.config_common import MESSAGE_CODES
from opendcc.transform.config_reads import ESME_READS
from opendcc.transform.config_select import GENERATIONS, generation_routes
from tests.catalogue.config import cases
from tests.catalogue.config import support as s
from tests.catalogue.config.estate import Premises
from tests.reference import require_reference


def test_message_codes_agree_with_the_gbcs_table() -> None:
    for use_case, code in MESSAGE_CODES.items():
        row = message_codes.command_code(use_case)
        assert row is not None and row.value == code, use_case


def test_every_use_case_sent_has_a_device_handler() -> None:
    assert set(MESSAGE_CODES) <= handled_use_cases()


def test_esme_reads_are_the_use_case_table_requests() -> None:
    for use_case, items in ESME_READS.items():
        expected = USE_CASES[use_case].variants[0]
        got = [f"{c}/{o}/{a}" for c, o, a in items]
        want = [str(slot.descriptor) for slot in expected]
        assert _normalised(got) == _normalised(want), use_case


def _normalised(keys: list[str]) -> list[str]:
    out = []
    for key in keys:
        class_id, obis, attribute = key.split("/")
        out.append(f"{class_id}/{ObisCode.parse(obis)}/{attribute}")
    return out


def test_generation_choices_name_known_use_cases() -> None:
    for older, newer in generation_routes().values():
        assert older in MESSAGE_CODES and newer in MESSAGE_CODES and newer in GENERATIONS


@pytest.mark.conformance
def test_configurable_alerts_are_those_of_the_duis_schema() -> None:
    schema = etree.parse(str(require_reference("duis", "xsd", "DUIS Schema V5.4.xsd")))
    xs = "{http://www.w3.org/2001/XMLSchema}"

    def codes(*types: str) -> frozenset[int]:
        found = set()
        for node in schema.getroot().iter(f"{xs}complexType"):
            if node.get("name") in types:
                for element in node.iter(f"{xs}element"):
                    name = element.get("name", "")
                    if name.startswith("x8"):
                        found.add(int(name[1:], 16))
        return frozenset(found)

    assert codes("SupplierESMECommon", "SupplierESMEPolyPhase") == alerts.SUPPLIER_ESME
    assert (
        codes(
            "NetworkOperatorESMECommon",
            "NetworkOperatorESMESinglePhase",
            "NetworkOperatorESMEPolyPhase",
        )
        == alerts.NETWORK_OPERATOR_ESME
    )
    assert codes("SupplierGSMEAlertsEvents") == alerts.SUPPLIER_GSME
    assert codes("SupplierGSME") <= alerts.SUPPLIER_GSME


def test_gsme_display_message_expires() -> None:
    premises = Premises()
    state = premises.state(0xA1)
    assert config_api.display_message(state, premises.now) is None
    body = cases.E("DisplayMessage", cases.E("SupplierMessage", "Hello"))
    premises.ask("3.1", 0xA1, body, role=UserRole.GAS_SUPPLIER)
    assert config_api.display_message(state, premises.now) == "Hello"
    # GCS07 sends "until changed"; a shorter duration expires.
    state.get(GasConfiguration).display_message_until = premises.now + timedelta(minutes=5)
    assert config_api.display_message(state, premises.now + timedelta(minutes=6)) is None
    assert config_api.display_message(DeviceState(s.device(0xA0)), datetime.now(UTC)) is None
