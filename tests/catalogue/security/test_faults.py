"""Hardware faults on the security family's Devices (``security_common.inject_fault``):
the requests before the failing one are carried out, the failing one and those after are
not, and the fault stays until cleared. The reference ERROR Responses they reproduce are
compared in ``test_device_conformance.py`` and ``tests/catalogue/test_error_vectors_coverage``.
"""

from __future__ import annotations

import pytest

from opendcc.devices import han_chf, security_common
from opendcc.devices.simulator import Outcome
from opendcc.gbcs.frame import decode_message
from tests.catalogue.security import test_device_conformance as conformance
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import CHF_ID, T0

CCS01 = "CCS01_8.11_ERROR"


def _results(hub: Hub, stem: str) -> tuple[list[int], Hub]:
    command = conformance._command_for(stem, hub, T0)
    assert command is not None
    result = hub.deliver(command, decode_message(command).recipient, T0)
    assert result.outcome is Outcome.RESPONDED and result.response is not None
    apdu = hub.decode(result.response).payload.to_json()["apdu"]
    return [r["code"] for r in apdu["responses"]], hub


def test_a_fault_leaves_the_failing_request_undone() -> None:
    healthy, fine = _results(Hub(), CCS01)
    assert healthy == [0, 0, 0]
    faulty = Hub()
    security_common.inject_fault(faulty.state(CHF_ID), "CCS01")
    codes, broken = _results(faulty, CCS01)
    assert codes == [0, 1, 250]  # done, hardware-fault, other-reason (not attempted)
    # CCS01: add the Device (done), set the join timeout (fails), enable joining (not tried).
    done, undone = (
        fine.state(CHF_ID).get(han_chf.ChfDeviceLog),
        broken.state(CHF_ID).get(han_chf.ChfDeviceLog),
    )
    assert done.devices and undone.devices == done.devices
    assert (done.join_timeout, done.joining_enabled) == (90, True)
    assert (undone.join_timeout, undone.joining_enabled) == (0, False)


def test_a_fault_at_a_given_request_and_cleared() -> None:
    hub = Hub()
    security_common.inject_fault(hub.state(CHF_ID), "CCS01", at=0)
    codes, _ = _results(hub, CCS01)
    assert codes == [1, 250, 250]
    security_common.clear_faults(hub.state(CHF_ID))
    assert not hub.state(CHF_ID).get(security_common.SecurityFaults).planned


def test_no_request_before_the_first() -> None:
    with pytest.raises(ValueError, match="no request"):
        security_common.inject_fault(Hub().state(CHF_ID), "CCS01", at=-2)
