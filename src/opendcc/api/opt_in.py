"""Admin API: ``POST /admin/v1/opt-in``, the DCC raising DUIS 8.6 Service Opt In.

8.6 is open to no User Role (the DUIS request matrix: the DCC raises it for the Supplier
that asked, SEC Section H). The DCC's operator posts the meter and its MPxNs here; the hub
builds the ``ServiceOptIn`` request as the DCC (originator and target the DCC's own
90-B3-D5-1F-30-00-00-02, a counter of its own), runs it through the same non-device
handler as every other CV 8 request (``opendcc.hub.opt_in``), journals it with its events,
and answers with the DUIS response code, the reason and the signed DUIS Response
(``DSPOptIn`` on success) for the Supplier.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from opendcc.access.users import DccUser
from opendcc.api.admin_models import (
    CANONICAL_EUI,
    EUI_PATTERN,
    MPAN_PATTERN,
    MPXN_PATTERN,
    IsoDate,
    problems,
)
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest, request_from_root
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.hub.pipeline import RequestTrace
from opendcc.store.events import EventKind

router = APIRouter(tags=["non-device"])


class OptInIn(BaseModel):
    device_id: Annotated[str, Field(pattern=EUI_PATTERN), CANONICAL_EUI]
    import_mpxn: Annotated[str, Field(pattern=MPXN_PATTERN)]
    """An MPAN (13 digits) or an MPRN: digits, as ``ImportMPxN`` (DUIS XSD: 1-13 characters)
    carries them; anything else could not be put in the DUIS request (a 422, not a 500)."""
    secondary_import_mpan: Annotated[str | None, Field(pattern=MPAN_PATTERN)] = None
    export_mpan: Annotated[str | None, Field(pattern=MPAN_PATTERN)] = None
    """DUIS XSD ``ServiceOptIn``: ``SecondaryImportMPAN`` and ``ExportMPAN`` are 13 long."""
    opt_in_date: IsoDate | None = None
    """Today when absent."""


class OptInOut(BaseModel):
    request_id: str
    response_code: str
    reason: str
    response: str
    """The signed DUIS Response, base64."""


@router.post("/opt-in", response_model=OptInOut, responses=problems(400, 404, 422, 503))
async def opt_in(body: OptInIn, request: Request) -> OptInOut:
    hub: Any = request.app.state.opendcc_hub
    if hub.db is None:
        raise HTTPException(503, "the hub is not running")
    pipeline = hub.pipeline
    nondevice = pipeline.nondevice
    now = hub.clock.now()
    kind = _device_type(hub, body.device_id)
    mpxns = [build.sr("ImportMPxN", body.import_mpxn)]
    if body.secondary_import_mpan:
        mpxns.append(build.sr("SecondaryImportMPAN", body.secondary_import_mpan))
    if body.export_mpan:
        mpxns.append(build.sr("ExportMPAN", body.export_mpan))
    element = build.sr(
        "ServiceOptIn",
        children=[
            build.sr("DeviceID", body.device_id.upper()),
            build.sr("DeviceType", kind),
            build.sr("MPxNs", children=mpxns),
            build.sr("OptInDate", (body.opt_in_date or now.date()).isoformat()),
        ],
    )
    srv = service_reference_variant("8.6")
    assert srv is not None
    dcc = DCC_ACCESS_CONTROL_BROKER
    counter = pipeline.replay.next_own(str(dcc), now)
    header = RequestHeader(
        RequestId(dcc, dcc, counter), CommandVariant.NON_DEVICE, srv.service_reference, srv
    )
    parsed = request_from_root(build.request_document(header, element))
    if not isinstance(parsed, ServiceRequest):  # pragma: no cover - built above
        raise HTTPException(500, str(parsed))
    trace = RequestTrace(str(header.request_id), str(dcc), str(dcc), "8.6")
    trace.add(EventKind.RECEIVED, now, endpoint="admin")
    user = DccUser(dcc, "DCC", frozenset())
    answer = await nondevice.handle(parsed, user, (), now, trace)
    outcome = next(e for e in reversed(trace.events) if e.kind in _FINAL)
    return OptInOut(
        request_id=str(header.request_id),
        response_code=outcome.code or "",
        reason=str(outcome.detail.get("reason", "")),
        response=base64.b64encode(answer).decode("ascii"),
    )


_FINAL = (EventKind.SYNC_RESPONSE, EventKind.REFUSED)


def _device_type(hub: Any, device_id: str) -> str:
    device = hub.estate.inventory.get_device(Eui64.parse(device_id))
    if device is None:
        raise HTTPException(404, f"no Device {device_id} in the inventory")
    return str(device.device_type.value)
