"""The DLMS access-request round every DLMS-speaking simulated Device handler shares.

A GBCS DLMS Command carries one access-request (GBCS 7.2, DLMS Green Book 9.3 ACCESS
service); the Device answers with one access-response whose results follow the requests
in order. A Command whose payload is no access-request is one the Device cannot obey at
all: it is discarded (``DiscardCommandError``), as GBCS Devices do.
"""

from __future__ import annotations

from collections.abc import Sequence

from opendcc.devices.simulator import DeviceCommand, DeviceReply, DiscardCommandError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import AccessRequest, Response
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms


def access_request(command: DeviceCommand) -> AccessRequest:
    """The Command's access-request; ``DiscardCommandError`` when it carries none."""
    payload = command.payload
    if not isinstance(payload, DlmsPayload) or not isinstance(payload.apdu, AccessRequest):
        raise DiscardCommandError(f"{command.use_case}: not a DLMS access-request")
    return payload.apdu


def access_reply(request: AccessRequest, results: Sequence[Response]) -> DeviceReply:
    """The Device's Response: the access-response to ``request`` carrying ``results``."""
    return DeviceReply(encode_dlms(b.payload(b.access_response_for(request, results))))
