"""Hypothesis strategies for every GBCS DER structure (random but well-formed values)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.der import (
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareExecutionOutcome,
    ActivateFirmwareResponse,
    ActivateImageResponseCode,
    ApplyTimeBasedCpvChecks,
    AuthorisingRemotePartyControl,
    CellUsage,
    Certificate,
    CertificationRequest,
    CredentialsReplacementMode,
    DerNode,
    DerTree,
    DeviceLogEntry,
    DeviceTimeStatus,
    DeviceType,
    FirmwareActivationAlert,
    FirmwareActivationResult,
    FirmwareTransferAlert,
    FirmwareTransferResponseCode,
    GpfDeviceLogBackupAlert,
    GpfDeviceLogRestoreCommand,
    GpfDeviceLogRestoreResponse,
    IssueSecurityCredentialsCommand,
    IssueSecurityCredentialsResponse,
    IssueSecurityCredentialsResponseCode,
    JoinDeviceCommand,
    JoinDeviceResponse,
    JoinMethodAndRole,
    JoinResponseCode,
    KeyUsageFlags,
    ProvideDeviceCertificateCommand,
    ProvideDeviceCertificateResponse,
    ProvideDeviceCertificateResponseCode,
    ProvideSecurityCredentialDetailsCommand,
    ProvideSecurityCredentialDetailsResponse,
    ReadDeviceJoinDetailsCommand,
    ReadDeviceJoinDetailsResponse,
    ReadDeviceJoinDetailsResponseCode,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
    ReadFirmwareVersionResponseCode,
    RemotePartyDetails,
    RemotePartySeqNumberChange,
    ReplacementOutcome,
    RestoreOutcome,
    SeqNumberUsage,
    SetTimeCommand,
    SetTimeResponse,
    SpecialistSeqNumber,
    StatusCode,
    TagClass,
    TrustAnchorCellContents,
    TrustAnchorCellIdentifier,
    TrustAnchorReplacement,
    UnjoinDeviceCommand,
    UnjoinDeviceResponse,
    UnjoinResponseCode,
    UpdateDeviceCertificateCommand,
    UpdateDeviceCertificateResponse,
    UpdateDeviceCertificateResponseCode,
    UpdateSecurityCredentialsAlert,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsExecutionOutcome,
    UpdateSecurityCredentialsResponse,
)
from opendcc.gbcs.der.tlv import minimal_length_octets, tlv
from opendcc.smki.identity import RemotePartyRole

_SMALL = {"max_size": 3}

euis = st.integers(min_value=0, max_value=(1 << 64) - 1).map(Eui64)
seq_numbers = st.integers(min_value=0, max_value=(1 << 63) - 1)
alert_codes = st.integers(min_value=0, max_value=0xFFFFFFFF)
octets = st.binary(max_size=40)
times = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)
key_usages = st.integers(min_value=0, max_value=0x1FF).map(KeyUsageFlags)


def coded(kind: type[enum.IntEnum]) -> st.SearchStrategy[Any]:
    """A member of ``kind`` or, now and then, a number it does not name."""
    return st.one_of(
        st.sampled_from(list(kind)), st.integers(min_value=-(1 << 70), max_value=1 << 70)
    )


def der_sequences() -> st.SearchStrategy[bytes]:
    """Opaque single-SEQUENCE blobs standing in for certificates and requests."""
    return st.binary(max_size=300).map(lambda body: tlv(0x30, body))


certificates = der_sequences().map(Certificate)
roles = coded(RemotePartyRole)
cells = st.builds(TrustAnchorCellIdentifier, roles, key_usages, st.none() | coded(CellUsage))
specialists = st.builds(SpecialistSeqNumber, coded(SeqNumberUsage), seq_numbers)
changes = st.builds(
    RemotePartySeqNumberChange,
    roles,
    seq_numbers,
    st.none() | st.lists(specialists, **_SMALL).map(tuple),
)
log_entries = st.builds(DeviceLogEntry, euis, coded(DeviceType))
controls = st.builds(
    AuthorisingRemotePartyControl,
    credentials_replacement_mode=coded(CredentialsReplacementMode),
    authorising_remote_party_seq_number=seq_numbers,
    authorising_remote_party_ta_cell=st.none() | cells,
    plaintext_symmetric_key=st.none() | octets,
    apply_time_based_cpv_checks=st.none() | coded(ApplyTimeBasedCpvChecks),
    new_remote_party_floor_seq_number=st.none() | seq_numbers,
    new_remote_party_specialist_floor_seq_numbers=st.none()
    | st.lists(specialists, **_SMALL).map(tuple),
    other_remote_party_seq_number_changes=st.none() | st.lists(changes, **_SMALL).map(tuple),
)
replacement_outcomes = st.builds(
    ReplacementOutcome, cells, coded(StatusCode), euis, octets, euis, octets
)
credential_outcomes = st.builds(
    UpdateSecurityCredentialsExecutionOutcome,
    seq_numbers,
    coded(CredentialsReplacementMode),
    st.lists(changes, **_SMALL).map(tuple),
    st.lists(replacement_outcomes, **_SMALL).map(tuple),
)
firmware_outcomes = st.builds(
    ActivateFirmwareExecutionOutcome, coded(ActivateImageResponseCode), octets
)

STRUCTURES: dict[type[Any], st.SearchStrategy[Any]] = {
    ProvideSecurityCredentialDetailsCommand: st.builds(
        ProvideSecurityCredentialDetailsCommand, cells, st.lists(roles, **_SMALL).map(tuple)
    ),
    ProvideSecurityCredentialDetailsResponse: st.builds(
        ProvideSecurityCredentialDetailsResponse,
        st.lists(
            st.builds(
                RemotePartyDetails,
                roles,
                coded(StatusCode),
                st.none() | seq_numbers,
                st.none()
                | st.lists(
                    st.builds(
                        TrustAnchorCellContents,
                        key_usages,
                        euis,
                        octets,
                        st.none() | coded(CellUsage),
                    ),
                    **_SMALL,
                ).map(tuple),
            ),
            **_SMALL,
        ).map(tuple),
    ),
    UpdateSecurityCredentialsCommand: st.builds(
        UpdateSecurityCredentialsCommand,
        controls,
        st.lists(st.builds(TrustAnchorReplacement, certificates, cells), **_SMALL).map(tuple),
        st.lists(certificates, **_SMALL).map(tuple),
        st.none() | times,
    ),
    UpdateSecurityCredentialsResponse: st.builds(
        UpdateSecurityCredentialsResponse, st.none() | credential_outcomes
    ),
    UpdateSecurityCredentialsAlert: st.builds(
        UpdateSecurityCredentialsAlert, alert_codes, times, credential_outcomes
    ),
    IssueSecurityCredentialsCommand: st.builds(IssueSecurityCredentialsCommand, key_usages),
    IssueSecurityCredentialsResponse: st.one_of(
        st.builds(
            IssueSecurityCredentialsResponse,
            certification_request=der_sequences().map(CertificationRequest),
        ),
        st.builds(
            IssueSecurityCredentialsResponse,
            response_code=coded(IssueSecurityCredentialsResponseCode),
        ),
    ),
    UpdateDeviceCertificateCommand: st.builds(UpdateDeviceCertificateCommand, certificates),
    UpdateDeviceCertificateResponse: st.builds(
        UpdateDeviceCertificateResponse, coded(UpdateDeviceCertificateResponseCode)
    ),
    ProvideDeviceCertificateCommand: st.builds(ProvideDeviceCertificateCommand, key_usages),
    ProvideDeviceCertificateResponse: st.one_of(
        st.builds(ProvideDeviceCertificateResponse, certificate=certificates),
        st.builds(
            ProvideDeviceCertificateResponse,
            response_code=coded(ProvideDeviceCertificateResponseCode),
        ),
    ),
    JoinDeviceCommand: st.builds(
        JoinDeviceCommand,
        coded(JoinMethodAndRole),
        euis,
        coded(DeviceType),
        st.none() | certificates,
    ),
    JoinDeviceResponse: st.builds(JoinDeviceResponse, coded(JoinResponseCode)),
    UnjoinDeviceCommand: st.builds(UnjoinDeviceCommand, euis),
    UnjoinDeviceResponse: st.builds(UnjoinDeviceResponse, coded(UnjoinResponseCode)),
    ActivateFirmwareCommand: st.builds(
        ActivateFirmwareCommand, octets, seq_numbers, st.none() | times
    ),
    ActivateFirmwareResponse: st.builds(ActivateFirmwareResponse, st.none() | firmware_outcomes),
    ActivateFirmwareAlert: st.builds(
        ActivateFirmwareAlert, alert_codes, times, seq_numbers, firmware_outcomes
    ),
    ReadDeviceJoinDetailsCommand: st.just(ReadDeviceJoinDetailsCommand()),
    ReadDeviceJoinDetailsResponse: st.builds(
        ReadDeviceJoinDetailsResponse,
        coded(ReadDeviceJoinDetailsResponseCode),
        st.none() | st.lists(log_entries, **_SMALL).map(tuple),
    ),
    ReadFirmwareVersionCommand: st.just(ReadFirmwareVersionCommand()),
    ReadFirmwareVersionResponse: st.builds(
        ReadFirmwareVersionResponse, octets, coded(ReadFirmwareVersionResponseCode)
    ),
    FirmwareActivationAlert: st.builds(
        FirmwareActivationAlert, alert_codes, times, octets, coded(FirmwareActivationResult)
    ),
    FirmwareTransferAlert: st.builds(
        FirmwareTransferAlert,
        alert_codes,
        times,
        euis,
        octets,
        coded(FirmwareTransferResponseCode),
    ),
    SetTimeCommand: st.builds(SetTimeCommand, times, times),
    SetTimeResponse: st.builds(SetTimeResponse, times, coded(DeviceTimeStatus)),
    GpfDeviceLogRestoreCommand: st.builds(
        GpfDeviceLogRestoreCommand, st.lists(log_entries, **_SMALL).map(tuple)
    ),
    GpfDeviceLogRestoreResponse: st.builds(
        GpfDeviceLogRestoreResponse,
        st.lists(st.builds(RestoreOutcome, log_entries, coded(JoinResponseCode)), **_SMALL).map(
            tuple
        ),
    ),
    GpfDeviceLogBackupAlert: st.builds(
        GpfDeviceLogBackupAlert, alert_codes, times, st.lists(log_entries, **_SMALL).map(tuple)
    ),
}


@st.composite
def _length_octets(draw: st.DrawFn, length: int) -> int | None:
    """None (shortest form) or a longer long form than DER would use."""
    shortest = minimal_length_octets(length)
    if shortest >= 4 or draw(st.booleans()):
        return None
    return draw(st.integers(min_value=max(shortest + 1, 1), max_value=4))


@st.composite
def _primitive(draw: st.DrawFn) -> DerNode:
    content = draw(st.binary(max_size=20))
    return DerNode(
        draw(st.sampled_from(list(TagClass))),
        draw(st.integers(min_value=0, max_value=0xFFFFFFFF)),
        False,
        content,
        length_octets=draw(_length_octets(len(content))),
    )


def _constructed(children: st.SearchStrategy[list[DerNode]]) -> st.SearchStrategy[DerNode]:
    @st.composite
    def build(draw: st.DrawFn) -> DerNode:
        kids = tuple(draw(children))
        size = sum(len(k.encode()) for k in kids)
        return DerNode(
            draw(st.sampled_from(list(TagClass))),
            draw(st.integers(min_value=0, max_value=0xFFFFFFFF)),
            True,
            children=kids,
            length_octets=draw(_length_octets(size)),
        )

    return build()


der_nodes = st.recursive(
    _primitive(), lambda inner: _constructed(st.lists(inner, max_size=4)), max_leaves=12
)
der_trees = st.lists(der_nodes, min_size=1, max_size=3).map(lambda nodes: DerTree(tuple(nodes)))
