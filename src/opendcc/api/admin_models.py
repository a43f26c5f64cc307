"""The admin REST API's request and response bodies (pydantic models, hence its OpenAPI).

Conversions to and from the estate's records live here too, so ``api.admin`` holds only
routes. EUI-64s travel in the DUIS form (``90-B3-D5-1F-30-01-00-00``; the compact
16-hex-digit form is accepted on input), certificate serials as decimal strings (they
exceed JSON's exact integers), times as ISO 8601 with a zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from opendcc.access.users import DccUser, UserStatus
from opendcc.estate.records import (
    DeviceDetails,
    DevicePage,
    EsmeVariant,
    EstateCounts,
    Premises,
    RegistrationChange,
    UserCertificate,
)
from opendcc.eui import Eui64
from opendcc.inventory.model import (
    CspRegion,
    DeviceType,
    Fuel,
    MarketRole,
    Registration,
    SmiStatus,
    StatusChange,
)
from opendcc.inventory.transitions import TRANSITIONS, InventoryEvent, TransitionRefused
from opendcc.roles import UserRole

EUI_PATTERN: Final = r"^([0-9A-Fa-f]{2}-){7}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{16}$"
SERIAL_PATTERN: Final = r"^[1-9][0-9]{0,48}$"


def canonical_eui(text: str) -> str:
    """An EUI-64 in either form ``EUI_PATTERN`` admits, any case, as the DUIS form the hub
    stores and compares (``90-B3-D5-1F-30-00-00-02``)."""
    return str(Eui64.parse(text))


CANONICAL_EUI: Final = AfterValidator(canonical_eui)
"""With ``EUI_PATTERN``: a path, query or body EUI read in either form, used in the DUIS one."""
MPXN_PATTERN: Final = r"^[0-9]{1,13}$"
MPAN_PATTERN: Final = r"^[0-9]{13}$"
TAG_PATTERN: Final = r"^[a-z0-9][a-z0-9_.-]{0,31}$"
"""A User's tag, as ``estate.rules.check_tags`` allows it."""
POSTCODE_PATTERN: Final = r"^[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}$"
"""A UK postcode (``estate.rules.check_premises``), either case, the space optional."""

_DATE_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_only(value: object) -> object:
    """Times travel as ISO 8601 / RFC 3339 date-times, as the OpenAPI document says
    (``format: date-time``). Pydantic would also take a number (seconds since 1970) or a
    bare date: ``valid_from: 0`` would silently mean 1970. Refuse both (422)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TIME.match(value):
        return value
    raise ValueError("a time is an ISO 8601 date-time with a zone, e.g. 2025-01-01T00:00:00Z")


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]
"""A date-time given as ISO 8601 text (never a number or a bare date)."""
IsoAwareDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]
"""The same, with a time zone."""

_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    """A date as ISO 8601 text (``format: date``), not a number of seconds or days."""
    if isinstance(value, date) or (isinstance(value, str) and _DATE.fullmatch(value)):
        return value
    raise ValueError("a date is ISO 8601 text, e.g. 2025-01-01")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


def _duis_form(text: str) -> str:
    return str(Eui64.parse(text))


EuiText = Annotated[
    str,
    Field(pattern=EUI_PATTERN, examples=["90-B3-D5-1F-30-01-00-00"]),
    AfterValidator(_duis_form),
]
"""An EUI-64, returned in DUIS form whatever form it came in."""

SerialText = Annotated[
    str, Field(pattern=SERIAL_PATTERN, description="Decimal certificate serial number.")
]
MpxnText = Annotated[
    str, Field(pattern=MPXN_PATTERN, description="An MPAN (13 digits) or MPRN (1-10 digits).")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Users ----------------------------------------------------------------------------------


class UserOut(_Model):
    """A DCC User: one User ID (EUI-64) acting in one or more User Roles."""

    eui: EuiText
    name: str
    party: str
    roles: list[UserRole] = Field(description="User Roles by their DUIS codes (IS, GS, ...).")
    status: UserStatus
    callback_url: str | None = Field(description="The User's Receive Response Service.")
    tags: list[str]

    @classmethod
    def of(cls, user: DccUser) -> UserOut:
        return cls(
            eui=str(user.eui),
            name=user.name,
            party=user.party,
            roles=sorted(user.roles, key=list(UserRole).index),
            status=user.status,
            callback_url=user.callback_url,
            tags=sorted(user.tags),
        )


class UserCreate(_Model):
    eui: EuiText
    name: str = Field(min_length=1, max_length=100)
    party: str = Field(default="", max_length=100)
    roles: list[UserRole] = Field(default_factory=list, max_length=7)
    status: UserStatus = UserStatus.ACTIVE
    callback_url: str | None = Field(
        default=None, max_length=2048, examples=["https://rrs.example/"]
    )
    tags: list[Annotated[str, Field(pattern=TAG_PATTERN)]] = Field(
        default_factory=list, max_length=16
    )

    def user(self) -> DccUser:
        return DccUser(
            eui=Eui64.parse(self.eui),
            name=self.name,
            roles=frozenset(self.roles),
            status=self.status,
            callback_url=self.callback_url,
            party=self.party,
            tags=frozenset(self.tags),
        )


class UserPatch(_Model):
    """Fields to change; ``callback_url`` set to null removes it."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    party: str | None = Field(default=None, max_length=100)
    roles: list[UserRole] | None = Field(default=None, max_length=7)
    status: UserStatus | None = None
    callback_url: str | None = Field(default=None, max_length=2048)
    tags: list[Annotated[str, Field(pattern=TAG_PATTERN)]] | None = Field(
        default=None, max_length=16
    )


class CertificateIn(_Model):
    serial: SerialText
    label: str = Field(default="", max_length=40, examples=["xmlsign-ds"])
    remote_party_role: str | None = Field(
        default=None, pattern=r"^[0-9A-Fa-f]{2}$", description="Two hex digits, as in the OU."
    )


class CertificateOut(_Model):
    serial: str
    label: str
    remote_party_role: str | None

    @classmethod
    def of(cls, certificate: UserCertificate) -> CertificateOut:
        role = certificate.remote_party_role
        return cls(
            serial=str(certificate.serial),
            label=certificate.label,
            remote_party_role=None if role is None else role.ou,
        )


# --- Devices --------------------------------------------------------------------------------


class DeviceOut(_Model):
    """A Device as the Smart Metering Inventory holds it."""

    device_id: EuiText
    device_type: DeviceType
    status: SmiStatus
    status_since: datetime
    region: CspRegion
    uprn: int | None
    mpxn: str | None = Field(description="The import MPAN (ESME) or MPRN (GSME).")
    secondary_mpan: str | None
    export_mpan: str | None
    chf_id: EuiText | None
    parent_id: EuiText | None = Field(description="A GSME's GPF; a HAN device's first meter.")
    joined_meters: list[EuiText]
    manufacturer: str
    model: str
    firmware_version: str
    gbcs_version: str
    smets_chts_version: str | None
    esme_variant: EsmeVariant | None
    installed_at: datetime | None
    commissioned_at: datetime | None
    added_at: datetime | None

    @classmethod
    def of(cls, details: DeviceDetails) -> DeviceOut:
        d = details.device
        return cls(
            device_id=str(d.device_id),
            device_type=d.device_type,
            status=d.status,
            status_since=d.status_since,
            region=d.region,
            uprn=details.uprn,
            mpxn=d.mpxn,
            secondary_mpan=details.secondary_mpan,
            export_mpan=details.export_mpan,
            chf_id=None if d.chf_id is None else str(d.chf_id),
            parent_id=None if d.parent_id is None else str(d.parent_id),
            joined_meters=[str(m) for m in details.joined_meters],
            manufacturer=d.manufacturer,
            model=d.model,
            firmware_version=d.firmware_version,
            gbcs_version=d.gbcs_version,
            smets_chts_version=details.smets_chts_version,
            esme_variant=details.esme_variant,
            installed_at=details.installed_at,
            commissioned_at=details.commissioned_at,
            added_at=details.added_at,
        )


class DevicePageOut(_Model):
    items: list[DeviceOut]
    next_after: EuiText | None = Field(
        description="Pass as 'after' for the next page; null on the last page."
    )

    @classmethod
    def of(cls, page: DevicePage) -> DevicePageOut:
        return cls(
            items=[DeviceOut.of(d) for d in page.items],
            next_after=None if page.next_after is None else str(page.next_after),
        )


class DeviceCreate(_Model):
    """A Device to add; it starts Pending (a Type 2 device NotApplicable) unless told."""

    device_id: EuiText
    device_type: DeviceType
    region: CspRegion
    status: SmiStatus | None = None
    uprn: int | None = Field(default=None, ge=1, le=999_999_999_999)
    mpxn: MpxnText | None = None
    secondary_mpan: MpxnText | None = None
    export_mpan: MpxnText | None = None
    chf_id: EuiText | None = None
    parent_id: EuiText | None = Field(default=None, description="A GSME's GPF.")
    joined_meters: list[EuiText] = Field(default_factory=list, max_length=4)
    manufacturer: str = Field(default="0000", min_length=1, max_length=30)
    model: str = Field(default="00000000", min_length=1, max_length=30)
    firmware_version: str = Field(default="00000001", min_length=1, max_length=8)
    gbcs_version: str = Field(default="4.1", min_length=1, max_length=20)
    smets_chts_version: str | None = Field(default=None, min_length=1, max_length=20)
    esme_variant: EsmeVariant | None = None
    cause: str = Field(default="admin: add device", min_length=1, max_length=200)
    at: IsoAwareDatetime | None = None


class DevicePatch(_Model):
    """Details to change (DUIS 8.4 UpdateDeviceDetails and UpdateMPxN); null MPxN fields
    named in ``clear`` are removed."""

    manufacturer: str | None = Field(default=None, min_length=1, max_length=30)
    model: str | None = Field(default=None, min_length=1, max_length=30)
    firmware_version: str | None = Field(default=None, min_length=1, max_length=8)
    gbcs_version: str | None = Field(default=None, min_length=1, max_length=20)
    smets_chts_version: str | None = Field(default=None, min_length=1, max_length=20)
    esme_variant: EsmeVariant | None = None
    mpxn: MpxnText | None = None
    secondary_mpan: MpxnText | None = None
    export_mpan: MpxnText | None = None
    clear: list[str] = Field(default_factory=list, max_length=3, examples=[["export_mpan"]])


class StatusChangeIn(_Model):
    event: InventoryEvent = Field(
        description=(
            "The enrolment event to apply through the SMI transition table. `suspend` is"
            " the DCC's action when a Device's Device Model / firmware leaves the Certified"
            " Products List (SEC Section F; SEC modification MP105): the Device then accepts"
            " only 11.2 and 11.3 (E5 otherwise) and still receives firmware (11.1);"
            " `reinstate` returns a Suspended Device to the status it held before its"
            " suspension, as a new firmware version learned from the Device (11.3, 11.2)"
            " does by itself."
        ),
        examples=["suspend"],
    )
    at: IsoAwareDatetime | None = Field(default=None, description="When; default now.")
    cause: str = Field(default="admin", min_length=1, max_length=200)


class StatusChangeOut(_Model):
    old: SmiStatus | None
    new: SmiStatus
    at: datetime
    cause: str

    @classmethod
    def of(cls, change: StatusChange) -> StatusChangeOut:
        return cls(old=change.old, new=change.new, at=change.at, cause=change.cause)


class TransitionRefusedOut(_Model):
    """409: the SMI transition table has no row for this status and event."""

    detail: str
    status: SmiStatus
    event: InventoryEvent
    allowed: list[InventoryEvent] = Field(description="The events this status does allow.")

    @classmethod
    def of(cls, refused: TransitionRefused) -> TransitionRefusedOut:
        return cls(
            detail=str(refused),
            status=refused.status,
            event=refused.event,
            allowed=sorted(e for (s, e) in TRANSITIONS if s is refused.status),
        )


class JoinIn(_Model):
    meter_id: EuiText


class PremisesIn(_Model):
    uprn: int = Field(ge=1, le=999_999_999_999)
    postcode: str = Field(
        min_length=5, max_length=8, pattern=POSTCODE_PATTERN, examples=["CV4 8UW"]
    )
    address_identifier: str = Field(min_length=1, max_length=30)
    region: CspRegion

    def premises(self) -> Premises:
        return Premises(self.uprn, self.postcode, self.address_identifier, self.region)


class PremisesOut(_Model):
    uprn: int
    postcode: str
    address_identifier: str
    region: CspRegion

    @classmethod
    def of(cls, premises: Premises) -> PremisesOut:
        return cls(
            uprn=premises.uprn,
            postcode=premises.postcode,
            address_identifier=premises.address_identifier,
            region=premises.region,
        )


class PremisesDevicesOut(_Model):
    premises: PremisesOut
    devices: list[DeviceOut]


# --- Registrations --------------------------------------------------------------------------


class RegistrationOut(_Model):
    mpxn: str
    fuel: Fuel
    role: MarketRole
    party: EuiText
    valid_from: datetime
    valid_to: datetime | None = Field(description="Null: still in force.")

    @classmethod
    def of(cls, registration: Registration) -> RegistrationOut:
        return cls(
            mpxn=registration.mpxn,
            fuel=registration.fuel,
            role=registration.role,
            party=str(registration.party),
            valid_from=registration.valid_from,
            valid_to=registration.valid_to,
        )


class RegistrationIn(_Model):
    mpxn: MpxnText
    role: MarketRole
    party: EuiText
    valid_from: IsoAwareDatetime
    valid_to: IsoAwareDatetime | None = None


class ChangeOfSupplierIn(_Model):
    """The new party takes the role from ``effective_from``; the old registration ends."""

    party: EuiText
    effective_from: IsoAwareDatetime
    role: MarketRole = Field(
        default=MarketRole.SUPPLIER,
        description="supplier (import or gas), export_supplier, or another registered role.",
    )


class RegistrationChangeOut(_Model):
    ended: RegistrationOut | None
    started: RegistrationOut

    @classmethod
    def of(cls, change: RegistrationChange) -> RegistrationChangeOut:
        return cls(
            ended=None if change.ended is None else RegistrationOut.of(change.ended),
            started=RegistrationOut.of(change.started),
        )


# --- Summary --------------------------------------------------------------------------------


class EstateSummaryOut(_Model):
    premises: int
    devices: int
    registrations: int
    users: int
    status_changes: int
    by_type: dict[str, int]
    by_status: dict[str, int]
    by_region: dict[str, int]

    @classmethod
    def of(cls, counts: EstateCounts) -> EstateSummaryOut:
        return cls(
            premises=counts.premises,
            devices=counts.devices,
            registrations=counts.registrations,
            users=counts.users,
            status_changes=counts.status_changes,
            by_type=counts.by_type,
            by_status=counts.by_status,
            by_region=counts.by_region,
        )


class ProblemOut(_Model):
    """A 4xx answer: what was wrong, in a sentence."""

    detail: str


class ValidationIssue(BaseModel):
    """One field a request got wrong (pydantic's error, as FastAPI reports it)."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class RuleRefusalOut(_Model):
    """A SEC rule's refusal: the reason, the clause and the consultation paragraph."""

    reason: str
    clause: str | None
    paragraph: str | None


class UnprocessableOut(_Model):
    """422: the request breaks a rule. ``detail`` is a sentence, the list of fields that are
    malformed, or (the SEC admin routes) the rule's refusal with its clause."""

    detail: str | list[ValidationIssue] | RuleRefusalOut


PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": ProblemOut, "description": "The body is not JSON text (e.g. not UTF-8)."},
    404: {"model": ProblemOut, "description": "No such User, Device, premises or MPxN."},
    409: {"model": ProblemOut, "description": "Conflicts with what the hub holds."},
    422: {
        "model": UnprocessableOut,
        "description": "The request breaks a rule (detail).",
    },
    503: {"model": ProblemOut, "description": "The hub is not running (starting or stopping)."},
}
"""The 4xx and 5xx answers the admin routers document (every one is ``{"detail": ...}``)."""


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries for ``codes``."""
    return {code: PROBLEM_RESPONSES[code] for code in codes}
