"""GBCS payloads in ASN.1 DER: security credentials, joins, firmware, clock, device logs.

Besides DLMS and ZigBee payloads, GBCS carries DER-encoded ASN.1 structures for the
security and firmware use cases: CS02a-g (security credentials), CS03/CS04 (join and
unjoin), CS06-CS09 (firmware and join details), CCS08, GCS28, GCS59 and GCS62. The frame
layer hands any payload that is neither DLMS nor GBZ to ``decode``; ``encode`` writes a
payload back, byte for byte.

Public API::

    decode(content: bytes, context: PayloadContext) -> DerPayload   # GbcsDecodeError only
    encode(payload: DerPayload) -> bytes                              # GbcsEncodeError
    DerPayload.to_json() / DerPayload.from_json(obj)
    DerPayload.named_values()

Commands and Responses are built from the typed structures below and wrapped in
``DerPayload(structure)``; see ``docs/gbcs-der.md`` for examples per use case.
"""

from __future__ import annotations

from opendcc.gbcs.der.catalogue import MESSAGE_CODES, MODULES, AsnModule, DerStructure
from opendcc.gbcs.der.clock import DeviceTimeStatus, SetTimeCommand, SetTimeResponse
from opendcc.gbcs.der.common import (
    CellUsage,
    Certificate,
    DeviceLogEntry,
    DeviceType,
    KeyUsageFlags,
    RemotePartySeqNumberChange,
    SeqNumberUsage,
    SpecialistSeqNumber,
    StatusCode,
    TrustAnchorCellIdentifier,
)
from opendcc.gbcs.der.credential_details import (
    ProvideSecurityCredentialDetailsCommand,
    ProvideSecurityCredentialDetailsResponse,
    RemotePartyDetails,
    TrustAnchorCellContents,
)
from opendcc.gbcs.der.credential_update import (
    ApplyTimeBasedCpvChecks,
    AuthorisingRemotePartyControl,
    CredentialsReplacementMode,
    ReplacementOutcome,
    TrustAnchorReplacement,
    UpdateSecurityCredentialsAlert,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsExecutionOutcome,
    UpdateSecurityCredentialsResponse,
)
from opendcc.gbcs.der.device_credentials import (
    CertificationRequest,
    IssueSecurityCredentialsCommand,
    IssueSecurityCredentialsResponse,
    IssueSecurityCredentialsResponseCode,
    ProvideDeviceCertificateCommand,
    ProvideDeviceCertificateResponse,
    ProvideDeviceCertificateResponseCode,
    UpdateDeviceCertificateCommand,
    UpdateDeviceCertificateResponse,
    UpdateDeviceCertificateResponseCode,
)
from opendcc.gbcs.der.device_log import (
    GpfDeviceLogBackupAlert,
    GpfDeviceLogRestoreCommand,
    GpfDeviceLogRestoreResponse,
    JoinDeviceCommand,
    JoinDeviceResponse,
    JoinMethodAndRole,
    JoinResponseCode,
    ReadDeviceJoinDetailsCommand,
    ReadDeviceJoinDetailsResponse,
    ReadDeviceJoinDetailsResponseCode,
    RestoreOutcome,
    UnjoinDeviceCommand,
    UnjoinDeviceResponse,
    UnjoinResponseCode,
)
from opendcc.gbcs.der.firmware import (
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareExecutionOutcome,
    ActivateFirmwareResponse,
    ActivateImageResponseCode,
    FirmwareActivationAlert,
    FirmwareActivationResult,
    FirmwareTransferAlert,
    FirmwareTransferResponseCode,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
    ReadFirmwareVersionResponseCode,
)
from opendcc.gbcs.der.payload import DerPayload, decode, decode_as, encode
from opendcc.gbcs.der.tree import DerNode, DerTree, TagClass

__all__ = [
    "MESSAGE_CODES",
    "MODULES",
    "ActivateFirmwareAlert",
    "ActivateFirmwareCommand",
    "ActivateFirmwareExecutionOutcome",
    "ActivateFirmwareResponse",
    "ActivateImageResponseCode",
    "ApplyTimeBasedCpvChecks",
    "AsnModule",
    "AuthorisingRemotePartyControl",
    "CellUsage",
    "Certificate",
    "CertificationRequest",
    "CredentialsReplacementMode",
    "DerNode",
    "DerPayload",
    "DerStructure",
    "DerTree",
    "DeviceLogEntry",
    "DeviceTimeStatus",
    "DeviceType",
    "FirmwareActivationAlert",
    "FirmwareActivationResult",
    "FirmwareTransferAlert",
    "FirmwareTransferResponseCode",
    "GpfDeviceLogBackupAlert",
    "GpfDeviceLogRestoreCommand",
    "GpfDeviceLogRestoreResponse",
    "IssueSecurityCredentialsCommand",
    "IssueSecurityCredentialsResponse",
    "IssueSecurityCredentialsResponseCode",
    "JoinDeviceCommand",
    "JoinDeviceResponse",
    "JoinMethodAndRole",
    "JoinResponseCode",
    "KeyUsageFlags",
    "ProvideDeviceCertificateCommand",
    "ProvideDeviceCertificateResponse",
    "ProvideDeviceCertificateResponseCode",
    "ProvideSecurityCredentialDetailsCommand",
    "ProvideSecurityCredentialDetailsResponse",
    "ReadDeviceJoinDetailsCommand",
    "ReadDeviceJoinDetailsResponse",
    "ReadDeviceJoinDetailsResponseCode",
    "ReadFirmwareVersionCommand",
    "ReadFirmwareVersionResponse",
    "ReadFirmwareVersionResponseCode",
    "RemotePartyDetails",
    "RemotePartySeqNumberChange",
    "ReplacementOutcome",
    "RestoreOutcome",
    "SeqNumberUsage",
    "SetTimeCommand",
    "SetTimeResponse",
    "SpecialistSeqNumber",
    "StatusCode",
    "TagClass",
    "TrustAnchorCellContents",
    "TrustAnchorCellIdentifier",
    "TrustAnchorReplacement",
    "UnjoinDeviceCommand",
    "UnjoinDeviceResponse",
    "UnjoinResponseCode",
    "UpdateDeviceCertificateCommand",
    "UpdateDeviceCertificateResponse",
    "UpdateDeviceCertificateResponseCode",
    "UpdateSecurityCredentialsAlert",
    "UpdateSecurityCredentialsCommand",
    "UpdateSecurityCredentialsExecutionOutcome",
    "UpdateSecurityCredentialsResponse",
    "decode",
    "decode_as",
    "encode",
]
