"""Indicators of Compromise within a supplier's 'Supplier and Enrolled Smart Metering System'.

The licence condition of consultation chapter 7 is about protecting that scope from
Compromise; this module reads the hub's event log for the signs of it, restricted to the
scope ``supplier_security.supplier_scope`` computed:

- signature failures (a DUIS XML signature, or a GBCS signature or MAC, that did not verify)
  on requests from the supplier's User IDs or on messages from its Devices;
- replayed counters (a request counter not above the last accepted from that originator);
- refusals for eligibility (the User or role is not valid, may not use the variant, or is
  not authorised for the Device at that time: DUIS E1, E2, E4);
- tamper alerts from its Devices (the alert codes of ``security/tamper_alert_codes.yaml``);
- revoked credentials in use (a certificate or file-signing token of the supplier's User
  Systems used at or after its revocation).

The hub feeds ``SecurityEvent`` records (a Protocol: its own event rows fit) whose ``kind``
is one of ``SecurityEventKind``; events of other kinds are ignored.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from opendcc.eui import Eui64
from opendcc.sec.outcome import Refusal, require_aware
from opendcc.sec.params import ParameterSet, default_parameters
from opendcc.sec.supplier_security import (
    LICENCE_CLAUSE,
    FileSigningToken,
    InventoryDevice,
    OrganisationCredential,
    SupplierScope,
    UserIdentity,
    revoked_credentials,
    supplier_scope,
)

ELIGIBILITY_RESPONSE_CODES: Final = frozenset({"E1", "E2", "E4"})


class SecurityEventKind(enum.StrEnum):
    """The event-log kinds the Indicators of Compromise are read from."""

    SIGNATURE_FAILURE = "signature_failure"
    REPLAYED_COUNTER = "replayed_counter"
    ELIGIBILITY_REFUSAL = "eligibility_refusal"
    DEVICE_ALERT = "device_alert"
    CREDENTIAL_USED = "credential_used"
    REVOKED_CREDENTIAL_USED = "revoked_credential_used"


class SecurityEvent(Protocol):
    """One event-log entry, as far as Indicators of Compromise need it."""

    @property
    def event_id(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> str:
        """A ``SecurityEventKind`` value; other kinds are ignored."""
        ...

    @property
    def originator(self) -> Eui64 | None:
        """The User ID that sent the request (or the Device that sent the message)."""
        ...

    @property
    def device(self) -> Eui64 | None: ...

    @property
    def alert_code(self) -> int | None: ...

    @property
    def response_code(self) -> str | None: ...

    @property
    def certificate_serial(self) -> int | None: ...

    @property
    def token_id(self) -> str | None: ...

    @property
    def detail(self) -> str: ...


class IndicatorKind(enum.StrEnum):
    SIGNATURE_FAILURE = "signature_failure"
    REPLAYED_COUNTER = "replayed_counter"
    ELIGIBILITY_REFUSAL = "eligibility_refusal"
    TAMPER_ALERT = "tamper_alert"
    REVOKED_CREDENTIAL_IN_USE = "revoked_credential_in_use"


class SubjectKind(enum.StrEnum):
    DEVICE = "device"
    USER_SYSTEM = "user_system"
    CERTIFICATE = "certificate"
    FILE_SIGNING_TOKEN = "file_signing_token"


@dataclass(frozen=True, slots=True)
class IndicatorOfCompromise:
    """A sign of Compromise within the scope, and the event it was read from."""

    kind: IndicatorKind
    at: datetime
    event_id: str
    subject: str
    subject_kind: SubjectKind
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "at": self.at.isoformat(),
            "event_id": self.event_id,
            "subject": self.subject,
            "subject_kind": self.subject_kind.value,
            "detail": self.detail,
        }


_ORIGINATOR_KINDS: Final = {
    SecurityEventKind.SIGNATURE_FAILURE: IndicatorKind.SIGNATURE_FAILURE,
    SecurityEventKind.REPLAYED_COUNTER: IndicatorKind.REPLAYED_COUNTER,
    SecurityEventKind.ELIGIBILITY_REFUSAL: IndicatorKind.ELIGIBILITY_REFUSAL,
}


def indicators_of_compromise(
    scope: SupplierScope,
    events: Iterable[SecurityEvent],
    credentials: Sequence[OrganisationCredential] = (),
    tokens: Sequence[FileSigningToken] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    parameters: ParameterSet | None = None,
) -> tuple[IndicatorOfCompromise, ...]:
    """Licence Condition 46A/40A: the Indicators of Compromise in ``scope``, oldest first.

    ``until`` defaults to the scope's instant. Consultation paras 41 to 45.
    """
    params = parameters or default_parameters()
    tamper_codes = frozenset(params.alert_codes("security.tamper_alert_codes", scope.at.date()))
    end = scope.at if until is None else require_aware(until, "until")
    start = None if since is None else require_aware(since, "since")
    revoked_serials, revoked_tokens = revoked_credentials(credentials, tokens)
    index = _ScopeIndex(
        devices=scope.device_ids,
        user_ids=scope.supplier_user_ids,
        serials=scope.certificate_serials(),
        token_ids=scope.token_ids(),
        revoked_serials=revoked_serials,
        revoked_tokens=revoked_tokens,
        tamper_codes=tamper_codes,
    )
    found: list[IndicatorOfCompromise] = []
    for event in events:
        at = require_aware(event.at, "event time")
        if at > end or (start is not None and at < start):
            continue
        try:
            kind = SecurityEventKind(event.kind)
        except ValueError:
            continue
        indicator = _indicator(kind, event, index)
        if indicator is not None:
            found.append(indicator)
    found.sort(key=lambda i: (i.at, i.event_id))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _ScopeIndex:
    """The scope's members as sets, for one pass over the event log."""

    devices: frozenset[Eui64]
    user_ids: frozenset[Eui64]
    serials: frozenset[int]
    token_ids: frozenset[str]
    revoked_serials: dict[int, datetime]
    revoked_tokens: dict[str, datetime]
    tamper_codes: frozenset[int]


def _indicator(
    kind: SecurityEventKind, event: SecurityEvent, index: _ScopeIndex
) -> IndicatorOfCompromise | None:
    devices, user_ids = index.devices, index.user_ids

    def make(
        indicator: IndicatorKind, subject: str, subject_kind: SubjectKind, detail: str
    ) -> IndicatorOfCompromise:
        return IndicatorOfCompromise(
            kind=indicator,
            at=event.at,
            event_id=event.event_id,
            subject=subject,
            subject_kind=subject_kind,
            detail=detail,
        )

    if kind in _ORIGINATOR_KINDS:
        if kind is SecurityEventKind.ELIGIBILITY_REFUSAL and (
            event.response_code is not None
            and event.response_code not in ELIGIBILITY_RESPONSE_CODES
        ):
            return None
        detail = event.detail or kind.value.replace("_", " ")
        if event.response_code:
            detail = f"{event.response_code}: {detail}"
        if event.originator in user_ids:
            return make(
                _ORIGINATOR_KINDS[kind], str(event.originator), SubjectKind.USER_SYSTEM, detail
            )
        for eui in (event.device, event.originator):
            if eui is not None and eui in devices:
                return make(_ORIGINATOR_KINDS[kind], str(eui), SubjectKind.DEVICE, detail)
        return None
    if kind is SecurityEventKind.DEVICE_ALERT:
        if event.device in devices and event.alert_code in index.tamper_codes:
            code = event.alert_code
            return make(
                IndicatorKind.TAMPER_ALERT,
                str(event.device),
                SubjectKind.DEVICE,
                f"alert {code:04X}" + (f": {event.detail}" if event.detail else ""),
            )
        return None
    serial, token = event.certificate_serial, event.token_id
    if serial is not None and serial in index.serials:
        revoked = index.revoked_serials.get(serial)
        if kind is SecurityEventKind.REVOKED_CREDENTIAL_USED or (
            revoked is not None and revoked <= event.at
        ):
            return make(
                IndicatorKind.REVOKED_CREDENTIAL_IN_USE,
                str(serial),
                SubjectKind.CERTIFICATE,
                _revoked_detail("certificate", revoked, event.detail),
            )
        return None
    if token is not None and token in index.token_ids:
        revoked = index.revoked_tokens.get(token)
        if kind is SecurityEventKind.REVOKED_CREDENTIAL_USED or (
            revoked is not None and revoked <= event.at
        ):
            return make(
                IndicatorKind.REVOKED_CREDENTIAL_IN_USE,
                token,
                SubjectKind.FILE_SIGNING_TOKEN,
                _revoked_detail("file-signing token", revoked, event.detail),
            )
        return None
    if kind is SecurityEventKind.REVOKED_CREDENTIAL_USED and event.originator in user_ids:
        return make(
            IndicatorKind.REVOKED_CREDENTIAL_IN_USE,
            str(event.originator),
            SubjectKind.USER_SYSTEM,
            _revoked_detail("credential", None, event.detail),
        )
    return None


def _revoked_detail(what: str, revoked: datetime | None, detail: str) -> str:
    text = f"{what} used after revocation"
    if revoked is not None:
        text += f" (revoked {revoked.isoformat()})"
    return f"{text}: {detail}" if detail else text


@dataclass(frozen=True, slots=True)
class SecurityReport:
    """``opendcc sec security-report``: the scope and the Indicators of Compromise in it."""

    scope: SupplierScope
    indicators: tuple[IndicatorOfCompromise, ...]

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in IndicatorKind}
        for indicator in self.indicators:
            counts[indicator.kind.value] += 1
        return counts

    def to_json(self) -> dict[str, object]:
        return {
            "supplier": str(self.scope.supplier),
            "party": self.scope.party,
            "at": self.scope.at.isoformat(),
            "clause": LICENCE_CLAUSE,
            "paragraph": "41-45",
            "scope": self.scope.to_json(),
            "indicators": [i.to_json() for i in self.indicators],
            "indicator_counts": self.counts(),
        }


def security_report(
    supplier: Eui64,
    at: datetime,
    devices: Iterable[InventoryDevice],
    identities: Iterable[UserIdentity],
    credentials: Sequence[OrganisationCredential] = (),
    tokens: Sequence[FileSigningToken] = (),
    events: Iterable[SecurityEvent] = (),
    since: datetime | None = None,
    parameters: ParameterSet | None = None,
) -> SecurityReport | Refusal:
    """The supplier's scope at ``at`` and the Indicators of Compromise in it up to ``at``."""
    scope = supplier_scope(supplier, at, devices, identities, credentials, tokens, parameters)
    if isinstance(scope, Refusal):
        return scope
    indicators = indicators_of_compromise(
        scope, events, credentials, tokens, since=since, parameters=parameters
    )
    return SecurityReport(scope=scope, indicators=indicators)
