"""Auxiliary controller reads from an Other User reach the ESME through the ACB.

DUIS 5.4 opens 7.7, 7.11, 7.14 and 7.15 to the Other User role, which no ESME holds a trust
anchor for, so the DCC's Access Control Broker originates the Command with the User as
supplementary remote party and its own counter in the invoke id (GBCS "Unknown Remote
Party" Commands; the reference ECS61d Command has that form, see
tests/transform/test_cli_command_vectors.py). A Supplier's read stays its own.
"""

from __future__ import annotations

import pytest

from opendcc.devices import supply_auxiliary as auxiliary_devices  # noqa: F401  (simulations)
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.dlms.apdu import InvokeIdAndPriority
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import Device
from opendcc.roles import UserRole
from opendcc.transform import supply_auxiliary  # noqa: F401  (registers the transforms)
from opendcc.transform.registry import CommandSpec, TransformInput, build_command, transform
from tests.catalogue.supply.cases import INLINE_BODIES
from tests.catalogue.supply.harness import ESME, HCALCS, RTDS_NOW, SUPPLIER, Meter, body

READS = {"7.7": "ECS61a_7.7_ALL_OPTIONALS", "7.11": "ECS61c_7.11", "7.14": "ECS61d_7.14"}
READS["7.15"] = "ECS61e_7.15"
ACB_COUNTER = 0x0514


def _spec(variant: str, role: UserRole, target: Device = ESME) -> CommandSpec:
    request = TransformInput(
        variant,
        body(INLINE_BODIES[READS[variant]]),
        SUPPLIER,
        target.device_id,
        1000,
        target,
        role,
        RTDS_NOW,
        dcc_counter=lambda _party: ACB_COUNTER,
    )
    spec = transform(request)
    assert isinstance(spec, CommandSpec), spec
    return spec


def _invoke_id(payload: bytes) -> int:
    return int.from_bytes(payload[1:5], "big")


@pytest.mark.parametrize("variant", sorted(READS))
def test_other_user_read_goes_through_the_acb_and_is_answered(
    variant: str, security: GbcsSecurity
) -> None:
    spec = _spec(variant, UserRole.OTHER_USER)
    assert spec.dcc_origination is not None
    assert spec.dcc_origination.party == DCC_ACCESS_CONTROL_BROKER
    assert spec.dcc_origination.counter == ACB_COUNTER
    assert spec.supplementary_remote_party == SUPPLIER
    assert spec.supplementary_remote_party_counter == 1000
    assert _invoke_id(spec.payload) == int(InvokeIdAndPriority.for_counter(ACB_COUNTER))
    built = build_command(
        spec, originator=SUPPLIER, counter=1000, critical_variant=False, security=security
    )
    assert (built.originator, built.counter) == (DCC_ACCESS_CONTROL_BROKER, ACB_COUNTER)
    command = built.message
    meter = Meter(security, ESME)
    answer = meter.answer(meter.simulator.process(command, meter.state, RTDS_NOW))
    assert answer.decoded is not None, answer.simulation.reason
    assert answer.decoded.message.counter == ACB_COUNTER


@pytest.mark.parametrize("variant", sorted(READS))
def test_supplier_read_is_the_suppliers_own(variant: str) -> None:
    spec = _spec(variant, UserRole.IMPORT_SUPPLIER)
    assert spec.dcc_origination is None
    assert spec.supplementary_remote_party is None
    assert _invoke_id(spec.payload) == int(InvokeIdAndPriority.for_counter(1000))


def test_hcalcs_read_readdressed_to_its_esme_keeps_the_acb_fields() -> None:
    spec = _spec("7.14", UserRole.OTHER_USER, HCALCS)
    assert spec.recipient == ESME.device_id
    assert spec.dcc_origination is not None
    assert spec.supplementary_remote_party == SUPPLIER
