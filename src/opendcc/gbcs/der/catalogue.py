"""Which GBCS ASN.1 module reads a payload: use cases, message codes and CRA flags.

The table is the specification: each row is one GBCS ASN.1 module with the use cases that
use it and its Command, Response and Alert payload types. A payload is matched to a row
by its message code (the grouping header's other-information, GBCS Section 15) or, for a
code this table does not list, by the use case the frame layer names; the CRA flag then
picks the column. A cell left None means GBCS defines no DER payload there, and the
payload is read as a generic DER tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol, Self

from opendcc.gbcs.context import Cra
from opendcc.gbcs.der.clock import SetTimeCommand, SetTimeResponse
from opendcc.gbcs.der.credential_details import (
    ProvideSecurityCredentialDetailsCommand,
    ProvideSecurityCredentialDetailsResponse,
)
from opendcc.gbcs.der.credential_update import (
    UpdateSecurityCredentialsAlert,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsResponse,
)
from opendcc.gbcs.der.device_credentials import (
    IssueSecurityCredentialsCommand,
    IssueSecurityCredentialsResponse,
    ProvideDeviceCertificateCommand,
    ProvideDeviceCertificateResponse,
    UpdateDeviceCertificateCommand,
    UpdateDeviceCertificateResponse,
)
from opendcc.gbcs.der.device_log import (
    GpfDeviceLogBackupAlert,
    GpfDeviceLogRestoreCommand,
    GpfDeviceLogRestoreResponse,
    JoinDeviceCommand,
    JoinDeviceResponse,
    ReadDeviceJoinDetailsCommand,
    ReadDeviceJoinDetailsResponse,
    UnjoinDeviceCommand,
    UnjoinDeviceResponse,
)
from opendcc.gbcs.der.firmware import (
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareResponse,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
)
from opendcc.gbcs.der.tlv import Reader


class DerStructure(Protocol):
    """What every top-level GBCS DER payload type offers."""

    @classmethod
    def read(cls, reader: Reader) -> Self: ...

    def write(self) -> bytes: ...

    def named_values(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class AsnModule:
    """One GBCS ASN.1 module and the payload type it defines per CRA flag."""

    name: str
    use_cases: tuple[str, ...]
    command: type[DerStructure] | None = None
    response: type[DerStructure] | None = None
    alert: type[DerStructure] | None = None

    def structure(self, cra: Cra) -> type[DerStructure] | None:
        if cra is Cra.COMMAND:
            return self.command
        if cra is Cra.RESPONSE:
            return self.response
        return self.alert


MODULES: Final = (
    AsnModule(
        "ProvideSecurityCredentialDetails",
        ("CS02a", "CS02f"),
        ProvideSecurityCredentialDetailsCommand,
        ProvideSecurityCredentialDetailsResponse,
    ),
    AsnModule(
        "UpdateSecurityCredentials",
        ("CS02b", "CS02g"),
        UpdateSecurityCredentialsCommand,
        UpdateSecurityCredentialsResponse,
        UpdateSecurityCredentialsAlert,
    ),
    AsnModule(
        "IssueSecurityCredentials",
        ("CS02c",),
        IssueSecurityCredentialsCommand,
        IssueSecurityCredentialsResponse,
    ),
    AsnModule(
        "UpdateDeviceCertificate",
        ("CS02d",),
        UpdateDeviceCertificateCommand,
        UpdateDeviceCertificateResponse,
    ),
    AsnModule(
        "ProvideDeviceCertificate",
        ("CS02e",),
        ProvideDeviceCertificateCommand,
        ProvideDeviceCertificateResponse,
    ),
    AsnModule(
        "JoinDevice", ("CS03A1", "CS03A2", "CS03B", "CS03C"), JoinDeviceCommand, JoinDeviceResponse
    ),
    AsnModule("UnjoinDevice", ("CS04AC", "CS04B"), UnjoinDeviceCommand, UnjoinDeviceResponse),
    AsnModule(
        "ActivateFirmware",
        ("CS06",),
        ActivateFirmwareCommand,
        ActivateFirmwareResponse,
        ActivateFirmwareAlert,
    ),
    AsnModule(
        "ReadDeviceJoinDetails",
        ("CS07",),
        ReadDeviceJoinDetailsCommand,
        ReadDeviceJoinDetailsResponse,
    ),
    AsnModule(
        "ReadFirmwareVersion", ("CS08",), ReadFirmwareVersionCommand, ReadFirmwareVersionResponse
    ),
    AsnModule("FirmwareActivationAlert", ("CS09",), alert=FirmwareActivationAlert),
    AsnModule("FirmwareTransferAlert", ("CCS08",), alert=FirmwareTransferAlert),
    AsnModule("SetTime", ("GCS28",), SetTimeCommand, SetTimeResponse),
    AsnModule(
        "GpfDeviceLogRestore",
        ("GCS59",),
        GpfDeviceLogRestoreCommand,
        GpfDeviceLogRestoreResponse,
    ),
    AsnModule("GpfDeviceLogBackup", ("GCS62",), alert=GpfDeviceLogBackupAlert),
)

MESSAGE_CODES: Final[dict[int, str]] = {
    0x0008: "CS02a",
    0x000A: "CS02c",
    0x000B: "CS02d",
    0x000C: "CS02e",
    0x000D: "CS03A1",
    0x000E: "CS03B",
    0x000F: "CS04AC",
    0x0010: "CS04B",
    0x0012: "CS06",
    0x0013: "CS07",
    0x007F: "GCS28",
    0x008C: "GCS59",
    0x00AB: "CS03A2",
    0x00AF: "CS03C",
    0x00B2: "GCS62",
    # Future-dated execution Alerts (0x8F66 / 0x8F67) have message codes of their own.
    0x00CA: "CS06",
    0x00CB: "CS02b",
    # CS02b has one message code per credentials replacement mode (2 to 9).
    0x0102: "CS02b",
    0x0103: "CS02b",
    0x0104: "CS02b",
    0x0105: "CS02b",
    0x0106: "CS02b",
    0x0107: "CS02b",
    0x0108: "CS02b",
    0x0109: "CS02b",
    0x011B: "CS02f",
    0x0124: "CS02g",
    0x0125: "CS02g",
    0x0126: "CS02g",
    0x0128: "CCS08",
    0x0129: "CS08",
    0x012B: "CS09",
}
"""Message codes of the DER use cases, as the RTDS vectors carry them (GBCS Section 15)."""

_BY_USE_CASE: Final = {use_case: module for module in MODULES for use_case in module.use_cases}
# Longest first, so that "CS03A2Critical" finds "CS03A2" and "CCS08" never finds "CS08".
_PREFIXES: Final = sorted(_BY_USE_CASE, key=len, reverse=True)


def use_case_module(use_case: str) -> tuple[str, AsnModule] | None:
    """The GBCS use case code and module for a use case name such as ``CS03A2Critical``."""
    for code in _PREFIXES:
        if use_case.startswith(code):
            return code, _BY_USE_CASE[code]
    return None


def lookup(message_code: int, use_case: str | None) -> tuple[str, AsnModule] | None:
    """The use case and module for a payload: by message code, else by use case name."""
    known = MESSAGE_CODES.get(message_code)
    if known is not None:
        return known, _BY_USE_CASE[known]
    if use_case:
        return use_case_module(use_case)
    return None


STRUCTURES: Final[dict[str, type[DerStructure]]] = {
    kind.__name__: kind
    for module in MODULES
    for kind in (module.command, module.response, module.alert)
    if kind is not None
}
"""Every top-level payload type by class name (the ``type`` of the JSON form)."""
