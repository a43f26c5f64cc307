"""Simulated meters answer the family's Commands with the structure of the reference
Responses: same message code, CRA, payload family, APDU or component shape and value
types (``shapes``), for every SUCCESS and ERROR RESPONSE vector of the family.

Each reference Command (the vector itself: genuinely MACed and signed) is sent to a
meter set up as the scenario needs (prepayment mode for emergency credit, a friendly
credit calendar to read, snapshots to publish...). ERROR Responses are reproduced with the
meter's fault injection at the reference's place (``tariffs_state.inject_fault``); the
state-driven errors (a reused UTRN, a balance above its maximum...) have their own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.devices.simulator import Outcome
from opendcc.devices.state import DeviceState
from opendcc.devices.tariffs_billing import settle
from opendcc.devices.tariffs_state import (
    EsmeTariffs,
    GasTariffs,
    inject_fault,
    link_gpf,
)
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import Enum
from opendcc.gbcs.frame import decode_message
from opendcc.inventory.model import DeviceType
from opendcc.transform import tariffs_cosem as c
from tests.catalogue.tariffs import shapes
from tests.catalogue.tariffs import support as s
from tests.reference import REFERENCE_DIR, check_present

RTDS = REFERENCE_DIR / "gbcs" / "rtds"
AT = datetime(2015, 1, 1, tzinfo=UTC)


UNSENDABLE = {
    # An Unknown Remote Party's read of the GPF: the reference has no Command to answer (its
    # template's originator, the second supplier, is not registered: E4 upstream).
    "GCS16b_4.14_URP_SUCCESS": "no reference Command",
}


def _responses() -> list[object]:
    found = []
    for folder in s.FAMILY_FOLDERS:
        for path in sorted((RTDS / folder).glob("*_RESPONSE_GBCS.HEX")):
            if path.name.removesuffix("_RESPONSE_GBCS.HEX") in UNSENDABLE:
                continue
            found.append(pytest.param(path, id=path.name.removesuffix("_RESPONSE_GBCS.HEX")))
    return found or [pytest.param(Path("/nonexistent/opendcc-reference-missing"), id="missing")]


def _command_for(response: Path) -> bytes:
    """The reference Command answered: same stem, else one of the same folder (preferring
    the same outcome); a Pre-Command is signed with the User's key first."""
    stem = response.name.removesuffix("_RESPONSE_GBCS.HEX")
    outcome = "ERROR" if "_ERROR" in stem else "SUCCESS"
    folder = response.parent
    candidates = [folder / f"{stem}_COMMAND_GBCS.HEX", folder / f"{stem}_PRECOMMAND_GBCS.HEX"]
    candidates += sorted(folder.glob(f"*{outcome}*_COMMAND_GBCS.HEX"))
    candidates += sorted(folder.glob(f"*{outcome}*_PRECOMMAND_GBCS.HEX"))
    candidates += sorted(folder.glob("*_COMMAND_GBCS.HEX"))
    candidates += sorted(folder.glob("*_PRECOMMAND_GBCS.HEX"))
    answered_by = decode_message(bytes.fromhex(response.read_text().strip())).originator
    for path in candidates:
        if not path.exists():
            continue
        raw = bytes.fromhex(path.read_text().strip())
        if decode_message(raw).recipient != answered_by:
            continue  # e.g. GCS60a is answered by the GSME itself as well as by the GPF
        if path.name.endswith("_PRECOMMAND_GBCS.HEX"):
            pre = decode_message(raw)
            signer = s.keystore().signer(pre.originator)
            assert signer is not None and signer.private_key is not None
            signature = build.sign_pre_command(pre, signer.private_key)
            return build.critical_command(pre, signature, s.security()).encode()
        return raw
    raise AssertionError(f"no Command for {response.name}")


def _prepayment(state: DeviceState) -> None:
    if state.device.device_type is DeviceType.ESME:
        state.get(EsmeTariffs).put(111, c.ACCOUNT_ACTIVE, 2, b.structure(Enum(2), Enum(1)))
    else:
        state.get(GasTariffs).payment_control_configuration = 0x0097


def _friendly_credit(state: DeviceState) -> None:
    gas = state.get(GasTariffs)
    gas.friendly_credit = {
        "days": {"1": [[0, 1], [480, 0], [1080, 1]], "2": [[0, 1]]},
        "weeks": {"1": [1, 1, 1, 1, 1, 2, 2]},
        "seasons": [["ff0101ff", 1]],
        "special_days": [["ff0c19ff", 2]],
    }


def _special_days(state: DeviceState) -> None:
    gas = state.get(GasTariffs)
    gas.calendar = {**gas.calendar, "special_days": [["ff0c19ff", 1]]}


def _empty_calendar(state: DeviceState) -> None:
    state.get(GasTariffs).calendar = {"days": {}, "weeks": {}, "seasons": [], "special_days": []}


def _two_snapshots(state: DeviceState) -> None:
    settle(state, AT - timedelta(days=1, hours=12))


SETUP: dict[str, list[Callable[[DeviceState], None]]] = {
    "ECS09": [_prepayment],
    "GCS06": [_prepayment],
    "GCS21b": [_friendly_credit],
    "GCS21f_4.11.1_SUCCESS": [_special_days],
    "GCS21f_4.11.1_ERROR": [_special_days],
    "GCS21f_4.11.1_NOT_FOUND": [_empty_calendar],
    "GCS16b": [_two_snapshots],
    "ECS21b": [_two_snapshots],
}


def _meter_for(command: bytes) -> tuple[s.Meter, DeviceState]:
    """A meter for the Command's recipient; a GPF gets a GSME to mirror."""
    message = decode_message(command)
    last = message.recipient.value & 0xFF
    meter = s.Meter(s.device(last))
    data_state = meter.state
    if meter.device.device_type is DeviceType.GPF:
        gsme = DeviceState(s.GSME)
        meter.peers[s.GSME.device_id] = gsme
        link_gpf(meter.state, s.GSME.device_id)
        data_state = gsme
    return meter, data_state


@pytest.mark.conformance
@pytest.mark.parametrize("response", _responses())
def test_device_answer_has_the_reference_structure(response: Path) -> None:
    check_present(response)
    stem = response.name.removesuffix("_RESPONSE_GBCS.HEX")
    use_case = stem.split("_", maxsplit=1)[0]
    command = _command_for(response)
    meter, data_state = _meter_for(command)
    for key_, steps in SETUP.items():
        if stem.startswith(key_):
            for step in steps:
                step(data_state)
    if "_ERROR" in stem:
        inject_fault(meter.state, use_case)
    result = meter.simulator.process(command, meter.state, AT)
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    ours = decode(result.response, s.device_security())
    theirs = decode(bytes.fromhex(response.read_text().strip()), s.security())
    assert ours.message.originator == theirs.message.originator
    ours_shape, theirs_shape = shapes.shape(ours), shapes.shape(theirs)
    assert shapes.same(ours_shape, theirs_shape), f"\nours   {ours_shape}\ntheirs {theirs_shape}"
