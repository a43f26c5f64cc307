"""Transforms of the security credential Service Requests (GBCS Section 13, DER payloads).

- 6.15.1 Update Security Credentials (KRP): CS02b supplierBySupplier (0x0102) or
  networkOperatorByNetworkOperator (0x0103), CS02g loadControllerBySupplier (0x0126);
  the User originates (critical).
- 6.15.2 Update Security Credentials (Device): CS02d (0x000B), the User (critical).
- 6.17 Issue Security Credentials: CS02c (0x000A), the User (critical).
- 6.21 Request Handover Of DCC Controlled Device: CS02b supplierBySupplier or
  networkOperatorByNetworkOperator; the ACB originates and signs (it holds the cells it
  hands over).
- 6.23 Update Security Credentials (CoS): CS02b supplierByTransCoS (0x0107); the DCC's
  Transitional CoS Party originates and signs.
- 6.24.1 Retrieve Device Security Credentials (KRP): CS02a (0x0008), or CS02f (0x011B)
  when the load controller role is asked about; the ACB originates (MAC only).
- 6.24.2 Retrieve Device Security Credentials (Device): CS02e (0x000C), the User
  (critical).
- 8.5 Service Opt Out: CS02b accessControlBrokerByACB (0x0104); the ACB (MAC only).

The trust anchor cell a replacement certificate goes into is named by the request (the
role and which certificate element carries it), not read from the certificate: 6.15.1 for
the load controller places certificates the Supplier supplies into the load controller
cells. Whether the User may replace that role's credentials is the Device's to decide: it
accepts the Command only from the party holding the authorising trust anchor cell.

Future dating follows the DUIS pattern: 6.15.1 ('Device') and 6.23 ('DSP & Device')
carry the execution date-time in the payload (3000-12-31 cancels, written
9999-12-31T23:59:59Z); 6.21 and 8.5 ('DSP') are held by the hub and transformed when due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.der import (
    ApplyTimeBasedCpvChecks,
    AuthorisingRemotePartyControl,
    CellUsage,
    Certificate,
    CredentialsReplacementMode,
    DerPayload,
    IssueSecurityCredentialsCommand,
    KeyUsageFlags,
    ProvideDeviceCertificateCommand,
    ProvideSecurityCredentialDetailsCommand,
    RemotePartySeqNumberChange,
    SeqNumberUsage,
    SpecialistSeqNumber,
    TrustAnchorCellIdentifier,
    TrustAnchorReplacement,
    UpdateDeviceCertificateCommand,
    UpdateSecurityCredentialsCommand,
)
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.der.common import SEQ_NUMBER_MAX
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform import duisxml
from opendcc.transform.registry import (
    CommandSpec,
    TransformInput,
    TransformRefusal,
    dcc_origination,
    transforms,
)
from opendcc.transform.security_common import (
    TRANSITIONAL_COS_PARTY,
    RefusalError,
    certificate,
    execution_time,
    optional_certificate,
    run,
)

_E, _G, _C, _P = DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF
_SECURED: Final = (_E, _G, _C, _P)

DUIS_ROLES: Final[dict[str, RemotePartyRole]] = {
    "ACB": RemotePartyRole.ACCESS_CONTROL_BROKER,
    "NetworkOperator": RemotePartyRole.NETWORK_OPERATOR,
    "Recovery": RemotePartyRole.RECOVERY,
    "Root": RemotePartyRole.ROOT,
    "Supplier": RemotePartyRole.SUPPLIER,
    "TransCoS": RemotePartyRole.TRANSITIONAL_COS,
    "LoadController": RemotePartyRole.LOAD_CONTROLLER,
}
"""DUIS ``RemotePartyRole`` tokens and the GBCS remote party roles they name."""

CREDENTIAL_TYPES: Final[dict[str, KeyUsageFlags]] = {
    "Digital Signature": KeyUsageFlags.DIGITAL_SIGNATURE,
    "Key Agreement": KeyUsageFlags.KEY_AGREEMENT,
}
"""DUIS ``CredentialType`` and the key usage a CS02c / CS02e Command names."""

CS02A: Final = 0x0008
CS02C: Final = 0x000A
CS02D: Final = 0x000B
CS02E: Final = 0x000C
CS02F: Final = 0x011B
CS02G_BY_LOAD_CONTROLLER: Final = 0x0125
CS02G_BY_SUPPLIER: Final = 0x0126


def cs02b_message_code(mode: CredentialsReplacementMode) -> int:
    """CS02b has one message code per replacement mode (0x0100 + mode); CS02g two."""
    if mode is CredentialsReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER:
        return CS02G_BY_SUPPLIER
    if mode is CredentialsReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER:
        return CS02G_BY_LOAD_CONTROLLER
    return 0x0100 + int(mode)


_KRP_MODES: Final[dict[RemotePartyRole, tuple[CredentialsReplacementMode, RemotePartyRole]]] = {
    RemotePartyRole.SUPPLIER: (
        CredentialsReplacementMode.SUPPLIER_BY_SUPPLIER,
        RemotePartyRole.SUPPLIER,
    ),
    RemotePartyRole.NETWORK_OPERATOR: (
        CredentialsReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
        RemotePartyRole.NETWORK_OPERATOR,
    ),
    RemotePartyRole.LOAD_CONTROLLER: (
        CredentialsReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER,
        RemotePartyRole.SUPPLIER,
    ),
}
"""6.15.1 and 6.21: the replacement mode and authorising role for the role replaced."""

# --- shared readers ------------------------------------------------------------------


def _seq_number(element: etree._Element, name: str) -> int | None:
    node = duisxml.child(element, name)
    if node is None:
        return None
    return duisxml.integer(node, low=0, high=SEQ_NUMBER_MAX)


def _path_certificates(body: etree._Element) -> tuple[Certificate, ...]:
    path = duisxml.require(body, "CertificationPathCertificates")
    found = tuple(certificate(node) for node in duisxml.children(path, "Certificate"))
    if not found:
        raise RefusalError("CertificationPathCertificates holds no certificate")
    return found


def _cpv_checks(body: etree._Element) -> ApplyTimeBasedCpvChecks | None:
    """``ApplyTimeBasedCPVChecks``: the GBCS default (apply) is left out, as DER requires."""
    apply = duisxml.boolean(body, "ApplyTimeBasedCPVChecks")
    return None if apply else ApplyTimeBasedCpvChecks.DISAPPLY


def _replacements(
    container: etree._Element, role: RemotePartyRole, *, top_up_allowed: bool
) -> tuple[TrustAnchorReplacement, ...]:
    """The certificates of a ``ReplacementCertificates`` element, each with its cell."""
    cells = (
        ("DigitalSigningCertificate", KeyUsageFlags.DIGITAL_SIGNATURE, None),
        ("KeyAgreementCertificate", KeyUsageFlags.KEY_AGREEMENT, None),
        ("KeyAgreementTopUpCertificate", KeyUsageFlags.KEY_AGREEMENT, CellUsage.PRE_PAYMENT_TOP_UP),
    )
    replacements = []
    for name, usage, cell_usage in cells:
        found = optional_certificate(container, name)
        if found is None:
            continue
        if cell_usage is not None and not top_up_allowed:
            raise RefusalError(f"a {role.name.lower()} holds no prepayment top-up trust anchor")
        replacements.append(
            TrustAnchorReplacement(found, TrustAnchorCellIdentifier(role, usage, cell_usage))
        )
    if not replacements:
        raise RefusalError("no replacement certificate is given")
    return tuple(replacements)


def _role(request: TransformInput) -> RemotePartyRole:
    token = duisxml.text(request.body, "RemotePartyRole")
    role = DUIS_ROLES.get(token)
    if role is None or role not in _KRP_MODES:
        raise RefusalError(f"the credentials of the {token} role cannot be replaced this way")
    return role


@dataclass(frozen=True, slots=True)
class _Floors:
    """The anti-replay fields of ``AuthorisingRemotePartyControl`` (GBCS 13.3.5)."""

    new_floor: int | None = None
    new_specialist: tuple[SpecialistSeqNumber, ...] | None = None
    other_changes: tuple[RemotePartySeqNumberChange, ...] | None = None


def _floors(
    request: TransformInput,
    replaced: RemotePartyRole,
    mode: CredentialsReplacementMode,
    floor_name: str,
    top_up_name: str,
) -> _Floors:
    """A party replacing its own role's credentials sets its new floors directly; a
    Supplier placing the load controller's credentials changes another role's floor."""
    floor = _seq_number(request.body, floor_name)
    top_up = _seq_number(request.body, top_up_name)
    if top_up is not None and replaced is not RemotePartyRole.SUPPLIER:
        raise RefusalError(f"{top_up_name} applies to the Supplier role only")
    if mode is CredentialsReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER:
        others = None if floor is None else (RemotePartySeqNumberChange(replaced, floor),)
        return _Floors(other_changes=others)
    specialist = (
        None if top_up is None else (SpecialistSeqNumber(SeqNumberUsage.PREPAYMENT_TOP_UP, top_up),)
    )
    return _Floors(new_floor=floor, new_specialist=specialist)


def _update_command(
    request: TransformInput,
    *,
    mode: CredentialsReplacementMode,
    authorising: TrustAnchorCellIdentifier | None,
    seq_number: int,
    replacements: tuple[TrustAnchorReplacement, ...],
    floors: _Floors,
    future_dated: bool,
) -> bytes:
    control = AuthorisingRemotePartyControl(
        credentials_replacement_mode=mode,
        authorising_remote_party_seq_number=seq_number,
        authorising_remote_party_ta_cell=authorising,
        apply_time_based_cpv_checks=_cpv_checks(request.body),
        new_remote_party_floor_seq_number=floors.new_floor,
        new_remote_party_specialist_floor_seq_numbers=floors.new_specialist,
        other_remote_party_seq_number_changes=floors.other_changes,
    )
    command = UpdateSecurityCredentialsCommand(
        authorising_remote_party_control=control,
        replacements=replacements,
        certification_path_certificates=_path_certificates(request.body),
        execution_date_time=execution_time(request) if future_dated else None,
    )
    return encode_der(DerPayload(command))


def _signing_cell(role: RemotePartyRole) -> TrustAnchorCellIdentifier:
    return TrustAnchorCellIdentifier(role, KeyUsageFlags.DIGITAL_SIGNATURE)


# --- 6.15.1, 6.21, 6.23, 8.5: CS02b / CS02g ------------------------------------------


@transforms("6.15.1", *_SECURED)
def update_security_credentials_krp(request: TransformInput) -> CommandSpec | TransformRefusal:
    """6.15.1: the User replaces its own role's credentials (CS02b), or a Supplier places
    the load controller's on an ESME (CS02g); critical, future-dated 'Device'."""

    def build(request: TransformInput) -> CommandSpec:
        role = _role(request)
        mode, authorising_role = _KRP_MODES[role]
        if role is RemotePartyRole.LOAD_CONTROLLER and request.device.device_type is not _E:
            raise RefusalError("only an ESME holds load controller credentials")
        container = duisxml.require(
            duisxml.require(request.body, "ReplacementCertificates"),
            "SupplierOrNetworkOperatorCertificates",
        )
        payload = _update_command(
            request,
            mode=mode,
            authorising=_signing_cell(authorising_role),
            seq_number=request.counter,
            replacements=_replacements(
                container, role, top_up_allowed=role is RemotePartyRole.SUPPLIER
            ),
            floors=_floors(
                request,
                role,
                mode,
                "RemotePartyFloorSeqNumber",
                "RemotePartyPrepaymentTopUpFloorSeqNumber",
            ),
            future_dated=True,
        )
        use_case = "CS02g" if role is RemotePartyRole.LOAD_CONTROLLER else "CS02b"
        return CommandSpec(use_case, cs02b_message_code(mode), request.target, payload)

    return run(request, build)


@transforms("6.21", _C, _P)
def request_handover_of_dcc_controlled_device(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """6.21: the DCC hands the cells it holds on a DCC-controlled Device (a Communications
    Hub function: a meter's cells are never the DCC's) to the User.

    The ACB originates and signs the CS02b under the authority of the cell it occupies;
    the authorising sequence number is its own originator counter.
    """

    def build(request: TransformInput) -> CommandSpec:
        role = _role(request)
        if role is RemotePartyRole.LOAD_CONTROLLER:
            raise RefusalError("load controller credentials are not handed over")
        mode, authorising_role = _KRP_MODES[role]
        origination = dcc_origination(request, DCC_ACCESS_CONTROL_BROKER, signed=True)
        payload = _update_command(
            request,
            mode=mode,
            authorising=_signing_cell(authorising_role),
            seq_number=origination.counter,
            replacements=_replacements(
                duisxml.require(request.body, "ReplacementCertificates"),
                role,
                top_up_allowed=role is RemotePartyRole.SUPPLIER,
            ),
            floors=_floors(
                request,
                role,
                mode,
                "RemotePartyFloorSeqNumber",
                "RemotePartyPrepaymentTopUpFloorSeqNumber",
            ),
            future_dated=False,
        )
        return CommandSpec(
            "CS02b",
            cs02b_message_code(mode),
            request.target,
            payload,
            dcc_origination=origination,
        )

    return run(request, build)


@transforms("6.23", _E, _G)
def update_security_credentials_cos(request: TransformInput) -> CommandSpec | TransformRefusal:
    """6.23: change of supplier. The DCC's Transitional CoS Party replaces the old
    Supplier's certificates in the Device's supplier cells with the new Supplier's, under
    its own trust anchor, signing with its own key ('DSP & Device' future dating).

    The Command carries no floors: on supplierByTransCoS the Device starts the new
    Supplier's counters from zero (the reference Command and its Response show this).
    """

    def build(request: TransformInput) -> CommandSpec:
        if not request.role.is_supplier:
            raise RefusalError("only the incoming Supplier requests a change of supplier")
        origination = dcc_origination(request, TRANSITIONAL_COS_PARTY, signed=True)
        mode = CredentialsReplacementMode.SUPPLIER_BY_TRANS_COS
        payload = _update_command(
            request,
            mode=mode,
            authorising=_signing_cell(RemotePartyRole.TRANSITIONAL_COS),
            seq_number=origination.counter,
            replacements=_replacements(
                duisxml.require(request.body, "SupplierReplacementCertificates"),
                RemotePartyRole.SUPPLIER,
                top_up_allowed=True,
            ),
            floors=_Floors(),
            future_dated=True,
        )
        for name in ("SupplierFloorSeqNumber", "SupplierPrepaymentTopUpFloorSeqNumber"):
            _seq_number(request.body, name)  # validated; the Device resets them itself
        return CommandSpec(
            "CS02b", cs02b_message_code(mode), request.target, payload, dcc_origination=origination
        )

    return run(request, build)


@transforms("8.5", *_SECURED)
def service_opt_out(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.5 (DCC only): the ACB replaces its own credentials on the Device (CS02b
    accessControlBrokerByACB); MAC-protected, no authorising cell (GBCS 13.3.5)."""

    def build(request: TransformInput) -> CommandSpec:
        origination = dcc_origination(request, DCC_ACCESS_CONTROL_BROKER)
        mode = CredentialsReplacementMode.ACCESS_CONTROL_BROKER_BY_ACB
        floor = _seq_number(request.body, "ACBFloorSeqNumber")
        payload = _update_command(
            request,
            mode=mode,
            authorising=None,
            seq_number=origination.counter,
            replacements=_replacements(
                duisxml.require(request.body, "ReplacementCertificates"),
                RemotePartyRole.ACCESS_CONTROL_BROKER,
                top_up_allowed=False,
            ),
            floors=_Floors(new_floor=floor),
            future_dated=False,
        )
        return CommandSpec(
            "CS02b", cs02b_message_code(mode), request.target, payload, dcc_origination=origination
        )

    return run(request, build)


# --- 6.15.2, 6.17, 6.24.2: the Device's own credentials --------------------------------


def _credential_type(request: TransformInput) -> KeyUsageFlags:
    token = duisxml.text(request.body, "CredentialType")
    usage = CREDENTIAL_TYPES.get(token)
    if usage is None:
        raise RefusalError(f"CredentialType {token!r} is not a credential type")
    return usage


@transforms("6.15.2", *_SECURED)
def update_security_credentials_device(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """6.15.2: a new Device Certificate for the Device (CS02d), critical."""

    def build(request: TransformInput) -> CommandSpec:
        new_certificate = certificate(request.body, "DeviceCertificate")
        payload = encode_der(DerPayload(UpdateDeviceCertificateCommand(new_certificate)))
        return CommandSpec("CS02d", CS02D, request.target, payload)

    return run(request, build)


@transforms("6.17", *_SECURED)
def issue_security_credentials(request: TransformInput) -> CommandSpec | TransformRefusal:
    """6.17: the Device generates a key pair and answers a Certification Request (CS02c)."""

    def build(request: TransformInput) -> CommandSpec:
        payload = encode_der(DerPayload(IssueSecurityCredentialsCommand(_credential_type(request))))
        return CommandSpec("CS02c", CS02C, request.target, payload)

    return run(request, build)


@transforms("6.24.2", *_SECURED)
def retrieve_device_security_credentials_device(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """6.24.2: the Device returns its certificate for a key usage (CS02e), critical."""

    def build(request: TransformInput) -> CommandSpec:
        payload = encode_der(DerPayload(ProvideDeviceCertificateCommand(_credential_type(request))))
        return CommandSpec("CS02e", CS02E, request.target, payload)

    return run(request, build)


# --- 6.24.1: trust anchors held -----------------------------------------------------------


@transforms("6.24.1", *_SECURED)
def retrieve_device_security_credentials_krp(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """6.24.1: which remote party credentials the Device holds. The ACB asks under its own
    key agreement cell (CS02a); asking about the load controller needs CS02f, which only
    an ESME supports (GBCS 13.9)."""

    def build(request: TransformInput) -> CommandSpec:
        roles = []
        for node in duisxml.children(request.body, "RemotePartyRole"):
            token = duisxml.text(node)
            role = DUIS_ROLES.get(token)
            if role is None:
                raise RefusalError(f"RemotePartyRole {token!r} is not a remote party role")
            roles.append(role)
        if not roles:
            raise RefusalError("no RemotePartyRole is asked about")
        load_controller = RemotePartyRole.LOAD_CONTROLLER in roles
        if load_controller and request.device.device_type is not _E:
            raise RefusalError("only an ESME holds load controller credentials")
        command = ProvideSecurityCredentialDetailsCommand(
            TrustAnchorCellIdentifier(
                RemotePartyRole.ACCESS_CONTROL_BROKER, KeyUsageFlags.KEY_AGREEMENT
            ),
            tuple(roles),
        )
        code, use_case = (CS02F, "CS02f") if load_controller else (CS02A, "CS02a")
        return CommandSpec(
            use_case,
            code,
            request.target,
            encode_der(DerPayload(command)),
            dcc_origination=dcc_origination(request, DCC_ACCESS_CONTROL_BROKER),
        )

    return run(request, build)
