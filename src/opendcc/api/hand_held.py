"""Admin API: ``POST /admin/v1/devices/{eui}/local``, the simulated hand-held terminal.

The body is the ``LocalCommand`` a User got for local delivery (DUIS Command Variant 2 or
6), as the base64 of its GBCS Command (``{"command": "..."}``: the ``GBCSPayload`` of the
``LocalCommand`` as it stands). The hub runs it on the simulated Device as the SM WAN path
would (``opendcc.hub.hand_held``) and answers the Device's Response, base64, with any
Alerts the Device raised (which are also delivered to their recipients). The User returns
the Response with 8.13 Return Local Command Response (SEC Section H3; DUIS 8.13).

Refusals: 404 (no such Device), 400 (not base64, not a GBCS Command), 422 (a Command for
another Device, one whose MAC or signature fails, one the Device does not trust or cannot
obey), 409 (a Command the Device already obeyed: its counter is not above the last).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field

from opendcc.api.admin_models import CANONICAL_EUI, EUI_PATTERN, problems
from opendcc.eui import Eui64
from opendcc.hub.hand_held import HandHeldTerminal, LocalRefusalError

router = APIRouter(tags=["local delivery"])

MAX_COMMAND = 64 * 1024
"""Base64 characters accepted (a GBCS Command is at most a few kilobytes; firmware images
do not travel this way)."""


class LocalCommandIn(BaseModel):
    command: Annotated[str, Field(min_length=4, max_length=MAX_COMMAND)]
    """The GBCS Command, base64 (the ``LocalCommand``'s ``GBCSPayload``)."""


class LocalAlertOut(BaseModel):
    alert_code: str
    recipient: str
    message: str
    """The GBCS Alert, base64."""


class LocalResponseOut(BaseModel):
    device_id: str
    use_case: str | None
    response: str
    """The Device's GBCS Response, base64: what 8.13 returns."""
    alerts: list[LocalAlertOut]
    request_id: str | None
    """The Command Variant 2/6 request the Command belongs to, when the hub issued it."""


@router.post(
    "/devices/{eui}/local",
    response_model=LocalResponseOut,
    responses={
        **problems(503),
        400: {**problems(400)[400], "description": "Not base64, or not a GBCS Command."},
        404: {**problems(404)[404], "description": "No such Device."},
        409: {**problems(409)[409], "description": "The Device already obeyed this counter."},
        422: {**problems(422)[422], "description": "The Device discarded the Command."},
    },
)
async def deliver_locally(
    eui: Annotated[str, Path(pattern=EUI_PATTERN), CANONICAL_EUI],
    body: LocalCommandIn,
    request: Request,
) -> LocalResponseOut:
    hub: Any = request.app.state.opendcc_hub
    if hub.db is None:
        raise HTTPException(503, "the hub is not running")
    try:
        command = base64.b64decode(body.command, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "command is not base64") from None
    terminal = HandHeldTerminal(hub.estate, hub.processor, hub.clock)
    try:
        delivered = await terminal.deliver(Eui64.parse(eui), command)
    except LocalRefusalError as refused:
        raise HTTPException(refused.status, refused.reason) from None
    return LocalResponseOut(
        device_id=str(delivered.device),
        use_case=delivered.use_case,
        response=base64.b64encode(delivered.response).decode("ascii"),
        alerts=[
            LocalAlertOut(
                alert_code=f"{a.alert_code:04X}",
                recipient=str(a.recipient),
                message=base64.b64encode(a.message).decode("ascii"),
            )
            for a in delivered.alerts
        ],
        request_id=delivered.request_id,
    )
