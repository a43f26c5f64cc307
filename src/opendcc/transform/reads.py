"""Transforms of the reads (Service Reference 4): registers, profiles, logs."""

from __future__ import annotations

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.transform.dlms_common import protected_get
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

ECS17B = 0x0027


@transforms("4.1.1", DeviceType.ESME)
def read_instantaneous_import_registers_esme(request: TransformInput) -> CommandSpec:
    """4.1.1 on an ESME: GBCS ECS17b, a protected read of the import energy registers
    (``0-0:94.44.34.10``, whose value the ESME answers encrypted for the User)."""
    action = protected_get(
        "0-0:43.2.8.255",
        [(1, "0-0:94.44.34.10", 2)],
        request.counter,
        request.originator,
        request.target,
    )
    apdu = b.access_request(request.counter, [action])
    return CommandSpec("ECS17b", ECS17B, request.target, encode_dlms(b.payload(apdu)))
