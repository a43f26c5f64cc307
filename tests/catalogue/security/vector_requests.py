"""The DUIS request a reference Command answers to, rebuilt from the Command itself.

Part of the reference templates is held back, but every Command vector is evidence of how
a body maps to bytes: read the Command's values, write the Service Request that asks for
them, transform it, and compare. The request is generated at test time from the vector's
decoded values; nothing is copied into the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.der import (
    ActivateFirmwareCommand,
    ApplyTimeBasedCpvChecks,
    CellUsage,
    CredentialsReplacementMode,
    DerPayload,
    GpfDeviceLogRestoreCommand,
    IssueSecurityCredentialsCommand,
    JoinDeviceCommand,
    KeyUsageFlags,
    ProvideDeviceCertificateCommand,
    ProvideSecurityCredentialDetailsCommand,
    SetTimeCommand,
    UnjoinDeviceCommand,
    UpdateDeviceCertificateCommand,
    UpdateSecurityCredentialsCommand,
)
from opendcc.gbcs.der import DeviceType as GbcsDeviceType
from opendcc.gbcs.dlms.apdu import AccessRequest, Action, Set
from opendcc.gbcs.dlms.data import Array, LongUnsigned, OctetString, Structure
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.transform.security_backups import (
    ChfBackupEntry,
    ChfDeviceLogBackup,
    GpfDeviceLogBackup,
)
from opendcc.transform.security_credentials import DUIS_ROLES
from tests.catalogue.security.reference import (
    ACB,
    COS_PARTY,
    T0,
    Premises,
    b64,
    request_document,
    vector_bytes,
)

_TYPES = {
    GbcsDeviceType.GSME: DeviceType.GSME,
    GbcsDeviceType.ESME: DeviceType.ESME,
    GbcsDeviceType.CHF: DeviceType.CHF,
    GbcsDeviceType.GPF: DeviceType.GPF,
    GbcsDeviceType.HCALCS: DeviceType.HCALCS,
    GbcsDeviceType.PPMID: DeviceType.PPMID,
    GbcsDeviceType.TYPE_2: DeviceType.IHD,
}
_ROLE_TOKENS = {role: token for token, role in DUIS_ROLES.items()}
_DCC_PARTIES = {ACB, COS_PARTY}
_M = CredentialsReplacementMode
_DUIS_MODES = {
    "6.15.1": {_M.SUPPLIER_BY_SUPPLIER, _M.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
               _M.LOAD_CONTROLLER_BY_SUPPLIER},
    "6.21": {_M.SUPPLIER_BY_SUPPLIER, _M.NETWORK_OPERATOR_BY_NETWORK_OPERATOR},
    "6.23": {_M.SUPPLIER_BY_TRANS_COS},
    "8.5": {_M.ACCESS_CONTROL_BROKER_BY_ACB},
}  # fmt: skip
"""The credential replacement modes a DUIS request makes; the others (recovery,
contingency, WAN provider, transitional CoS and load controller replacing their own) are
sent by the DCC's parties outside DUIS."""


@dataclass
class RebuiltRequest:
    document: etree._Element
    premises: Premises
    dcc_counter: int | None
    """The counter of the DCC party originating the Command, if one does."""


def _el(name: str, text: object = None, *children: str) -> str:
    inner = "" if text is None else str(text)
    return f"<sr:{name}>{inner}{''.join(children)}</sr:{name}>"


def _when(value: datetime) -> str:
    text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.00Z"


def _execution(when: datetime | None) -> str:
    if when is None:
        return ""
    if when.year == 9999:
        return _el("ExecutionDateTime", "3000-12-31T00:00:00.00Z")
    return _el("ExecutionDateTime", _when(when))


def _certificates(command: UpdateSecurityCredentialsCommand) -> dict[str, str]:
    found = {}
    for replacement in command.replacements:
        cell = replacement.target_trust_anchor_cell
        if cell.key_usage & KeyUsageFlags.DIGITAL_SIGNATURE:
            name = "DigitalSigningCertificate"
        elif cell.cell_usage == CellUsage.PRE_PAYMENT_TOP_UP:
            name = "KeyAgreementTopUpCertificate"
        else:
            name = "KeyAgreementCertificate"
        found[name] = _el(name, b64(replacement.certificate.der))
    order = ("DigitalSigningCertificate", "KeyAgreementCertificate", "KeyAgreementTopUpCertificate")
    return {name: found[name] for name in order if name in found}


def _update_body(command: UpdateSecurityCredentialsCommand, variant: str) -> str:
    control = command.authorising_remote_party_control
    replaced = command.replacements[0].target_trust_anchor_cell.role
    path = _el(
        "CertificationPathCertificates",
        None,
        *(_el("Certificate", b64(c.der)) for c in command.certification_path_certificates),
    )
    cpv = _el(
        "ApplyTimeBasedCPVChecks",
        "false"
        if control.apply_time_based_cpv_checks == ApplyTimeBasedCpvChecks.DISAPPLY
        else "true",
    )
    certificates = "".join(_certificates(command).values())
    floor = control.new_remote_party_floor_seq_number
    if control.other_remote_party_seq_number_changes:
        floor = control.other_remote_party_seq_number_changes[0].floor_seq_number
    top_up = (
        control.new_remote_party_specialist_floor_seq_numbers[0].seq_number
        if control.new_remote_party_specialist_floor_seq_numbers
        else None
    )
    floors = ""
    if floor is not None:
        floors += _el("RemotePartyFloorSeqNumber", floor)
    if top_up is not None:
        floors += _el("RemotePartyPrepaymentTopUpFloorSeqNumber", top_up)
    execution = _execution(command.execution_date_time)
    if variant == "6.23":
        return _el(
            "UpdateSecurityCredentialsCoS",
            None,
            execution,
            _el("SupplierFloorSeqNumber", 0),
            _el("SupplierReplacementCertificates", None, certificates),
            path,
            cpv,
            _el("ImportMPxN", "1312345678333"),
        )
    if variant == "8.5":
        return _el(
            "ServiceOptOut",
            None,
            _el("ExecutionDateTime", "2030-01-01T00:00:00.00Z"),
            _el("ACBFloorSeqNumber", floor or 0),
            _el("ReplacementCertificates", None, certificates),
            path,
            cpv,
        )
    role = _el("RemotePartyRole", _ROLE_TOKENS[RemotePartyRole(replaced)])
    if variant == "6.21":
        return _el(
            "RequestHandoverOfDCCControlledDevice",
            None,
            role,
            floors,
            _el("ReplacementCertificates", None, certificates),
            path,
            cpv,
        )
    return _el(
        "UpdateSecurityCredentialsKRP",
        None,
        execution,
        role,
        floors,
        _el(
            "ReplacementCertificates",
            None,
            _el("SupplierOrNetworkOperatorCertificates", None, certificates),
        ),
        path,
        cpv,
    )


def _variant_of_update(message: GbcsMessage) -> str:
    if message.originator == COS_PARTY:
        return "6.23"
    if message.originator == ACB:
        return "8.5" if message.signature is None else "6.21"
    return "6.15.1"


def _credential_type(usage: int) -> str:
    return "Digital Signature" if usage & KeyUsageFlags.DIGITAL_SIGNATURE else "Key Agreement"


def rebuild(path: Path, security: GbcsSecurity) -> RebuiltRequest | None:
    """The request and premises that make the Command at ``path``; None when no DUIS
    request produces this use case (the NA_ folders' credential modes)."""
    decoded = decode(vector_bytes(path), security)
    message = decoded.message
    payload = decoded.payload
    premises = Premises()
    dcc = message.originator in _DCC_PARTIES
    other = message.header.other_information
    requester = other.supplementary_remote_party or message.originator
    counter = other.supplementary_remote_party_counter or message.counter
    dcc_counter = message.counter if dcc else None
    signed = message.signature is not None or not message.mac_header
    variant: str
    body: str
    if isinstance(payload, DerPayload):
        structure = payload.body
        if isinstance(structure, UpdateSecurityCredentialsCommand):
            variant = _variant_of_update(message)
            mode = structure.authorising_remote_party_control.credentials_replacement_mode
            if mode not in _DUIS_MODES[variant]:
                return None
            body = _update_body(structure, variant)
        elif isinstance(structure, UpdateDeviceCertificateCommand):
            variant, body = (
                "6.15.2",
                _el(
                    "UpdateSecurityCredentialsDevice",
                    None,
                    _el("DeviceCertificate", b64(structure.certificate.der)),
                ),
            )
        elif isinstance(structure, IssueSecurityCredentialsCommand):
            variant, body = (
                "6.17",
                _el(
                    "IssueSecurityCredentials",
                    None,
                    _el("CredentialType", _credential_type(structure.key_usage)),
                ),
            )
        elif isinstance(structure, ProvideDeviceCertificateCommand):
            variant, body = (
                "6.24.2",
                _el(
                    "RetrieveDeviceSecurityCredentialsDevice",
                    None,
                    _el("CredentialType", _credential_type(structure.key_usage)),
                ),
            )
        elif isinstance(structure, ProvideSecurityCredentialDetailsCommand):
            if message.originator != ACB:
                return None
            roles = [_ROLE_TOKENS.get(RemotePartyRole(r)) for r in structure.remote_party_roles]
            if None in roles:
                return None
            variant, body = (
                "6.24.1",
                _el(
                    "RetrieveDeviceSecurityCredentialsKRP",
                    None,
                    *(_el("RemotePartyRole", r) for r in roles),
                ),
            )
        elif isinstance(structure, JoinDeviceCommand):
            kind = _TYPES[GbcsDeviceType(structure.other_device_type)]
            premises.add(_other(structure.other_device_entity_id, kind))
            if structure.other_device_certificate is not None:
                cert = structure.other_device_certificate.x509()
                premises.certificates[
                    (structure.other_device_entity_id, KeyUsage.KEY_AGREEMENT)
                ] = [CertificateRecord.of(cert)]
            variant = "8.7.1" if signed and not dcc else "8.7.2"
            body = _el(
                "JoinServiceCritical" if variant == "8.7.1" else "JoinServiceNonCritical",
                None,
                _el("OtherDeviceID", structure.other_device_entity_id),
            )
        elif isinstance(structure, UnjoinDeviceCommand):
            variant = "8.8.1" if signed and not dcc else "8.8.2"
            body = _el(
                "UnjoinServiceCritical" if variant == "8.8.1" else "UnjoinServiceNonCritical",
                None,
                _el("OtherDeviceID", structure.other_device_entity_id),
            )
        elif isinstance(structure, ActivateFirmwareCommand):
            variant, body = (
                "11.3",
                _el(
                    "ActivateFirmware",
                    None,
                    _execution(structure.execution_date_time),
                    _el("FirmwareHash", structure.manufacturer_image_hash.hex().upper()),
                ),
            )
        elif isinstance(structure, SetTimeCommand):
            variant, body = (
                "8.1.1",
                _commission(structure.validity_interval_start, structure.validity_interval_end),
            )
        elif isinstance(structure, GpfDeviceLogRestoreCommand):
            old = Eui64.parse("00-DB-12-34-56-78-90-B3")
            premises.backups[old] = GpfDeviceLogBackup(structure.device_log_entries)
            variant, body = "8.12.2", _el("RestoreGPFDeviceLog", None, _el("OldGPFID", old))
        elif type(structure).__name__ == "ReadDeviceJoinDetailsCommand":
            variant, body = "8.9", _el("ReadDeviceLog")
        elif type(structure).__name__ == "ReadFirmwareVersionCommand":
            variant, body = "11.2", _el("ReadFirmwareVersion")
        else:
            return None
    elif isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest):
        if message.message_code == 0x0004:
            chf = premises.devices[message.recipient]
            premises.add(replace(chf, gbcs_version="1.0"))
        found = _dlms_request(payload.apdu, premises)
        if found is None:
            return None
        variant, body = found
    elif payload.to_json().get("use_case") == "GCS38":
        variant, body = "11.2", _el("ReadFirmwareVersion")
    else:
        return None
    document = request_document(variant, requester, message.recipient, counter, body)
    return RebuiltRequest(document, premises, dcc_counter)


def _other(eui: Eui64, kind: DeviceType) -> Device:
    return Device(eui, kind, SmiStatus.COMMISSIONED, T0, CspRegion.CENTRAL)


def _commission(start: datetime, end: datetime) -> str:
    return _el(
        "CommissionDeviceSynchroniseClock",
        None,
        _el("CurrentDateTime", _when(start)),
        _el("TolerancePeriod", int((end - start) / timedelta(seconds=1))),
    )


def _dlms_request(apdu: AccessRequest, premises: Premises) -> tuple[str, str] | None:
    first = apdu.requests[0]
    descriptor = first.method if isinstance(first, Action) else first.attribute
    instance = str(descriptor.instance)
    if instance == "0-0:1.0.0.255" and isinstance(first, Set):
        preset = apdu.requests[1]
        assert isinstance(preset, Action) and isinstance(preset.parameters, Structure)
        start_raw, end_raw = preset.parameters.items[1:]
        assert isinstance(start_raw, OctetString) and isinstance(end_raw, OctetString)
        start = CosemDateTime.from_bytes(start_raw.value).to_datetime()
        end = CosemDateTime.from_bytes(end_raw.value).to_datetime()
        assert start is not None and end is not None
        return "8.1.1", _commission(start, end)
    if instance == "0-0:0.2.1.255":
        return "11.2", _el("ReadFirmwareVersion")
    if instance != "0-0:30.3.0.255":
        return None
    method = first.method.method_id if isinstance(first, Action) else None
    if isinstance(first, Action) and method == 1:
        registration = first.parameters
        join = apdu.requests[1]
        assert isinstance(registration, Structure) and isinstance(join, Set)
        eui, _, key, _ = registration.items
        assert isinstance(eui, OctetString) and isinstance(key, OctetString)
        assert isinstance(join.value, LongUnsigned)
        return "8.11", _el(
            "UpdateHANDeviceLog",
            None,
            _el("DeviceID", Eui64.from_bytes(eui.value)),
            _el("RequestType", "Add"),
            _el(
                "AddDeviceToCHFWhitelist",
                None,
                _el("JoinTimePeriod", join.value.value),
                _el("InstallCode", key.value.hex().upper()),
            ),
        )
    if isinstance(first, Action) and method == 2:
        assert isinstance(first.parameters, OctetString)
        return "8.11", _el(
            "UpdateHANDeviceLog",
            None,
            _el("DeviceID", Eui64.from_bytes(first.parameters.value)),
            _el("RequestType", "Remove"),
        )
    if isinstance(first, Action) and method == 5:
        restore = first.parameters
        assert isinstance(restore, Structure)
        pan, devices = restore.items
        assert isinstance(pan, OctetString) and isinstance(devices, Array)
        entries = []
        for item in devices.items:
            assert isinstance(item, Structure)
            eui, key = item.items
            assert isinstance(eui, OctetString) and isinstance(key, OctetString)
            entries.append(ChfBackupEntry(Eui64.from_bytes(eui.value), key.value))
        old = Eui64.parse("00-DB-12-34-56-78-90-95")
        premises.backups[old] = ChfDeviceLogBackup(pan.value, tuple(entries))
        return "8.12.1", _el("RestoreHANDeviceLog", None, _el("OldCHFID", old))
    if isinstance(first, Action) and method == 4:
        return "8.9", _el("ReadDeviceLog", None, _el("ReadSecurityDetails"))
    return "8.9", _el("ReadDeviceLog")
