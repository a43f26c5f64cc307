"""Device answers to the security credential Commands on trust anchors (GBCS 13.2, 13.3).

- CS02a / CS02f Provide Security Credential Details (DUIS 6.24.1): per remote party role
  asked, the current anti-replay counter and what each cell holds; "trustAnchorNotFound"
  for a role the Device has no cells for. CS02f (ESME and auxiliary controllers) does not
  report the transitional CoS role ("other"), as the reference Devices answer.
- CS02b / CS02g Update Security Credentials (DUIS 6.15.1, 6.21, 6.23, 8.5; the recovery,
  contingency, WAN provider and transitional CoS modes the DCC sends outside DUIS): the
  Device checks the originator holds the authorising cell, validates each certificate
  (readable, the right key usage, a cell it has and the mode may replace, issued by one of
  the certification path certificates, within its validity when time-based checks apply)
  and replaces each cell that passes, pinning it to the new subject. The outcome lists
  every cell with its status and the subject it held before and after; a failed cell
  keeps its old content. New anti-replay floors apply to the authorising role (or the
  roles ``otherRemotePartySeqNumberChanges`` names); on change of supplier the new
  Supplier's counters start from zero.
- Future dated (6.15.1 'Device', 6.23 'DSP & Device'): the Device answers
  ``commandAccepted`` and executes at the time, raising 0x8F66 (every cell replaced) or
  0x8F67 in a DER Alert (message code 0x00CB; 0x0124 for CS02g) to the originator.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from opendcc.devices import security_trust_anchors as anchors
from opendcc.devices.device_logs import Change, record
from opendcc.devices.future_dated import executes
from opendcc.devices.security_common import (
    der_body,
    der_bytes,
    der_reply,
    family_handles,
    hold_or_cancel,
    is_cancellation,
)
from opendcc.devices.security_trust_anchors import (
    DS,
    KA,
    KCS,
    CellContent,
    CellId,
    Role,
    TrustAnchors,
)
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
)
from opendcc.eui import Eui64
from opendcc.gbcs.der import (
    ApplyTimeBasedCpvChecks,
    CredentialsReplacementMode,
    ProvideSecurityCredentialDetailsCommand,
    ProvideSecurityCredentialDetailsResponse,
    RemotePartyDetails,
    RemotePartySeqNumberChange,
    ReplacementOutcome,
    SeqNumberUsage,
    SpecialistSeqNumber,
    StatusCode,
    TrustAnchorCellContents,
    TrustAnchorReplacement,
    UpdateSecurityCredentialsAlert,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsExecutionOutcome,
    UpdateSecurityCredentialsResponse,
)
from opendcc.gbcs.der.common import CERTIFICATE_READ_ERRORS
from opendcc.smki.identity import KeyUsage

Mode = CredentialsReplacementMode

EXECUTED: Final = 0x8F66
NOT_EXECUTED: Final = 0x8F67
CS02B_ALERT: Final = 0x00CB
CS02G_ALERT: Final = 0x0124
CS02F: Final = 0x011B

_ANY: Final = frozenset(Role)
REPLACEABLE: Final[dict[Mode, frozenset[Role]]] = {
    Mode.SUPPLIER_BY_SUPPLIER: frozenset({Role.SUPPLIER}),
    Mode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: frozenset({Role.NETWORK_OPERATOR}),
    Mode.ACCESS_CONTROL_BROKER_BY_ACB: frozenset({Role.ACCESS_CONTROL_BROKER}),
    Mode.WAN_PROVIDER_BY_WAN_PROVIDER: frozenset({Role.WAN_PROVIDER}),
    Mode.TRANS_COS_BY_TRANS_COS: frozenset({Role.TRANSITIONAL_COS}),
    Mode.SUPPLIER_BY_TRANS_COS: frozenset({Role.SUPPLIER}),
    Mode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY: _ANY,
    Mode.ANY_BY_CONTINGENCY: _ANY,
    Mode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER: frozenset({Role.LOAD_CONTROLLER}),
    Mode.LOAD_CONTROLLER_BY_SUPPLIER: frozenset({Role.LOAD_CONTROLLER}),
}
"""Which cells each credentials replacement mode may write (GBCS 13.3.2)."""

AUTHORISING_ROLE: Final[dict[Mode, Role]] = {
    Mode.SUPPLIER_BY_SUPPLIER: Role.SUPPLIER,
    Mode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: Role.NETWORK_OPERATOR,
    Mode.ACCESS_CONTROL_BROKER_BY_ACB: Role.ACCESS_CONTROL_BROKER,
    Mode.WAN_PROVIDER_BY_WAN_PROVIDER: Role.WAN_PROVIDER,
    Mode.TRANS_COS_BY_TRANS_COS: Role.TRANSITIONAL_COS,
    Mode.SUPPLIER_BY_TRANS_COS: Role.TRANSITIONAL_COS,
    Mode.ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY: Role.RECOVERY,
    Mode.ANY_BY_CONTINGENCY: Role.ROOT,
    Mode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER: Role.LOAD_CONTROLLER,
    Mode.LOAD_CONTROLLER_BY_SUPPLIER: Role.SUPPLIER,
}
"""The role whose party authorises each mode (its cell is named in the Command)."""

CS02F_UNREPORTED: Final = frozenset({Role.TRANSITIONAL_COS})


# --- CS02a / CS02f ---------------------------------------------------------------------------


def _party_holds(context: DeviceContext, role: Role, party: Eui64) -> bool:
    """Whether ``party`` may sign for ``role`` on this Device: the party pinned in the
    role's signing cell, or, while that cell is as installed, any party whose SMKI
    certificate names the role (and the default party itself)."""
    state, security = context.state, context.security
    cells = [c for c in anchors.layout(state.device.device_type) if c.role is role]
    if not cells:
        return False
    signing = [c for c in cells if c.usage & DS] or cells
    held = anchors.content(state, security, signing[0])
    if held is None:
        return False
    if held.pinned or held.subject == party:
        return held.subject == party
    return role in anchors.party_roles(security, party)


@family_handles("CS02a", "CS02f")
def provide_security_credential_details(
    command: DeviceCommand, context: DeviceContext
) -> DeviceReply:
    request = der_body(command, ProvideSecurityCredentialDetailsCommand)
    cs02f = command.message.message_code == CS02F
    details = []
    for raw_role in request.remote_party_roles:
        try:
            role = Role(raw_role)
        except ValueError:
            details.append(RemotePartyDetails(raw_role, StatusCode.OTHER))
            continue
        if cs02f and role in CS02F_UNREPORTED:
            details.append(RemotePartyDetails(role, StatusCode.OTHER))
            continue
        cells = [c for c in anchors.layout(context.device.device_type) if c.role is role]
        if not cells:
            details.append(RemotePartyDetails(role, StatusCode.TRUST_ANCHOR_NOT_FOUND))
            continue
        contents = []
        for cell in cells:
            held = anchors.content(context.state, context.security, cell)
            assert held is not None
            contents.append(
                TrustAnchorCellContents(
                    cell.usage,
                    held.subject,
                    held.key_id,
                    None if cell.cell_usage is anchors.MGMT else cell.cell_usage,
                )
            )
        details.append(
            RemotePartyDetails(
                role,
                StatusCode.SUCCESS,
                anchors.current_seq_number(context.state, context.security, role),
                tuple(contents),
            )
        )
    return der_reply(ProvideSecurityCredentialDetailsResponse(tuple(details)))


# --- CS02b / CS02g ---------------------------------------------------------------------------


def _credentials_key(command: UpdateSecurityCredentialsCommand) -> str:
    mode = command.authorising_remote_party_control.credentials_replacement_mode
    return f"credentials:{int(mode)}"


@family_handles("CS02b", "CS02g")
def update_security_credentials(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, UpdateSecurityCredentialsCommand)
    when = request.execution_date_time
    if when is not None:
        key = _credentials_key(request)
        hold_or_cancel(command, context, when, key)
        accepted = context.state.get(TrustAnchors).accepted
        if is_cancellation(when):
            accepted.pop(key, None)
        else:
            accepted[key] = context.now
        return der_reply(UpdateSecurityCredentialsResponse(), signed=True)
    outcome = execute_update(command, request, context, context.now)
    # GBCS 13.3: the Device signs its outcome, whoever sent the Command (the ACB's
    # accessControlBrokerByACB Command is MACed only).
    return der_reply(UpdateSecurityCredentialsResponse(outcome), signed=True)


@executes("CS02b", "CS02g")
def execute_held_update(command: DeviceCommand, context: DeviceContext) -> Iterable[AlertSpec]:
    request = der_body(command, UpdateSecurityCredentialsCommand)
    accepted_at = context.state.get(TrustAnchors).accepted.pop(_credentials_key(request), None)
    outcome = execute_update(command, request, context, accepted_at or context.now)
    code = EXECUTED if outcome.all_succeeded else NOT_EXECUTED
    when = request.execution_date_time or context.now
    message_code = CS02G_ALERT if command.use_case == "CS02g" else CS02B_ALERT
    alert = UpdateSecurityCredentialsAlert(code, when, outcome)
    return [AlertSpec(message_code, der_bytes(alert), command.remote_party, critical=True)]


def execute_update(
    command: DeviceCommand,
    request: UpdateSecurityCredentialsCommand,
    context: DeviceContext,
    validity_at: datetime,
) -> UpdateSecurityCredentialsExecutionOutcome:
    """Carry out an Update Security Credentials Command and report each cell; time-based
    checks judge certificates at ``validity_at`` (when the Command was accepted)."""
    control = request.authorising_remote_party_control
    raw_mode = control.credentials_replacement_mode
    try:
        mode: Mode | None = Mode(raw_mode)
    except ValueError:
        mode = None
    authorised = mode is not None and _authorised(command, request, context, mode)
    outcomes = []
    for replacement in request.replacements:
        status, new = (
            _check(replacement, request, context, mode, validity_at)
            if authorised and mode is not None
            else (StatusCode.OTHER, None)
        )
        outcomes.append(_replace(replacement, status, new, context))
    changes = _seq_number_changes(request, mode) if authorised and mode is not None else ()
    for change in changes:
        _apply_floor(context, change)
    if outcomes or changes:
        context.state.touch()
    return UpdateSecurityCredentialsExecutionOutcome(
        control.authorising_remote_party_seq_number, raw_mode, changes, tuple(outcomes)
    )


def _authorised(
    command: DeviceCommand,
    request: UpdateSecurityCredentialsCommand,
    context: DeviceContext,
    mode: Mode,
) -> bool:
    """The originator holds the authorising cell (GBCS 13.3.4.1) and counts as it says."""
    control = request.authorising_remote_party_control
    if control.authorising_remote_party_seq_number != command.counter:
        return False
    originator = command.remote_party
    if mode is Mode.ACCESS_CONTROL_BROKER_BY_ACB:
        return originator == context.security.access_control_broker
    if command.message.signature is None:
        return False
    role = AUTHORISING_ROLE[mode]
    named = control.authorising_remote_party_ta_cell
    if named is not None and CellId.of(named) not in (CellId(role, DS), CellId(role, KCS)):
        return False
    if originator == context.security.access_control_broker:
        # A Communications Hub is "DCC controlled": the ACB signs for the cells it holds
        # until it has handed them over (DUIS 6.21).
        return (
            context.device.device_type in anchors.DCC_CONTROLLED
            and role in anchors.DCC_HELD_ROLES
            and not _pinned(context, role)
        )
    return _party_holds(context, role, originator)


def _pinned(context: DeviceContext, role: Role) -> bool:
    return bool(context.state.get(TrustAnchors).pinned_subjects(role))


def _check(
    replacement: TrustAnchorReplacement,
    request: UpdateSecurityCredentialsCommand,
    context: DeviceContext,
    mode: Mode,
    validity_at: datetime,
) -> tuple[StatusCode, CellContent | None]:
    """The status a replacement earns, and the content it would put in the cell."""
    cell = CellId.of(replacement.target_trust_anchor_cell)
    if cell is None or not anchors.holds(context.device.device_type, cell):
        return StatusCode.TRUST_ANCHOR_NOT_FOUND, None
    if cell.role not in REPLACEABLE[mode]:
        return StatusCode.OTHER, None
    facts = anchors.certificate_facts(replacement.certificate.der)
    if facts is None:
        return StatusCode.BAD_CERTIFICATE, None
    certificate, subject, key_id, usage = facts
    if not _usage_fits(cell, certificate, usage):
        return StatusCode.BAD_CERTIFICATE, None
    apply_times = (
        request.authorising_remote_party_control.apply_time_based_cpv_checks
        != ApplyTimeBasedCpvChecks.DISAPPLY
    )
    root = anchors.content(context.state, context.security, CellId(Role.ROOT, KCS))
    root_certificate = root.certificate if root is not None else None
    try:
        validated = _path_validates(
            certificate, request, validity_at if apply_times else None, root_certificate
        )
    except CERTIFICATE_READ_ERRORS:
        # cryptography reads certificate fields lazily: a damaged name or date surfaces here.
        validated = False
    if not validated:
        return StatusCode.NO_TRUST_ANCHOR, None
    return StatusCode.SUCCESS, CellContent(
        subject, key_id, replacement.certificate.der, pinned=True
    )


def _usage_fits(cell: CellId, certificate: x509.Certificate, usage: KeyUsage | None) -> bool:
    if cell.usage & DS:
        return usage is KeyUsage.DIGITAL_SIGNING
    if cell.usage & KA:
        return usage is KeyUsage.KEY_AGREEMENT
    try:
        bits = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except (x509.ExtensionNotFound, *CERTIFICATE_READ_ERRORS):
        return False
    return bool(bits.key_cert_sign)


def _path_validates(
    certificate: x509.Certificate,
    request: UpdateSecurityCredentialsCommand,
    now: datetime | None,
    root: bytes | None,
) -> bool:
    """Certification Path Validation (GBCS 13.3.4.3): the certificate chains up through
    the path certificates, each signed by the next (a root certificate by itself), each
    within its validity when time-based checks apply. When the Device's root cell holds
    the root certificate the chain must end there, which also catches a damaged path
    certificate; otherwise the top of the path given is taken as trusted."""
    path = [
        facts[0]
        for carried in request.certification_path_certificates
        if (facts := anchors.certificate_facts(carried.der)) is not None
    ]
    root_facts = anchors.certificate_facts(root) if root else None
    trusted = root_facts[0] if root_facts is not None else None
    chain = [certificate]
    while True:
        current = chain[-1]
        if trusted is not None and _issued_by(current, trusted):
            return _within([*chain, trusted], now)
        if current.issuer == current.subject:
            anchored = trusted is None or current == trusted
            return anchored and _issued_by(current, current) and _within(chain, now)
        issuer = next((c for c in path if c not in chain and _issued_by(current, c)), None)
        if issuer is None:
            return trusted is None and len(chain) > 1 and _within(chain, now)
        chain.append(issuer)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (*CERTIFICATE_READ_ERRORS, InvalidSignature):
        return False
    return True


def _within(chain: list[x509.Certificate], now: datetime | None) -> bool:
    return now is None or all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in chain)


def _replace(
    replacement: TrustAnchorReplacement,
    status: StatusCode,
    new: CellContent | None,
    context: DeviceContext,
) -> ReplacementOutcome:
    target = replacement.target_trust_anchor_cell
    cell = CellId.of(target)
    old = anchors.content(context.state, context.security, cell) if cell is not None else None
    before = old or CellContent(anchors.ROOT_SUBJECT, b"")
    after = before
    if status is StatusCode.SUCCESS and new is not None and cell is not None:
        context.state.get(TrustAnchors).write(cell, new)
        after = new
        record(context, Change.CREDENTIALS_UPDATED)  # GBCS 0x8F70 in the Security Log
    return ReplacementOutcome(
        target, status, before.subject, before.key_id, after.subject, after.key_id
    )


def _seq_number_changes(
    request: UpdateSecurityCredentialsCommand, mode: Mode
) -> tuple[RemotePartySeqNumberChange, ...]:
    control = request.authorising_remote_party_control
    changes: list[RemotePartySeqNumberChange] = []
    if mode is Mode.SUPPLIER_BY_TRANS_COS:
        # Change of supplier: the incoming Supplier's counters start again (GBCS 13.3.5).
        changes.append(
            RemotePartySeqNumberChange(
                Role.SUPPLIER, 0, (SpecialistSeqNumber(SeqNumberUsage.PREPAYMENT_TOP_UP, 0),)
            )
        )
    elif control.new_remote_party_floor_seq_number is not None:
        changes.append(
            RemotePartySeqNumberChange(
                AUTHORISING_ROLE[mode],
                control.new_remote_party_floor_seq_number,
                control.new_remote_party_specialist_floor_seq_numbers,
            )
        )
    changes.extend(control.other_remote_party_seq_number_changes or ())
    return tuple(changes)


def _apply_floor(context: DeviceContext, change: RemotePartySeqNumberChange) -> None:
    try:
        role = Role(change.role)
    except ValueError:
        return
    anchors.set_floor(context.state, context.security, role, change.floor_seq_number)
    for specialist in change.specialist_floor_seq_numbers or ():
        if specialist.usage == SeqNumberUsage.PREPAYMENT_TOP_UP:
            anchors.set_top_up_floor(context.state, role, specialist.seq_number)
