"""Simulated Devices answer the configuration family's Commands as the reference Devices do.

For every RESPONSE vector of the family: the request is transformed, the Command built and
signed as the hub would, and a simulated Device (fresh state) processes it; its Response
and the vector, both decoded with ``opendcc.gbcs.codec.decode``, must have the same
structure (``shapes``: message code, CRA, payload format, APDU or component layout, result
codes, value types). ERROR vectors are reproduced by putting the Device in the state that
calls for them: the fault the vector reports, on the object or command it reports it for
(``config_api.inject_fault``), or a clock adjustment outside its window (GCS28). Our
Responses must also authenticate: MACed with the Device's key, or signed by the Device for
critical Commands.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opendcc.devices import config  # noqa: F401  (registers the handlers)
from opendcc.devices.config_api import inject_fault, set_meter_variant
from opendcc.devices.simulator import DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.gbcs.codec import decode
from opendcc.gbcs.frame import decode_message
from opendcc.transform.registry import CommandSpec, TransformInput, transform
from tests.catalogue.config import cases
from tests.catalogue.config import support as s
from tests.catalogue.config.shapes import shape
from tests.reference import MISSING, check_present


def response_vectors() -> list[object]:
    params = [
        pytest.param(path, id=path.name)
        for path in cases.vectors()
        if path.name.endswith("_RESPONSE_GBCS.HEX")
        and cases.has_request(cases.Vector.of(path).stem)
    ]
    return params or [pytest.param(MISSING, id="reference-missing")]


def command_for(request: TransformInput) -> tuple[bytes, CommandSpec]:
    spec = transform(request)
    assert isinstance(spec, CommandSpec), spec
    if s.is_critical(request.variant):
        return s.signed_command(spec, request).encode(), spec
    return s.command(spec, request).encode(), spec


def _faults(vector_doc: dict[str, Any], command_doc: dict[str, Any]) -> dict[str, int]:
    """The fault to inject so the Device fails where the vector's Device failed."""
    payload, ours = vector_doc["payload"], command_doc["payload"]
    if payload["format"] == "dlms":
        for index, result in enumerate(payload["apdu"]["responses"]):
            if result["code"] != 0:
                req = ours["apdu"]["requests"][index]
                tail = req["attribute_id"] if "attribute_id" in req else f"m{req['method_id']}"
                return {f"{req['class_id']}/{req['instance']}/{tail}": result["code"]}
        return {}
    if payload["format"] == "gbz":
        pairs = zip(payload["components"], ours["components"], strict=True)
        for position, (got, sent) in enumerate(pairs, start=1):
            name, body = sent["cluster_name"], got["payload"]
            if body["type"] == "DefaultResponse" and body["status"] != 0:
                return {f"{name}:{sent['header']['command']}#{position}": body["status"]}
            if body.get("name") == "ClearEventLogResponse" and not body["fields"].get(
                "cleared_event_logs"
            ):  # the log store failed: nothing cleared (CS11 ERROR)
                return {f"{name}:{sent['header']['command']}": 1}
            failing = [r for r in body.get("records", []) if r["status"] != 0]
            if failing:
                return {f"{name}:{r['name']}": r["status"] for r in failing}
    return {}


def simulate(vector: cases.Vector, raw: bytes) -> tuple[Simulation, DeviceState, datetime]:
    message = decode_message(raw)
    acb = message.recipient == s.ACB
    request = cases.request(
        vector.stem,
        use_case=vector.use_case,
        counter=1000 if acb else message.counter,
        dcc_counter=message.counter if acb else None,
    )
    command, _ = command_for(request)
    state = DeviceState(request.device)
    variant = cases.esme_variant_for(vector.use_case, vector.stem)
    if variant is not None:
        set_meter_variant(state, variant)
    now = s.RTDS_NOW
    if vector.outcome == "ERROR":
        if vector.use_case == "GCS28":
            now = now + timedelta(hours=2)  # the CH's time is outside the window
        else:
            security = s.device_security()
            for key, code in _faults(
                decode(raw, security).to_json(), decode(command, security).to_json()
            ).items():
                inject_fault(state, key, code)
    result = DeviceSimulator(s.device_security()).process(command, state, now)
    return result, state, now


@pytest.mark.conformance
@pytest.mark.parametrize("path", response_vectors())
def test_device_answers_like_the_reference(path: Path) -> None:
    check_present(path)
    vector = cases.Vector.of(path)
    raw = bytes.fromhex(path.read_text().strip())
    result, _, _ = simulate(vector, raw)
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    security = s.device_security()
    assert shape(result.response, security) == shape(raw, security)
    ours = decode_message(result.response)
    if ours.signature is not None:
        assert s.signed_by_device(ours)
    else:
        assert decode(result.response, security).mac.valid is True
