"""Admin API: request traces, deliveries and the event log.

``GET /admin/v1/requests`` lists journalled Service Requests (newest first);
``GET /admin/v1/requests/{request_id}`` gives one with every event of its trace and every
delivery attempt of its responses; ``GET /admin/v1/deliveries`` and ``/events`` list those;
``POST /admin/v1/deliveries/release/{eui}`` releases a User's held (failed) deliveries now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from pydantic import BaseModel

from opendcc.api.admin_models import CANONICAL_EUI, EUI_PATTERN, IsoDatetime, problems
from opendcc.hub.delivery import Deliverer
from opendcc.store import deliveries as dv
from opendcc.store import journal as jr
from opendcc.store.database import Database
from opendcc.store.events import EventKind, StoredEvent, events_between, events_for_request


class _HubView(Protocol):
    db: Database | None
    deliverer: Deliverer


router = APIRouter(tags=["traces"], responses=problems(422, 503))

MAX_ROW = (1 << 63) - 1
"""The largest SQLite INTEGER: a larger page cursor would make the query overflow (a 500)."""


class EventOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    request_id: str | None
    originator: str | None
    target: str | None
    variant: str | None
    code: str | None
    detail: dict[str, Any]


class AttemptOut(BaseModel):
    at: datetime
    url: str | None
    http_status: int | None
    error: str | None
    duration_us: int


class DeliveryOut(BaseModel):
    id: int
    request_id: str | None
    recipient: str
    kind: str
    state: str
    created_at: datetime
    attempts: int
    held_at: datetime | None
    last_error: str | None


class DeliveryDetailOut(DeliveryOut):
    attempt_log: list[AttemptOut]


class RequestOut(BaseModel):
    request_id: str
    originator: str
    target: str
    variant: str
    command_variant: int
    role: str | None
    state: str
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None
    response_code: str | None


class TraceOut(RequestOut):
    request_xml: str
    events: list[EventOut]
    deliveries: list[DeliveryDetailOut]


def attach(app: FastAPI, hub: _HubView) -> None:
    app.state.opendcc_hub = hub


def _hub(request: Request) -> _HubView:
    hub: _HubView = request.app.state.opendcc_hub
    if hub.db is None:
        raise HTTPException(503, "the hub is not running")
    return hub


def _db(request: Request) -> Database:
    db = _hub(request).db
    assert db is not None
    return db


def _request(entry: jr.JournalEntry) -> dict[str, Any]:
    return {
        "request_id": entry.request_id,
        "originator": entry.originator,
        "target": entry.target,
        "variant": entry.variant,
        "command_variant": entry.command_variant,
        "role": entry.role,
        "state": entry.state.value,
        "received_at": entry.received_at,
        "updated_at": entry.updated_at,
        "due_at": entry.due_at,
        "response_code": entry.response_code,
    }


def _event(stored: StoredEvent) -> EventOut:
    e = stored.event
    return EventOut(
        seq=stored.seq,
        at=e.at,
        kind=e.kind.value,
        request_id=e.request_id,
        originator=e.originator,
        target=e.target,
        variant=e.variant,
        code=e.code,
        detail=dict(e.detail),
    )


def _delivery(item: dv.Delivery) -> dict[str, Any]:
    return {
        "id": item.id,
        "request_id": item.request_id,
        "recipient": item.recipient,
        "kind": item.kind.value,
        "state": item.state.value,
        "created_at": item.created_at,
        "attempts": item.attempts,
        "held_at": item.held_at,
        "last_error": item.last_error,
    }


@router.get("/requests", response_model=list[RequestOut], summary="Journalled Service Requests")
def list_requests(
    request: Request,
    originator: Annotated[str | None, Query(pattern=EUI_PATTERN), CANONICAL_EUI] = None,
    target: Annotated[str | None, Query(pattern=EUI_PATTERN), CANONICAL_EUI] = None,
    state: jr.RequestState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ROW, description="page: rows older than this")
    ] = None,
) -> list[RequestOut]:
    entries = jr.list_entries(
        _db(request).reader(),
        originator=originator,
        target=target,
        state=state,
        limit=limit,
        before_row=before,
    )
    return [RequestOut(**_request(e)) for e in entries]


@router.get(
    "/requests/{request_id}",
    response_model=TraceOut,
    summary="A Service Request with its whole trace",
    responses=problems(404),
)
def get_trace(request: Request, request_id: Annotated[str, Path(max_length=200)]) -> TraceOut:
    conn = _db(request).reader()
    entry = jr.get_by_request_id(conn, request_id)
    events = events_for_request(conn, request_id)
    if entry is None and not events:
        raise HTTPException(404, f"no Service Request {request_id}")
    deliveries = [
        DeliveryDetailOut(
            **_delivery(d),
            attempt_log=[
                AttemptOut(
                    at=a.at,
                    url=a.url,
                    http_status=a.http_status,
                    error=a.error,
                    duration_us=a.duration_us,
                )
                for a in dv.attempts_for(conn, d.id)
            ],
        )
        for d in dv.deliveries_for(conn, request_id=request_id)
    ]
    if entry is None:  # refused before it was journalled: the events are the whole story
        first = events[0].event
        base: dict[str, Any] = {
            "request_id": request_id,
            "originator": first.originator or "",
            "target": first.target or "",
            "variant": first.variant or "",
            "command_variant": 0,
            "role": None,
            "state": "refused",
            "received_at": first.at,
            "updated_at": events[-1].event.at,
            "due_at": None,
            "response_code": events[-1].event.code,
        }
        xml = ""
    else:
        base = _request(entry)
        xml = entry.request_xml.decode("utf-8", "replace")
    return TraceOut(
        **base, request_xml=xml, events=[_event(e) for e in events], deliveries=deliveries
    )


@router.get("/deliveries", response_model=list[DeliveryOut], summary="Responses and alerts owed")
def list_deliveries(
    request: Request,
    recipient: Annotated[str | None, Query(pattern=EUI_PATTERN), CANONICAL_EUI] = None,
    state: dv.DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    items = dv.deliveries_for(_db(request).reader(), recipient=recipient, state=state, limit=limit)
    return [DeliveryOut(**_delivery(d)) for d in items]


@router.post("/deliveries/release/{eui}", summary="Retry a User's held deliveries now")
def release(
    request: Request, eui: Annotated[str, Path(pattern=EUI_PATTERN), CANONICAL_EUI]
) -> dict[str, int]:
    return {"released": _hub(request).deliverer.release(eui.upper())}


_TEN_YEARS = timedelta(days=3650)


@router.get("/events", response_model=list[EventOut], summary="The event log")
def list_events(
    request: Request,
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
    kind: list[EventKind] | None = Query(None),  # noqa: B008 - FastAPI's way to declare it
    originator: Annotated[str | None, Query(pattern=EUI_PATTERN), CANONICAL_EUI] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    after: Annotated[int, Query(ge=0, le=MAX_ROW, description="page: events after this seq")] = 0,
) -> list[EventOut]:
    end = until or datetime.now(UTC) + timedelta(days=1)
    if (since is not None and since.tzinfo is None) or end.tzinfo is None:
        raise HTTPException(422, "since and until need a time zone (e.g. Z)")
    # Ten years before ``until`` by default; an ``until`` in the first ten years AD has no
    # such date (it was an OverflowError, a 500): from the earliest time then.
    earliest = datetime.min.replace(tzinfo=UTC)
    start = since or (end - _TEN_YEARS if end - earliest > _TEN_YEARS else earliest)
    found = events_between(
        _db(request).reader(),
        start,
        end,
        kinds=kind,
        originator=originator,
        limit=limit,
        after_seq=after,
    )
    return [_event(e) for e in found]
