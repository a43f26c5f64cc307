"""What the reads transforms (Service References 4, 6.13, 9.1, 14.1) share.

- The DUIS ``ReadLogPeriod`` of range requests, read once into a ``LogPeriod``.
- Who originates the Command (``Origination``). A Device only obeys Remote Parties whose
  trust anchors it holds. When it holds none for the requesting User the DCC itself sends
  the Command as Access Control Broker (ACB) and names the User as *supplementary remote
  party* (GBCS "Unknown Remote Party" messages): the Export Supplier, Registered Supplier
  Agent and Other User roles (``opendcc.access.roles.remote_party_role_of`` maps them to
  GBCS "other user"), every Command to a CHF (which trusts only the ACB and WAN provider),
  and the use cases the reference data shows the ACB always sending (``ACB_ALWAYS``). The
  payload's invoke id and protection parameters then carry the ACB's own originator
  counter (``TransformInput.dcc_counter``), as the ECS21c, GCS61 and ECS50 vectors show.
- Building the ``CommandSpec`` from a use case (message codes from ``opendcc.gbcs``).
- Protected DLMS reads over a date range: GBCS 7.3.2 ``get_protected_attributes`` whose
  attribute descriptors carry the selective access ``{1, {from, to}}`` as COSEM
  date-times (ECS20b/c, ECS21a, ECS22b, ECS66 vectors).
- Times: GBCS "seconds since 2000" in DLMS range descriptors and ZigBee UTC in GBZ
  commands; ZigBee's 0xFFFFFFFF means "invalid", so later instants clamp to 0xFFFFFFFE
  (the GCS15e vector's end time for a DUIS ``EndDateTime`` of 3000-12-31).
- Refusals: a body value a transform cannot use gives the variant's own DUIS code where the
  schema lists one for it, else ``E100`` (opendcc's choice: the DUIS schema gives the reads
  no per-variant code for a period it cannot read; a schema-valid request never gets here).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final

from cryptography import x509
from lxml import etree

from opendcc.access.roles import remote_party_role_of
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs import message_codes
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms import usecases as use_case_table
from opendcc.gbcs.dlms.apdu import Action, Get, Request, ResponseKind
from opendcc.gbcs.dlms.cosem import (
    RANGE_DESCRIPTOR,
    AttributeDescriptor,
    ObisCode,
    SelectiveAccess,
)
from opendcc.gbcs.dlms.data import Data, DoubleLongUnsigned, Enum, Integer, LongUnsigned, NullData
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform import duisxml as x
from opendcc.transform.registry import (
    CommandSpec,
    DccOrigination,
    TransformInput,
    TransformRefusal,
)

GBCS_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)
ZIGBEE_LATEST: Final = 0xFFFF_FFFE
"""The latest ZigBee UTC time a Command may carry (0xFFFFFFFF is "invalid")."""
DLMS_LATEST: Final = 0xFFFF_FFFF

ACB_ALWAYS: Final = frozenset({"GCS31"})
"""Use cases the reference vectors show the ACB sending even for a known Remote Party:
GCS31 (14.1 Record Network Data) is sent by the ACB on the Gas Transporter's behalf."""

BODY_REFUSAL_CODES: Final[dict[str, str]] = {"4.17": "E041701", "6.13": "E061301"}
DEFAULT_BODY_REFUSAL: Final = "E100"


def refuse(request: TransformInput, reason: str) -> TransformRefusal:
    """The refusal for a body value the variant cannot use (see the module docstring)."""
    return TransformRefusal(BODY_REFUSAL_CODES.get(request.variant, DEFAULT_BODY_REFUSAL), reason)


# --- log periods ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogPeriod:
    """The DUIS ``ReadLogPeriod``: log entries from ``start`` to ``end`` inclusive."""

    start: datetime
    end: datetime


def log_period(body: etree._Element, now: datetime | None = None) -> LogPeriod:
    """The body's ``ReadLogPeriod``; raises ``BodyValueError``. A start after the end is
    passed on as asked: the Device then finds no entries (GBCS leaves it to the Device).

    A DCC-scheduled body (DUIS ``ReadLogPeriodOffset``, 5.x schedules of these reads)
    gives day offsets (0 to -400) from the day of execution, ``now``, and times of day."""
    if x.child(body, "StartDateOffset") is not None and now is not None:
        today = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
        return LogPeriod(_offset(body, today, "Start"), _offset(body, today, "End"))
    period = x.require(body, "ReadLogPeriod")
    return LogPeriod(x.timestamp(period, "StartDateTime"), x.timestamp(period, "EndDateTime"))


def _offset(body: etree._Element, today: datetime, which: str) -> datetime:
    days = x.integer(body, f"{which}DateOffset", low=-400, high=0)
    raw = x.text(body, f"{which}Time").rstrip("Z")
    try:
        at = time.fromisoformat(raw)
    except ValueError:
        raise x.BodyValueError(f"{which}Time is not a time of day: {raw!r}") from None
    return today + timedelta(days=days, hours=at.hour, minutes=at.minute, seconds=at.second)


def gbcs_seconds(moment: datetime) -> int:
    """Seconds since 2000-01-01 UTC for a DLMS range descriptor (clamped to uint32)."""
    seconds = int((moment - GBCS_EPOCH).total_seconds())
    if seconds < 0:
        raise x.BodyValueError(f"{moment.isoformat()} is before 2000, which GBCS cannot carry")
    return min(seconds, DLMS_LATEST)


def zigbee_seconds(moment: datetime) -> int:
    """ZigBee UTC time for a GBZ field (clamped below the "invalid" value)."""
    seconds = int((moment - GBCS_EPOCH).total_seconds())
    if seconds < 0:
        raise x.BodyValueError(f"{moment.isoformat()} is before 2000, which GBCS cannot carry")
    return min(seconds, ZIGBEE_LATEST)


# --- origination ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Origination:
    """Who sends the Command and which counter its payload carries."""

    via_acb: bool
    counter: int
    """The GBCS originator counter of the Command (the invoke id's source)."""
    user: Eui64
    supplementary_ka_certificate: bytes | None = None


def originate(
    request: TransformInput, use_case: str, ka_certificate: bytes | None = None
) -> Origination:
    """Direct from the User, or from the ACB on its behalf (see the module docstring).

    ``ka_certificate`` is the User's KA certificate from the body
    (``KAPublicSecurityCredentials``): it travels in the other-information of an ACB
    Command so that the Device can encrypt its answer for a User it does not know."""
    via_acb = (
        use_case in ACB_ALWAYS
        or request.device.device_type is DeviceType.CHF
        or remote_party_role_of(request.role) is RemotePartyRole.OTHER_USER
    )
    if not via_acb:
        return Origination(False, request.counter, request.originator)
    counter = (
        request.dcc_counter(DCC_ACCESS_CONTROL_BROKER)
        if request.dcc_counter is not None
        else request.counter
    )
    return Origination(True, counter, request.originator, ka_certificate)


def ka_certificate(body: etree._Element) -> bytes | None:
    """The optional ``KAPublicSecurityCredentials`` (base64 DER) of a URP-capable read."""
    text = x.optional_text(body, "KAPublicSecurityCredentials")
    if text is None:
        return None
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise x.BodyValueError("KAPublicSecurityCredentials is not base64") from None
    try:
        x509.load_der_x509_certificate(der)
    except ValueError:
        raise x.BodyValueError("KAPublicSecurityCredentials is not a DER certificate") from None
    return der


_CODES: Final[dict[str, int]] = {}


def message_code(use_case: str) -> int:
    """The Command message code of ``use_case`` (cached; the table is fixed)."""
    code = _CODES.get(use_case)
    if code is None:
        found = message_codes.command_code(use_case)
        if found is None:  # pragma: no cover - the use cases here are all in the table
            raise LookupError(f"no message code for {use_case}")
        code = _CODES[use_case] = found.value
    return code


def command_spec(
    request: TransformInput, use_case: str, payload: bytes, origin: Origination
) -> CommandSpec:
    if not origin.via_acb:
        return CommandSpec(use_case, message_code(use_case), request.target, payload)
    return CommandSpec(
        use_case,
        message_code(use_case),
        request.target,
        payload,
        supplementary_remote_party=origin.user,
        supplementary_remote_party_counter=request.counter,
        supplementary_remote_party_ka_certificate=origin.supplementary_ka_certificate,
        dcc_origination=DccOrigination(DCC_ACCESS_CONTROL_BROKER, origin.counter),
    )


# --- DLMS ------------------------------------------------------------------------------

_NO_SELECTION: Final = b.structure(Enum(0), NullData())


def date_range_selection(period: LogPeriod) -> Data:
    """The selective access of a protected profile read: ``{1, {from, to}}``, COSEM
    date-times (GBCS 7.3.2 protected reads of profiles, as the ECS20b vectors carry)."""
    return b.structure(Enum(1), b.structure(b.date_time(period.start), b.date_time(period.end)))


def protected_read(
    method_obis: str | ObisCode,
    protected: Sequence[tuple[int, str | ObisCode, int]],
    origin: Origination,
    target: Eui64,
    period: LogPeriod | None = None,
) -> Action:
    """``get_protected_attributes`` on ``method_obis`` for each (class, OBIS, attribute),
    over ``period`` when given, asking the Device to encrypt its answer for the User."""
    selection = _NO_SELECTION if period is None else date_range_selection(period)
    descriptors = b.array(
        b.structure(LongUnsigned(cls), b.obis(obis), Integer(attr), LongUnsigned(0), selection)
        for cls, obis, attr in protected
    )
    parameters = b.protection_parameters(origin.counter, origin.user, target)
    return b.action(30, method_obis, 1, b.structure(descriptors, parameters))


def time_range(period: LogPeriod) -> SelectiveAccess:
    """The range descriptor of an unprotected profile read (seconds since 2000)."""
    return SelectiveAccess(
        RANGE_DESCRIPTOR,
        b.structure(
            b.structure(LongUnsigned(1), b.obis("0-0:94.44.100.255"), Integer(2), LongUnsigned(0)),
            DoubleLongUnsigned(gbcs_seconds(period.start)),
            DoubleLongUnsigned(gbcs_seconds(period.end)),
            b.array(()),
        ),
    )


def dlms_read(
    use_case: str,
    request: TransformInput,
    origin: Origination,
    period: LogPeriod | None = None,
    variant: int = 0,
) -> bytes:
    """The DLMS Command of a read use case, its requests in the order GBCS fixes
    (``opendcc.gbcs.dlms.usecase_table``): gets, with ``period`` as the range of every
    profile buffer read (class 7, attribute 2), and protected reads."""
    case = use_case_table.use_case(use_case)
    if case is None:  # pragma: no cover - the use cases here are all in the table
        raise LookupError(f"no DLMS request list for {use_case}")
    requests: list[Request] = []
    for slot in case.variants[variant]:
        descriptor = slot.descriptor
        if slot.kind is ResponseKind.ACTION:
            protected: list[tuple[int, str | ObisCode, int]] = [
                (p.descriptor.class_id, p.descriptor.instance, p.descriptor.attribute_id)
                for p in slot.protects
                if isinstance(p.descriptor, AttributeDescriptor)
            ]
            profile = any(cls == 7 for cls, _, _ in protected)
            requests.append(
                protected_read(
                    descriptor.instance,
                    protected,
                    origin,
                    request.target,
                    period if profile else None,
                )
            )
        elif isinstance(descriptor, AttributeDescriptor):
            access = None
            if period is not None and descriptor.class_id == 7 and descriptor.attribute_id == 2:
                access = time_range(period)
            requests.append(Get(descriptor, access))
    apdu = b.access_request(origin.counter, requests)
    return encode_dlms(b.payload(apdu))
