"""What the Pre-Command should be: the request transformed here, independently of the DCC.

Correlation re-runs opendcc's own transform of the request (``opendcc.transform``, the same
deterministic functions that make ``opendcc transform`` byte-exact against the reference
Pre-Commands) and compares. What the DCC knows that the request does not say is supplied in
one of two ways:

- **Facts about the Device** (``DeviceFacts``): when the User states the target, only that
  Device is used. Otherwise every *profile* the variant allows is tried: each Device type
  the variant applies to (``opendcc.transform.applicability``), each GBCS generation that
  selects a different use case (``GENERATION_PROBES``) and, for an ESME, each ESME variant
  that selects a different Command (single element, twin element, polyphase). A profile
  changes which Command carries the request, never the values the request sets: a Pre-Command
  that matches one profile's transform exactly does exactly what was asked.
- **The DCC's time of transformation**: some Commands carry the time the DCC made them
  (the ZigBee Smart Energy ``IssuerEventID`` and ``IssuerCalendarID`` of GBZ tariff, price,
  prepayment and supply Commands, which devices compare to tell a newer instruction from an
  older one). The User cannot know that instant exactly, so the Pre-Command's own time fields
  are read (``dcc_time_candidates``), the request is transformed again at that instant, and
  the whole Pre-Command must then match byte for byte. The instant must lie within the clock
  tolerance of when the Pre-Command was issued: a DCC could otherwise set an IssuerEventID far
  in the future and so make the device ignore the supplier's later instructions.

Nothing else is allowed to differ. The DCC assigns no counter in a Pre-Command (the
originator counter is the RequestID's, GBCS 4.3.1.6 and DUIS), chooses no grouping-header
date-time (the reference Pre-Commands carry none; a Device-held future-dated Command carries
its execution time where the transform puts it) and adds no supplementary remote party (that
belongs to Commands a DCC party originates, which are never Pre-Commands).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from opendcc.duis.messages import ServiceRequest
from opendcc.duis.timestamps import parse_xs_datetime
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.transform import catalogue as _catalogue  # noqa: F401  (loads every transform)
from opendcc.transform.applicability import DEVICE_TYPES
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, lookup

from .devices import DeviceFacts, ProbeView
from .paths import as_datetime, at_path, differing_leaves

GENERATION_PROBES: Final = ("4.1", "3.2", "2.0", "1.2")
"""GBCS versions tried when the Device's is not stated: one on each side of every version
at which a transform selects a newer use case (2.0: ECS08a, ECS26l, GCS21k; 3.0: ECS26m/n,
GCS21m; 4.0: GCS60a; 1.x: the CHF's CCS05CCS04)."""
ESME_VARIANT_PROBES: Final = (None, "B", "C")
"""DUIS ESMEVariant values tried for an ESME whose variant is not stated: single element
(A, the default), twin element (B) and polyphase (C)."""
TIME_PROBE: Final = timedelta(days=1, hours=1, minutes=1, seconds=1)
"""How far apart two transforms are made to find the fields that carry the DCC's time."""
MAX_TIME_CANDIDATES: Final = 4
_PREFERRED_TYPES: Final = (
    DeviceType.ESME,
    DeviceType.GSME,
    DeviceType.CHF,
    DeviceType.GPF,
    DeviceType.PPMID,
    DeviceType.HCALCS,
    DeviceType.IHD,
)
_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Profile:
    """One assumption about the target Device."""

    device: Device
    esme_variant: str | None
    stated: bool
    """True when the User stated the Device (``DeviceFacts``)."""

    @property
    def label(self) -> str:
        text = str(self.device.device_type.value)
        if not self.stated:
            text += f" (GBCS {self.device.gbcs_version}"
            if self.esme_variant:
                text += f", ESMEVariant {self.esme_variant}"
            text += ")"
        return text


@dataclass(frozen=True, slots=True)
class Expected:
    """A transform of the request: under which assumptions, at which time, and its result."""

    profile: Profile
    role: UserRole
    now: datetime
    spec: CommandSpec


@dataclass(frozen=True, slots=True)
class Attempts:
    """Every transform tried, and why the others produced nothing."""

    expected: tuple[Expected, ...]
    refusals: tuple[str, ...]


def profiles(request: ServiceRequest, facts: DeviceFacts | None) -> list[Profile]:
    """The Device assumptions to try, the most common first."""
    rid = request.header.request_id
    applicable = DEVICE_TYPES.get(request.header.variant.code, frozenset())
    known = facts.get_device(rid.target) if facts is not None else None
    if known is not None:
        variant = facts.esme_variant(rid.target) if facts is not None else None
        if variant is not None or known.device_type is not DeviceType.ESME:
            return [Profile(known, variant, True)]
        return [Profile(known, probe, True) for probe in ESME_VARIANT_PROBES]
    found: list[Profile] = []
    for device_type in _PREFERRED_TYPES:
        if device_type not in applicable:
            continue
        variants = ESME_VARIANT_PROBES if device_type is DeviceType.ESME else (None,)
        for version in GENERATION_PROBES:
            device = Device(
                rid.target,
                device_type,
                SmiStatus.COMMISSIONED,
                _EPOCH,
                CspRegion.CENTRAL,
                gbcs_version=version,
            )
            found.extend(Profile(device, variant, False) for variant in variants)
    return found


def roles_for(request: ServiceRequest, role: UserRole | None) -> list[UserRole]:
    if role is not None:
        return [role]
    eligible = sorted(request.header.variant.eligible_roles, key=lambda r: r.value)
    return eligible or [UserRole.IMPORT_SUPPLIER]


def transform_once(
    request: ServiceRequest,
    profile: Profile,
    role: UserRole,
    now: datetime,
    facts: DeviceFacts | None,
    body: Any = None,
) -> CommandSpec | TransformRefusal:
    """The request's transform under ``profile`` at ``now`` (``body`` replaces the body)."""
    header = request.header
    rid = header.request_id
    device = profile.device
    execution = request.execution_datetime
    if body is not None:
        execution = _execution_of(body)
    transform = lookup(header.variant.code, device.device_type)
    if transform is None:
        return TransformRefusal(
            "E11", f"opendcc has no transform for {header.variant.code} on a {device.device_type}"
        )
    try:
        return transform(
            TransformInput(
                variant=header.variant.code,
                body=request.body if body is None else body,
                originator=rid.originator,
                target=rid.target,
                counter=rid.counter,
                device=device,
                role=role,
                now=now,
                execution_at=execution,
                inventory=ProbeView(facts, rid.target, profile.esme_variant),
            )
        )
    except Exception as exc:  # a transform bug must not open or crash the signing gate
        return TransformRefusal("E20", f"the transform failed: {type(exc).__name__}: {exc}")


def attempts(
    request: ServiceRequest, role: UserRole | None, now: datetime, facts: DeviceFacts | None
) -> Iterator[Expected | str]:
    """Each distinct Command the request transforms to (or a refusal's reason), lazily,
    so that the common case stops at the first profile."""
    seen: set[tuple[int, object, bytes]] = set()
    for profile in profiles(request, facts):
        for user_role in roles_for(request, role):
            spec = transform_once(request, profile, user_role, now, facts)
            if isinstance(spec, TransformRefusal):
                yield f"{profile.label} as {user_role.value}: {spec.code} {spec.reason}"
                continue
            key = (spec.message_code, spec.recipient, spec.payload)
            if key not in seen:
                seen.add(key)
                yield Expected(profile, user_role, now, spec)


# --- the DCC's time of transformation ---------------------------------------------------


def time_dependent(
    request: ServiceRequest, expected: Expected, facts: DeviceFacts | None
) -> Expected | None:
    """The same transform ``TIME_PROBE`` later, or None when time does not change it."""
    later = transform_once(
        request, expected.profile, expected.role, expected.now + TIME_PROBE, facts
    )
    if not isinstance(later, CommandSpec) or later.payload == expected.spec.payload:
        return None
    return Expected(expected.profile, expected.role, expected.now + TIME_PROBE, later)


def dcc_time_candidates(
    first: dict[str, Any], second: dict[str, Any], actual: dict[str, Any], first_at: datetime
) -> list[tuple[datetime, list[tuple[str, Any]]]]:
    """Instants at which the DCC may have transformed, read from the Pre-Command.

    ``first`` and ``second`` are the expected payload JSON at ``first_at`` and
    ``first_at + TIME_PROBE``; the leaves that differ between them carry the time. For each,
    the Pre-Command's value there gives an instant: integers that advance one per second
    (ZigBee UTC seconds) by the difference, ISO 8601 date-times by theirs. Returns the
    instants with the (path, Pre-Command value) pairs that gave each, most supported first.
    """
    found: dict[datetime, list[tuple[str, Any]]] = {}
    step = TIME_PROBE.total_seconds()
    for path, a, b in differing_leaves(first, second):
        got = at_path(actual, path)
        offset: float | None = None
        if _is_int(a) and _is_int(b) and _is_int(got):
            if b - a == step:
                offset = float(got - a)
        else:
            da, db, dg = as_datetime(a), as_datetime(b), as_datetime(got)
            if da is not None and db is not None and dg is not None and db != da:
                offset = (dg - da).total_seconds()
        if offset is None:
            continue
        try:
            instant = first_at + timedelta(seconds=offset)
        except OverflowError:
            continue
        found.setdefault(instant, []).append((path, got))
    ranked = sorted(found.items(), key=lambda item: -len(item[1]))
    return ranked[:MAX_TIME_CANDIDATES]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _execution_of(body: Any) -> datetime | None:
    """A body's ``ExecutionDateTime``, read as the DUIS parser reads it."""
    for child in body:
        if isinstance(child.tag, str) and child.tag.endswith("}ExecutionDateTime"):
            return parse_xs_datetime((child.text or "").strip())
    return None
