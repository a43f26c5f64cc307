"""The correlation check: the order of the checks and the verdict.

1. The bytes must be a Pre-Command: a GBCS Command's general signing part, unsigned, with no
   MAC header (with or without the trailing signature-length byte DUIS specifies).
2. The request must be critical (only critical requests are transformed into Pre-Commands).
3. The grouping header must name the User as originator and carry the request's counter
   (GBCS 4.3.1.6: the DUIS RequestID counter is the Command's originator counter).
4. The request is transformed here (``opendcc.correlate.expected``) and the Pre-Command must
   equal a transform exactly: recipient, message code, header date-time, supplementary
   fields and every payload byte; only the DCC's time of transformation may be the DCC's
   own, within ``clock_tolerance`` of when the Pre-Command was issued.
5. Otherwise the verdict names the first difference (``opendcc.correlate.explain``).

The check errs one way only: a Pre-Command it cannot vouch for (no transform, an
unreadable request, a transform failure) does not correlate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from lxml import etree

from opendcc.duis.messages import ServiceRequest, ServiceResponse
from opendcc.gbcs.build import grouping_header
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.frame import GbcsMessage, GroupingHeader, decode_message
from opendcc.roles import UserRole
from opendcc.transform.registry import CommandSpec

from .compare import payload_json
from .devices import DeviceFacts
from .expected import (
    Expected,
    attempts,
    dcc_time_candidates,
    time_dependent,
    transform_once,
)
from .explain import header_difference, payload_difference
from .paths import differing_leaves
from .verdict import DccFilledField, DifferenceKind, Verdict, refuse
from .words import humanise

DEFAULT_CLOCK_TOLERANCE: Final = timedelta(hours=1)
"""How far the DCC's time of transformation (IssuerEventID...) may be from when the
Pre-Command was issued: clock skew and queueing, not a day's difference."""
DCC_TIME_REASON: Final = (
    "the DCC's time of transformation (ZigBee Smart Energy issuer event or calendar id),"
    " which the request does not fix"
)


def correlate(
    request: ServiceRequest,
    pre_command: bytes,
    role: UserRole | None = None,
    *,
    at: datetime | None = None,
    clock_tolerance: timedelta | None = DEFAULT_CLOCK_TOLERANCE,
    devices: DeviceFacts | None = None,
) -> Verdict:
    """Whether ``pre_command`` (as returned for ``request``) does exactly what it asks.

    ``role``: the User Role the request was made in (None: any role eligible for the
    variant). ``at``: when the DCC issued the Pre-Command (the response's
    ``ResponseDateTime``; None: now). ``clock_tolerance``: how far the DCC's own time
    fields may be from ``at`` (None: any time, for checking archived Pre-Commands).
    ``devices``: what the User knows about its Devices (see ``DeviceFacts``).
    """
    try:
        message = decode_message(bytes(pre_command))
    except GbcsDecodeError as exc:
        return refuse(DifferenceKind.NOT_A_PRE_COMMAND, f"this is not a GBCS Pre-Command: {exc}")
    problem = _not_a_pre_command(message)
    if problem is not None:
        return refuse(DifferenceKind.NOT_A_PRE_COMMAND, problem)
    variant = request.header.variant
    if not variant.critical:
        return refuse(
            DifferenceKind.NOT_CRITICAL,
            f"{variant.code} {variant.name} is not a critical Service Request: the DCC returns"
            " no Pre-Command for it, so there is nothing to sign",
        )
    rid = request.header.request_id
    if message.originator != rid.originator:
        return refuse(
            DifferenceKind.ORIGINATOR,
            f"the Pre-Command names {message.originator} as originator, not you"
            f" ({rid.originator}): your signature would vouch for another party's Command",
            field="GBCS originator",
        )
    if message.counter != rid.counter:
        return refuse(
            DifferenceKind.COUNTER,
            f"the Pre-Command carries originator counter {message.counter} where the request's"
            f" RequestID has {rid.counter}: it is not the Command for this request",
            field="GBCS originator counter",
        )
    now = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return _compare(request, message, role, now, clock_tolerance, devices)


def _not_a_pre_command(message: GbcsMessage) -> str | None:
    if message.cra is not Cra.COMMAND:
        return f"the message is a GBCS {message.cra.label}, not a Command"
    if message.mac_header:
        return (
            "the message carries a MAC header: it is a Command ready for the WAN, not a"
            " Pre-Command for you to sign"
        )
    if message.signature is not None:
        return "the Pre-Command is already signed"
    return None


def _compare(
    request: ServiceRequest,
    message: GbcsMessage,
    role: UserRole | None,
    now: datetime,
    tolerance: timedelta | None,
    facts: DeviceFacts | None,
) -> Verdict:
    found: list[Expected] = []
    refusals: list[str] = []
    for item in attempts(request, role, now, facts):
        if isinstance(item, str):
            refusals.append(item)
            continue
        if _same_header(item.spec, message) and item.spec.payload == message.payload:
            return _correlates(item, *_time_fields(request, item, message, facts))
        found.append(item)
    if not found:
        reasons = "; ".join(refusals[:3]) or "no transform is registered"
        return refuse(
            DifferenceKind.CANNOT_CHECK,
            f"opendcc cannot transform {request.header.variant.code} itself, so it cannot vouch"
            f" for this Pre-Command ({reasons})",
        )
    aligned: dict[int, Expected] = {}
    too_far: tuple[Expected, datetime, list[tuple[str, object]]] | None = None
    actual = payload_json(message.payload, message)
    for index, item in enumerate(found):
        if not _same_header(item.spec, message) or actual is None:
            continue
        later = time_dependent(request, item, facts)
        if later is None:
            continue
        first, second = (
            payload_json(item.spec.payload, message),
            payload_json(later.spec.payload, message),
        )
        if first is None or second is None:
            continue
        for instant, fields in dcc_time_candidates(first, second, actual, now):
            spec = transform_once(request, item.profile, item.role, instant, facts)
            if not isinstance(spec, CommandSpec):
                continue
            retimed = Expected(item.profile, item.role, instant, spec)
            if not _same_header(spec, message):
                continue
            aligned.setdefault(index, retimed)
            if spec.payload != message.payload:
                continue
            if tolerance is not None and abs(instant - now) > tolerance:
                too_far = too_far or (retimed, instant, list(fields))
                continue
            filled = tuple(
                DccFilledField(path, str(value), DCC_TIME_REASON) for path, value in _shown(fields)
            )
            return _correlates(retimed, instant, filled)
    if too_far is not None:
        item, instant, fields = too_far
        assert tolerance is not None
        shown = _shown(fields)
        names = ", ".join(sorted({humanise(path.rsplit("/", 1)[-1]) for path, _ in shown}))
        return refuse(
            DifferenceKind.DCC_TIME,
            f"the Pre-Command's time of transformation ({names}) says"
            f" {instant.isoformat()}, {_span(instant - now)} from when it was issued"
            f" ({now.isoformat()}); more than the {_span(tolerance)} allowed: a DCC could"
            " otherwise make the Device ignore your later instructions",
            field=f"GBCS {shown[0][0]}" if shown else None,
            use_case=item.spec.use_case,
            device_type=item.profile.device.device_type.value,
            dcc_time=instant,
        )
    best_index = _closest(found, message)
    best = aligned.get(best_index, found[best_index])
    explanation = header_difference(best, message) or payload_difference(
        request, best, message, facts
    )
    return refuse(
        explanation.kind,
        explanation.text,
        field=explanation.field,
        use_case=best.spec.use_case,
        device_type=best.profile.device.device_type.value,
    )


def _correlates(
    item: Expected, instant: datetime | None, filled: tuple[DccFilledField, ...]
) -> Verdict:
    return Verdict(
        True,
        None,
        item.spec.use_case,
        dcc_filled=filled,
        dcc_time=instant,
        device_type=item.profile.device.device_type.value,
    )


def expected_header(spec: CommandSpec, message: GbcsMessage) -> GroupingHeader | None:
    """The grouping header the request's Command has (originator and counter as checked)."""
    try:
        return grouping_header(
            Cra.COMMAND,
            originator=message.originator,
            recipient=spec.recipient,
            counter=message.counter,
            message_code=spec.message_code,
            date_time=spec.date_time,
            supplementary_remote_party=spec.supplementary_remote_party,
            supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
            supplementary_remote_party_ka_certificate=spec.supplementary_remote_party_ka_certificate,
        )
    except GbcsEncodeError:
        return None


def _same_header(spec: CommandSpec, message: GbcsMessage) -> bool:
    # A Command a DCC party originates (the ACB, the CoS Party) is never the User's to sign.
    if spec.dcc_origination is not None:
        return False
    return expected_header(spec, message) == message.header


def _closest(found: list[Expected], message: GbcsMessage) -> int:
    """The transform to explain the difference against: same recipient and message code
    first, then the longest common payload prefix."""

    def score(item: Expected) -> tuple[int, int, int]:
        spec = item.spec
        common = 0
        for a, b in zip(spec.payload, message.payload, strict=False):
            if a != b:
                break
            common += 1
        return (
            int(spec.message_code == message.message_code),
            int(spec.recipient == message.recipient),
            common,
        )

    return max(range(len(found)), key=lambda i: score(found[i]))


def _span(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds >= 2 * 86_400:
        return f"{seconds / 86_400:.0f} days"
    if seconds >= 2 * 3_600:
        return f"{seconds / 3_600:.0f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def correlate_response(
    request: ServiceRequest,
    response: ServiceResponse,
    role: UserRole | None = None,
    *,
    clock_tolerance: timedelta | None = DEFAULT_CLOCK_TOLERANCE,
    devices: DeviceFacts | None = None,
) -> Verdict:
    """Correlate the Pre-Command a DUIS CV 4 answer carries (``PreCommand/GBCSPayload``),
    taking the answer's ``ResponseDateTime`` as the time it was issued."""
    header = response.header
    if header.request_id is not None and header.request_id != request.header.request_id:
        return refuse(
            DifferenceKind.NOT_A_PRE_COMMAND,
            f"the response answers {header.request_id}, not this request"
            f" ({request.header.request_id})",
        )
    content = response.content
    if content is None or etree.QName(content).localname != "PreCommand":
        code = header.response_code
        return refuse(
            DifferenceKind.NOT_A_PRE_COMMAND,
            f"the response carries no PreCommand ({code.value}: {code.meaning})",
        )
    payload = response.gbcs_payload()
    if not isinstance(payload, bytes):
        detail = f": {payload}" if payload is not None else ""
        return refuse(
            DifferenceKind.NOT_A_PRE_COMMAND, f"the PreCommand's GBCSPayload is unreadable{detail}"
        )
    return correlate(
        request,
        payload,
        role,
        at=header.response_datetime,
        clock_tolerance=clock_tolerance,
        devices=devices,
    )


def _shown(fields: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The fields as the named values show them (``values/...``), else as found."""
    named = [(path.removeprefix("values/"), v) for path, v in fields if path.startswith("values/")]
    return named or fields


def _time_fields(
    request: ServiceRequest, item: Expected, message: GbcsMessage, facts: DeviceFacts | None
) -> tuple[datetime | None, tuple[DccFilledField, ...]]:
    """For a Pre-Command that matched at ``item.now``: the fields carrying the DCC's time."""
    later = time_dependent(request, item, facts)
    if later is None:
        return None, ()
    first = payload_json(item.spec.payload, message)
    second = payload_json(later.spec.payload, message)
    if first is None or second is None:
        return item.now, ()
    fields = [(path, value) for path, value, _ in differing_leaves(first, second)]
    shown = _shown(fields)
    return item.now, tuple(DccFilledField(p, str(v), DCC_TIME_REASON) for p, v in shown)
