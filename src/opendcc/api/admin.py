"""The admin REST API over the estate: DCC Users, Devices, premises and registration data.

Mounting (the hub mounts it under ``/admin/v1``)::

    from opendcc.api import admin
    app = FastAPI()
    admin.attach(app, estate)            # or: app.state.opendcc_estate = estate
    app.include_router(admin.router, prefix="/admin/v1")

``estate`` is any ``estate.repository.Estate`` (``store.estate.open_estate(db)`` for
SQLite). Routes read it through the ``get_estate`` dependency and the time through
``get_clock``; tests and the hub may replace either with ``app.dependency_overrides``.
``create_app(estate)`` builds a stand-alone app with the router mounted.

Every write is one transaction in the estate: a refusal changes nothing and answers 404
(unknown User, Device, premises or registration), 409 (a conflict; for a status change,
the transition-table row that is missing, with the events the status does allow) or 422
(a body or value that breaks the rules). Bodies are validated by pydantic first, so
malformed input is a 422 that names the field, never a 500.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from opendcc.access.users import UserStatus
from opendcc.api.admin_models import (
    EUI_PATTERN,
    MPXN_PATTERN,
    PROBLEM_RESPONSES,
    SERIAL_PATTERN,
    CertificateIn,
    CertificateOut,
    ChangeOfSupplierIn,
    DeviceCreate,
    DeviceOut,
    DevicePageOut,
    DevicePatch,
    EstateSummaryOut,
    IsoDatetime,
    JoinIn,
    PremisesDevicesOut,
    PremisesIn,
    PremisesOut,
    RegistrationChangeOut,
    RegistrationIn,
    RegistrationOut,
    StatusChangeIn,
    StatusChangeOut,
    TransitionRefusedOut,
    UserCreate,
    UserOut,
    UserPatch,
    problems,
)
from opendcc.clock import Clock, SystemClock
from opendcc.estate.mpxn import fuel_of
from opendcc.estate.records import (
    DeviceDetails,
    DeviceFilter,
    DeviceUpdate,
    EstateRefusal,
    NewDevice,
    RefusalKind,
    UserCertificate,
    UserUpdate,
)
from opendcc.estate.repository import Estate
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, DeviceType, Registration, SmiStatus
from opendcc.inventory.transitions import TransitionRefused
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole

STATE_KEY: Final = "opendcc_estate"
_STATUS: Final = {RefusalKind.NOT_FOUND: 404, RefusalKind.CONFLICT: 409, RefusalKind.INVALID: 422}
_PROBLEMS: Final = PROBLEM_RESPONSES

router = APIRouter(responses=problems(422, 503))


def get_estate(request: Request) -> Estate:
    """The estate the app was given (``attach``); 503 if it has none."""
    estate = getattr(request.app.state, STATE_KEY, None)
    if estate is None:
        raise HTTPException(503, "the admin API has no estate attached")
    return estate  # type: ignore[no-any-return]


_SYSTEM_CLOCK: Final = SystemClock()


def get_clock() -> Clock:
    return _SYSTEM_CLOCK


EstateDep = Annotated[Estate, Depends(get_estate)]
ClockDep = Annotated[Clock, Depends(get_clock)]
EuiPath = Annotated[str, Path(pattern=EUI_PATTERN, examples=["00-DB-12-34-56-78-90-A0"])]
MpxnPath = Annotated[str, Path(pattern=MPXN_PATTERN, examples=["1412345000010"])]


def attach(app: FastAPI, estate: Estate) -> None:
    """Give ``app`` the estate its admin routes serve (and its HTTP errors their ``Allow``)."""
    setattr(app.state, STATE_KEY, estate)
    app.add_exception_handler(StarletteHTTPException, _http_problem)


async def _http_problem(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer to an ``HTTPException``, except that a 405 names in ``Allow``
    every method the OpenAPI document gives the path (RFC 9110 15.5.6): Starlette names only
    those of the first route matching the path, and each method of a path is a route here."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allowed = _documented_methods(request.app, request.url.path)
        if allowed:
            exc = StarletteHTTPException(405, exc.detail, {"Allow": ", ".join(allowed)})
    return await http_exception_handler(request, exc)


def _documented_methods(app: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods.update(m.upper() for m in operations if m.upper() in _HTTP_METHODS)
    if "GET" in methods:
        methods.add("HEAD")  # Starlette answers HEAD wherever it answers GET
    return sorted(methods)


_HTTP_METHODS: Final = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"})


def create_app(estate: Estate, *, prefix: str = "/admin/v1") -> FastAPI:
    """A stand-alone app serving only the admin API (for tools and tests)."""
    app = FastAPI(
        title="opendcc admin API",
        version="1",
        description="DCC Users, the Smart Metering Inventory and registration data.",
    )
    attach(app, estate)
    app.include_router(router, prefix=prefix)
    return app


def _refused(refusal: EstateRefusal) -> HTTPException:
    return HTTPException(_STATUS[refusal.kind], refusal.message)


def _eui(text: str) -> Eui64:
    return Eui64.parse(text)


# --- Users ----------------------------------------------------------------------------------


@router.get("/users", tags=["users"], summary="List DCC Users")
def list_users(
    estate: EstateDep,
    role: Annotated[UserRole | None, Query(description="Only Users holding this role.")] = None,
    status: UserStatus | None = None,
) -> list[UserOut]:
    return [UserOut.of(u) for u in estate.users.list_users(role=role, status=status)]


@router.post(
    "/users",
    tags=["users"],
    summary="Create a DCC User",
    status_code=201,
    responses={400: _PROBLEMS[400], 409: _PROBLEMS[409]},
)
async def create_user(body: UserCreate, estate: EstateDep) -> UserOut:
    created = await estate.users.create(body.user())
    if isinstance(created, EstateRefusal):
        raise _refused(created)
    return UserOut.of(created)


@router.get(
    "/users/{eui}", tags=["users"], summary="Get a DCC User", responses={404: _PROBLEMS[404]}
)
def get_user(eui: EuiPath, estate: EstateDep) -> UserOut:
    user = estate.users.get_user(_eui(eui))
    if user is None:
        raise HTTPException(404, f"User {_eui(eui)} is not known")
    return UserOut.of(user)


@router.patch(
    "/users/{eui}",
    tags=["users"],
    summary="Change a User's roles, status, callback URL, name, party or tags",
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404]},
)
async def update_user(eui: EuiPath, body: UserPatch, estate: EstateDep) -> UserOut:
    clear_callback = "callback_url" in body.model_fields_set and body.callback_url is None
    update = UserUpdate(
        name=body.name,
        party=body.party,
        roles=None if body.roles is None else frozenset(body.roles),
        status=body.status,
        callback_url=body.callback_url,
        clear_callback_url=clear_callback,
        tags=None if body.tags is None else frozenset(body.tags),
    )
    changed = await estate.users.update(_eui(eui), update)
    if isinstance(changed, EstateRefusal):
        raise _refused(changed)
    return UserOut.of(changed)


@router.get(
    "/users/{eui}/certificates",
    tags=["users"],
    summary="The certificate serials the DCC knows a User by",
    responses={404: _PROBLEMS[404]},
)
def list_certificates(eui: EuiPath, estate: EstateDep) -> list[CertificateOut]:
    if estate.users.get_user(_eui(eui)) is None:
        raise HTTPException(404, f"User {_eui(eui)} is not known")
    return [CertificateOut.of(c) for c in estate.users.certificates(_eui(eui))]


@router.post(
    "/users/{eui}/certificates",
    tags=["users"],
    summary="Register a certificate serial for a User",
    status_code=201,
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404], 409: _PROBLEMS[409]},
)
async def add_certificate(eui: EuiPath, body: CertificateIn, estate: EstateDep) -> CertificateOut:
    role: RemotePartyRole | None = None
    if body.remote_party_role is not None:
        try:
            role = RemotePartyRole(int(body.remote_party_role, 16))
        except ValueError:
            raise HTTPException(
                422, f"{body.remote_party_role} is not a remote-party role"
            ) from None
    certificate = UserCertificate(int(body.serial), body.label, role)
    added = await estate.users.add_certificate(_eui(eui), certificate)
    if isinstance(added, EstateRefusal):
        raise _refused(added)
    return CertificateOut.of(added)


@router.delete(
    "/users/{eui}/certificates/{serial}",
    tags=["users"],
    summary="Forget a certificate serial",
    status_code=204,
    responses={404: _PROBLEMS[404]},
)
async def remove_certificate(
    eui: EuiPath,
    serial: Annotated[str, Path(pattern=SERIAL_PATTERN)],
    estate: EstateDep,
) -> Response:
    removed = await estate.users.remove_certificate(_eui(eui), int(serial))
    if isinstance(removed, EstateRefusal):
        raise _refused(removed)
    return Response(status_code=204)


# --- Devices --------------------------------------------------------------------------------


@router.get("/devices", tags=["devices"], summary="List Devices, filtered, in EUI order")
def list_devices(
    estate: EstateDep,
    device_type: DeviceType | None = None,
    status: SmiStatus | None = None,
    region: CspRegion | None = None,
    uprn: Annotated[int | None, Query(ge=1, le=999_999_999_999)] = None,
    mpxn: Annotated[str | None, Query(pattern=MPXN_PATTERN)] = None,
    chf_id: Annotated[str | None, Query(pattern=EUI_PATTERN)] = None,
    postcode: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9 ]{5,10}$")] = None,
    after: Annotated[
        str | None, Query(pattern=EUI_PATTERN, description="Continue after this EUI.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DevicePageOut:
    where = DeviceFilter(
        device_type=device_type,
        status=status,
        region=region,
        uprn=uprn,
        mpxn=mpxn,
        chf_id=None if chf_id is None else _eui(chf_id),
        postcode=postcode,
    )
    page = estate.inventory.list_devices(
        where, after=None if after is None else _eui(after), limit=limit
    )
    return DevicePageOut.of(page)


@router.post(
    "/devices",
    tags=["devices"],
    summary="Add a Device to the inventory",
    status_code=201,
    responses={400: _PROBLEMS[400], 409: _PROBLEMS[409]},
)
async def add_device(body: DeviceCreate, estate: EstateDep, clock: ClockDep) -> DeviceOut:
    new = NewDevice(
        device_id=_eui(body.device_id),
        device_type=body.device_type,
        region=body.region,
        status=body.status,
        uprn=body.uprn,
        mpxn=body.mpxn,
        secondary_mpan=body.secondary_mpan,
        export_mpan=body.export_mpan,
        chf_id=None if body.chf_id is None else _eui(body.chf_id),
        parent_id=None if body.parent_id is None else _eui(body.parent_id),
        joined_meters=tuple(_eui(m) for m in body.joined_meters),
        manufacturer=body.manufacturer,
        model=body.model,
        firmware_version=body.firmware_version,
        gbcs_version=body.gbcs_version,
        smets_chts_version=body.smets_chts_version,
        esme_variant=body.esme_variant,
    )
    added = await estate.inventory.add_device(new, body.at or clock.now(), body.cause)
    if isinstance(added, EstateRefusal):
        raise _refused(added)
    return DeviceOut.of(added)


def _details(estate: Estate, eui: str) -> DeviceDetails:
    details = estate.inventory.device_details(_eui(eui))
    if details is None:
        raise HTTPException(404, f"Device {_eui(eui)} is not in the inventory")
    return details


@router.get(
    "/devices/{eui}", tags=["devices"], summary="Get a Device", responses={404: _PROBLEMS[404]}
)
def get_device(eui: EuiPath, estate: EstateDep) -> DeviceOut:
    return DeviceOut.of(_details(estate, eui))


@router.patch(
    "/devices/{eui}",
    tags=["devices"],
    summary="Change a Device's details or MPxNs",
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404]},
)
async def update_device(eui: EuiPath, body: DevicePatch, estate: EstateDep) -> DeviceOut:
    update = DeviceUpdate(
        manufacturer=body.manufacturer,
        model=body.model,
        firmware_version=body.firmware_version,
        gbcs_version=body.gbcs_version,
        smets_chts_version=body.smets_chts_version,
        esme_variant=body.esme_variant,
        mpxn=body.mpxn,
        secondary_mpan=body.secondary_mpan,
        export_mpan=body.export_mpan,
        clear=frozenset(body.clear),
    )
    changed = await estate.inventory.update_device(_eui(eui), update)
    if isinstance(changed, EstateRefusal):
        raise _refused(changed)
    return DeviceOut.of(changed)


@router.get(
    "/devices/{eui}/history",
    tags=["devices"],
    summary="A Device's SMI status history, oldest first",
    responses={404: _PROBLEMS[404]},
)
def status_history(eui: EuiPath, estate: EstateDep) -> list[StatusChangeOut]:
    _details(estate, eui)
    return [StatusChangeOut.of(c) for c in estate.inventory.status_history(_eui(eui))]


@router.post(
    "/devices/{eui}/status",
    tags=["devices"],
    summary="Change a Device's SMI status through the transition table",
    responses={
        400: _PROBLEMS[400],
        404: _PROBLEMS[404],
        409: {
            "model": TransitionRefusedOut,
            "description": "No row of the transition table allows this event from the status.",
        },
    },
)
async def change_status(
    eui: EuiPath, body: StatusChangeIn, estate: EstateDep, clock: ClockDep
) -> Any:
    at: datetime = body.at or clock.now()
    result = await estate.inventory.change_status(_eui(eui), body.event, at, body.cause)
    if isinstance(result, TransitionRefused):
        return JSONResponse(TransitionRefusedOut.of(result).model_dump(mode="json"), 409)
    if isinstance(result, EstateRefusal):
        raise _refused(result)
    return DeviceOut.of(_details(estate, eui))


@router.post(
    "/devices/{eui}/joins",
    tags=["devices"],
    summary="Record that a PPMID, HCALCS or Type 2 device is joined to a meter",
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404], 409: _PROBLEMS[409]},
)
async def join(eui: EuiPath, body: JoinIn, estate: EstateDep) -> DeviceOut:
    joined = await estate.inventory.join(_eui(eui), _eui(body.meter_id))
    if isinstance(joined, EstateRefusal):
        raise _refused(joined)
    return DeviceOut.of(joined)


@router.delete(
    "/devices/{eui}/joins/{meter_id}",
    tags=["devices"],
    summary="Record that a HAN device is no longer joined to a meter",
    responses={404: _PROBLEMS[404]},
)
async def unjoin(eui: EuiPath, meter_id: EuiPath, estate: EstateDep) -> DeviceOut:
    left = await estate.inventory.unjoin(_eui(eui), _eui(meter_id))
    if isinstance(left, EstateRefusal):
        raise _refused(left)
    return DeviceOut.of(left)


# --- Premises -------------------------------------------------------------------------------


@router.post(
    "/premises",
    tags=["premises"],
    summary="Add a premises",
    status_code=201,
    responses={400: _PROBLEMS[400], 409: _PROBLEMS[409]},
)
async def add_premises(body: PremisesIn, estate: EstateDep) -> PremisesOut:
    added = await estate.inventory.add_premises(body.premises())
    if isinstance(added, EstateRefusal):
        raise _refused(added)
    return PremisesOut.of(added)


@router.get(
    "/premises/{uprn}",
    tags=["premises"],
    summary="A premises and the Devices installed there",
    responses={404: _PROBLEMS[404]},
)
def get_premises(
    uprn: Annotated[int, Path(ge=1, le=999_999_999_999)], estate: EstateDep
) -> PremisesDevicesOut:
    premises = estate.inventory.premises(uprn)
    if premises is None:
        raise HTTPException(404, f"premises {uprn} is not known")
    devices = [DeviceOut.of(d) for d in estate.inventory.devices_at(uprn)]
    return PremisesDevicesOut(premises=PremisesOut.of(premises), devices=devices)


# --- Registrations --------------------------------------------------------------------------


@router.get(
    "/registrations/{mpxn}",
    tags=["registrations"],
    summary="Who holds an MPAN or MPRN: every registration, or those in force at a time",
)
def list_registrations(
    mpxn: MpxnPath,
    estate: EstateDep,
    at: Annotated[IsoDatetime | None, Query(description="Only those in force then.")] = None,
) -> list[RegistrationOut]:
    if at is not None and at.tzinfo is None:
        raise HTTPException(422, "at must carry a time zone, e.g. 2025-01-01T00:00:00Z")
    found = (
        estate.registrations.history(mpxn)
        if at is None
        else estate.registrations.registrations_for([mpxn], at)
    )
    return [RegistrationOut.of(r) for r in found]


@router.post(
    "/registrations",
    tags=["registrations"],
    summary="Add a registration (refused if it overlaps one for the same MPxN and role)",
    status_code=201,
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404], 409: _PROBLEMS[409]},
)
async def add_registration(body: RegistrationIn, estate: EstateDep) -> RegistrationOut:
    fuel = fuel_of(body.mpxn)
    if fuel is None:
        raise HTTPException(422, f"{body.mpxn} is neither an MPAN (13 digits) nor an MPRN")
    registration = Registration(
        body.mpxn, fuel, body.role, _eui(body.party), body.valid_from, body.valid_to
    )
    added = await estate.registrations.add(registration)
    if isinstance(added, EstateRefusal):
        raise _refused(added)
    return RegistrationOut.of(added)


@router.post(
    "/registrations/{mpxn}/change-of-supplier",
    tags=["registrations"],
    summary="Change of supplier (or of any registered party) taking effect at a date",
    responses={400: _PROBLEMS[400], 404: _PROBLEMS[404], 409: _PROBLEMS[409]},
)
async def change_of_supplier(
    mpxn: MpxnPath, body: ChangeOfSupplierIn, estate: EstateDep
) -> RegistrationChangeOut:
    change = await estate.registrations.change_party(
        mpxn, body.role, _eui(body.party), body.effective_from
    )
    if isinstance(change, EstateRefusal):
        raise _refused(change)
    return RegistrationChangeOut.of(change)


# --- Summary --------------------------------------------------------------------------------


@router.get("/summary", tags=["estate"], summary="What the estate holds, counted")
def summary(estate: EstateDep) -> EstateSummaryOut:
    return EstateSummaryOut.of(estate.counts())
