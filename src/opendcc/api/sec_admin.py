"""Admin API: the SEC as code on the hub (Events of Default, suspensions, security report).

``POST /admin/v1/sec/events-of-default`` records an Event of Default (M8.1);
``POST /admin/v1/sec/suspensions`` records the Panel's decision to suspend rights (M8.4(f),
M8.6), refused with 422 and the clause when the drafting in force does not allow it or the
Authority's approval is missing; ``POST /admin/v1/sec/suspensions/{id}/lift`` lifts one;
``GET /admin/v1/sec/suspensions`` lists them; ``GET /admin/v1/sec/security-report/{eui}``
is the supplier security report (licence condition, consultation chapter 7).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from opendcc.api.admin_models import CANONICAL_EUI, EUI_PATTERN, IsoDatetime, problems
from opendcc.eui import Eui64
from opendcc.hub.sec_bridge import Suspensions, security_inputs
from opendcc.sec.compromise import security_report
from opendcc.sec.outcome import Refusal
from opendcc.sec.parties import PartyId

router = APIRouter(tags=["sec"], responses=problems(422, 503))
_BODY = problems(400)


class EventOfDefaultIn(BaseModel):
    event_id: str = Field(min_length=1, max_length=64)
    party: str = Field(min_length=1, max_length=100)
    occurred_at: IsoDatetime
    description: str = Field(default="", max_length=2000)


class RightIn(BaseModel):
    service: str = Field(pattern="^(core|local|elective|enrolment|other)$")
    roles: list[str] = Field(min_length=1, max_length=7)


class ApprovalIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100)
    approved_at: IsoDatetime


class SuspensionIn(BaseModel):
    suspension_id: str = Field(min_length=1, max_length=64)
    party: str = Field(min_length=1, max_length=100)
    event_of_default_id: str = Field(min_length=1, max_length=64)
    rights: list[RightIn] = Field(min_length=1, max_length=10)
    decided_at: IsoDatetime
    effective_from: IsoDatetime | None = None
    approval: ApprovalIn | None = None
    panel_reference: str = Field(default="", max_length=100)


class LiftIn(BaseModel):
    at: IsoDatetime
    reason: str = Field(default="", max_length=2000)


def _suspensions(request: Request) -> Suspensions:
    hub = request.app.state.opendcc_hub
    if hub.db is None:
        raise HTTPException(503, "the hub is not running")
    suspensions: Suspensions = hub.suspensions
    return suspensions


def _aware(*values: datetime | None) -> None:
    if any(v is not None and v.tzinfo is None for v in values):
        raise HTTPException(422, "times need a time zone (e.g. Z)")


def _iso(value: datetime) -> str:
    return value.isoformat()


async def _record(request: Request, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        outcome = await _suspensions(request).record(kind, body)
    except (KeyError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    if isinstance(outcome, Refusal):
        raise HTTPException(
            422,
            {
                "reason": outcome.reason,
                "clause": outcome.clause,
                "paragraph": getattr(outcome, "paragraph", None),
            },
        )
    result: dict[str, Any] = outcome.to_json()
    return result


@router.post(
    "/events-of-default",
    status_code=201,
    summary="Record an Event of Default (M8.1)",
    responses=_BODY,
)
async def add_event_of_default(request: Request, body: EventOfDefaultIn) -> dict[str, Any]:
    _aware(body.occurred_at)
    return await _record(
        request,
        "event_of_default",
        {
            "event_id": body.event_id,
            "party": body.party,
            "occurred_at": _iso(body.occurred_at),
            "recorded_at": _iso(datetime.now(UTC)),
            "description": body.description,
        },
    )


@router.post(
    "/suspensions",
    status_code=201,
    summary="Record the Panel's suspension of a Defaulting Party's rights (M8.6)",
    responses=_BODY,
)
async def add_suspension(request: Request, body: SuspensionIn) -> dict[str, Any]:
    _aware(
        body.decided_at, body.effective_from, body.approval.approved_at if body.approval else None
    )
    return await _record(
        request,
        "suspension",
        {
            "suspension_id": body.suspension_id,
            "party": body.party,
            "event_of_default_id": body.event_of_default_id,
            "rights": [{"service": r.service, "roles": r.roles} for r in body.rights],
            "decided_at": _iso(body.decided_at),
            "effective_from": _iso(body.effective_from or body.decided_at),
            "approval": None
            if body.approval is None
            else {
                "reference": body.approval.reference,
                "approved_at": _iso(body.approval.approved_at),
            },
            "panel_reference": body.panel_reference,
        },
    )


@router.post("/suspensions/{suspension_id}/lift", summary="Lift a suspension", responses=_BODY)
async def lift(
    request: Request, suspension_id: Annotated[str, Path(max_length=64)], body: LiftIn
) -> dict[str, Any]:
    _aware(body.at)
    return await _record(
        request,
        "lift",
        {"suspension_id": suspension_id, "at": _iso(body.at), "reason": body.reason},
    )


@router.get("/suspensions", summary="Suspensions, in force or not")
def list_suspensions(
    request: Request, party: Annotated[str | None, Query(max_length=100)] = None
) -> list[dict[str, Any]]:
    found = _suspensions(request).all(PartyId(party) if party else None)
    return [s.to_json() for s in found]


@router.get(
    "/security-report/{eui}",
    summary="A supplier's Supplier and Enrolled Smart Metering System and its "
    "Indicators of Compromise (consultation chapter 7)",
    responses=problems(404),
)
def get_security_report(
    request: Request,
    eui: Annotated[str, Path(pattern=EUI_PATTERN), CANONICAL_EUI],
    since: IsoDatetime | None = None,
) -> dict[str, Any]:
    hub = request.app.state.opendcc_hub
    if hub.db is None:
        raise HTTPException(503, "the hub is not running")
    _aware(since)
    inputs = security_inputs(hub.estate, hub.keystore, Eui64.parse(eui), datetime.now(UTC), since)
    report = security_report(
        inputs["supplier"],
        inputs["at"],
        inputs["devices"],
        inputs["identities"],
        inputs["credentials"],
        (),
        inputs["events"],
        since=since,
    )
    if isinstance(report, Refusal):
        raise HTTPException(404, report.reason)
    result: dict[str, Any] = report.to_json()
    return result
