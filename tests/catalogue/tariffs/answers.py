"""Reading a simulated meter's answers in tests: DLMS results by attribute, protected
values, GBZ Publish commands and attribute values by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opendcc.devices.simulator import Simulation
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.dlms.apdu import AccessRequest, AccessResponse, ActionResponse, GetResult, Set
from opendcc.gbcs.dlms.data import Array, CompactArray, Data, EncryptedOctetString, Structure
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz.fields import Record as ZclRecord
from opendcc.gbcs.gbz.payload import EncryptedGbzComponent, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.zcl import ClusterCommand, DefaultResponse, ReadAttributesResponse
from tests.catalogue.tariffs import support as s

Descriptor = tuple[int, str, int]


def answer(result: Simulation) -> DecodedMessage:
    assert result.response is not None, result.reason
    return decode(result.response, s.device_security())


def sent(meter: s.Meter) -> DecodedMessage:
    assert meter.last_command is not None
    return decode(meter.last_command.encode(), s.security())


def _apdu_request(meter: s.Meter) -> AccessRequest:
    payload = sent(meter).payload
    assert isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest)
    return payload.apdu


def responses(result: Simulation) -> tuple[Any, ...]:
    payload = answer(result).payload
    assert isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessResponse)
    return payload.apdu.responses


def results(result: Simulation) -> list[int]:
    """The result code of every DLMS response (0 = success)."""
    return [int(r.result) for r in responses(result)]


def written(meter: s.Meter) -> dict[Descriptor, Data]:
    """The attributes the last (DLMS) Command set, with their values."""
    found: dict[Descriptor, Data] = {}
    for item in _apdu_request(meter).requests:
        if isinstance(item, Set):
            a = item.attribute
            found[(a.class_id, str(a.instance), a.attribute_id)] = item.value
    return found


def got(meter: s.Meter, result: Simulation) -> dict[Descriptor, Data]:
    """The values the meter answered to the last (DLMS) read, by attribute."""
    values: dict[Descriptor, Data] = {}
    for item, response in zip(_apdu_request(meter).requests, responses(result), strict=True):
        assert isinstance(response, GetResult) and int(response.result) == 0, response
        a = item.attribute  # type: ignore[union-attr]
        values[(a.class_id, str(a.instance), a.attribute_id)] = response.data
    return values


def _encrypted(value: Data) -> Iterator[EncryptedOctetString]:
    if isinstance(value, EncryptedOctetString):
        yield value
    elif isinstance(value, Structure | Array):
        for item in value.items:
            yield from _encrypted(item)


def protected(result: Simulation) -> Data:
    """The decrypted value of a protected read's (ECS19, ECS21b) answer."""
    (response,) = responses(result)
    assert isinstance(response, ActionResponse) and int(response.result) == 0, response
    (block,) = list(_encrypted(response.data))
    assert block.plaintext is not None
    return block.plaintext


def numbers(value: Data) -> list[int]:
    """The integers of a (nested) DLMS value, in order."""
    if isinstance(value, Structure | Array | CompactArray):
        return [n for item in value.items for n in numbers(item)]
    number = getattr(value, "value", None)
    return [number] if isinstance(number, int) and not isinstance(number, bool) else []


# --- GBZ -------------------------------------------------------------------------------------


def frames(decoded: DecodedMessage) -> list[tuple[int, Any]]:
    """(cluster, ZCL payload) of every component, decrypted where protected."""
    payload = decoded.payload
    assert isinstance(payload, GbzPayload)
    found: list[tuple[int, Any]] = []
    for component in payload.components:
        if isinstance(component, EncryptedGbzComponent):
            found.append((component.cluster_id, component.plaintext))
        else:
            assert isinstance(component, GbzComponent)
            found.append((component.cluster_id, component.frame.payload))
    return found


def commands(decoded: DecodedMessage, name: str) -> list[dict[str, Any]]:
    """The fields of every ``name`` cluster command."""
    return [
        dict(p.fields)
        for _, p in frames(decoded)
        if isinstance(p, ClusterCommand) and p.name == name
    ]


def attributes(decoded: DecodedMessage, cluster: str) -> dict[str, Any]:
    """Attribute values answered for ``cluster``, by attribute name (failures omitted)."""
    definition = z.cluster_def(cluster)
    values: dict[str, Any] = {}
    for cluster_id, payload in frames(decoded):
        if cluster_id != definition.cluster_id or not isinstance(payload, ReadAttributesResponse):
            continue
        for record in payload.records:
            known = definition.attributes.get(record.attribute_id)
            if record.status == 0 and record.value is not None and known is not None:
                values[known.name] = record.value.value
    return values


def statuses(decoded: DecodedMessage) -> list[int]:
    """The status of every DefaultResponse component."""
    return [p.status for _, p in frames(decoded) if isinstance(p, DefaultResponse)]


def plain(value: Any) -> Any:
    """ZCL records as dicts, recursively, for comparing Publish fields."""
    if isinstance(value, ZclRecord):
        return {k: plain(v) for k, v in dict(value).items()}
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value
