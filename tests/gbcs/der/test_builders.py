"""Building Commands and Responses from typed values, as the Service Request layer will."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsEncodeError, PayloadContext
from opendcc.gbcs.der import (
    ActivateFirmwareCommand,
    AuthorisingRemotePartyControl,
    CellUsage,
    Certificate,
    CredentialsReplacementMode,
    DerPayload,
    DeviceLogEntry,
    DeviceType,
    GpfDeviceLogRestoreCommand,
    IssueSecurityCredentialsCommand,
    IssueSecurityCredentialsResponse,
    JoinDeviceCommand,
    JoinMethodAndRole,
    KeyUsageFlags,
    ProvideDeviceCertificateResponse,
    ProvideSecurityCredentialDetailsCommand,
    ReplacementOutcome,
    SetTimeCommand,
    StatusCode,
    TrustAnchorCellIdentifier,
    TrustAnchorReplacement,
    UnjoinDeviceCommand,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsExecutionOutcome,
    UpdateSecurityCredentialsResponse,
    decode,
    encode,
)
from opendcc.gbcs.der.tlv import LengthForm
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from tests.gbcs.der.rtds import RTDS, der_vectors
from tests.reference import require_reference

_VECTORS = der_vectors()
END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _payload(folder: str, name_part: str) -> bytes:
    require_reference(*RTDS.parts, folder)
    (vector,) = [v for v in _VECTORS if v.folder == folder and name_part in v.name]
    return vector.payload


def _keystore_certificate(name: str) -> x509.Certificate:
    path = require_reference("gbcs", "keystore", f"{name}.pem")
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.mark.conformance
def test_change_of_supplier_command_built_from_certificates_matches_the_reference() -> None:
    """DUIS 6.23: the transitional CoS party places the new supplier's three certificates."""
    reference = _payload("6.23_CS02bSupplierByTransCoS", "CANCELLATION_SUCCESS_COMMAND")
    context = PayloadContext(Cra.COMMAND, 0x0107, None, Eui64(0), Eui64(0), 0)
    decoded = decode(reference, context).body
    assert isinstance(decoded, UpdateSecurityCredentialsCommand)
    command = UpdateSecurityCredentialsCommand(
        authorising_remote_party_control=AuthorisingRemotePartyControl(
            credentials_replacement_mode=CredentialsReplacementMode.SUPPLIER_BY_TRANS_COS,
            authorising_remote_party_ta_cell=TrustAnchorCellIdentifier(
                RemotePartyRole.TRANSITIONAL_COS, KeyUsageFlags.DIGITAL_SIGNATURE
            ),
            authorising_remote_party_seq_number=6003,
        ),
        replacements=(
            TrustAnchorReplacement.for_certificate(_keystore_certificate("90b3d51f30030000-ds")),
            TrustAnchorReplacement.for_certificate(_keystore_certificate("90b3d51f30030000-ka")),
            TrustAnchorReplacement.for_certificate(
                _keystore_certificate("90b3d51f30030000-pp-ka"),
                cell_usage=CellUsage.PRE_PAYMENT_TOP_UP,
            ),
        ),
        # The issuing CA certificate is not in the keystore; take the reference's own.
        certification_path_certificates=decoded.certification_path_certificates,
        execution_date_time=END_OF_TIME,
    )
    assert encode(DerPayload(command)) == reference


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("folder", "name_part", "structure"),
    [
        (
            "8.7.1_CS03A1",
            "SUCCESS_COMMAND",
            JoinDeviceCommand(
                JoinMethodAndRole.METHOD_A_INITIATOR,
                Eui64.parse("00-DB-12-34-56-78-90-9A"),
                DeviceType.HCALCS,
            ),
        ),
        (
            "8.8.1_CS04ACCritical",
            "SUCCESS_COMMAND",
            UnjoinDeviceCommand(Eui64.parse("00db123456789099")),
        ),
        (
            "11.3_CS06",
            "FUTURE_DATED_SUCCESS_COMMAND",
            ActivateFirmwareCommand(
                bytes.fromhex("aa758690730934ff0685aa758690730934ff0685657788990011223344556677"),
                originator_counter=1001,
                execution_date_time=datetime(2030, 1, 15, 9, tzinfo=UTC),
            ),
        ),
        (
            "6.11_GCS28",
            "SUCCESS_COMMAND",
            SetTimeCommand(
                datetime(2014, 12, 31, 23, 30, tzinfo=UTC),
                datetime(2015, 1, 1, 0, 30, tzinfo=UTC),
            ),
        ),
        (
            "6.24.1_CS02aMAC",
            "SUCCESS_COMMAND",
            ProvideSecurityCredentialDetailsCommand(
                TrustAnchorCellIdentifier(
                    RemotePartyRole.ACCESS_CONTROL_BROKER, KeyUsageFlags.KEY_AGREEMENT
                ),
                (RemotePartyRole.SUPPLIER, RemotePartyRole.NETWORK_OPERATOR),
            ),
        ),
        (
            "6.17_CS02c",
            "SUCCESS_COMMAND",
            IssueSecurityCredentialsCommand(KeyUsageFlags.DIGITAL_SIGNATURE),
        ),
        (
            "8.12.2_GCS59",
            "SUCCESS_COMMAND",
            GpfDeviceLogRestoreCommand(
                (
                    DeviceLogEntry(Eui64.parse("0011223344556677"), DeviceType.PPMID),
                    DeviceLogEntry(Eui64.parse("8899aabbccddeeff"), DeviceType.TYPE_2),
                )
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_commands_built_from_typed_values_match_the_reference(
    folder: str, name_part: str, structure: object
) -> None:
    assert encode(DerPayload(structure)) == _payload(folder, name_part)  # type: ignore[arg-type]


def _organisation_certificate(role: RemotePartyRole | None, usage: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, "test party")]
    if role is not None:
        names.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou))
    now = datetime(2024, 1, 1, tzinfo=UTC)
    key_usage = x509.KeyUsage(
        digital_signature=usage == "ds",
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=usage == "ka",
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(key_usage, critical=True)
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    ("role", "usage", "expected_bits"),
    [
        (RemotePartyRole.SUPPLIER, "ds", KeyUsageFlags.DIGITAL_SIGNATURE),
        (RemotePartyRole.NETWORK_OPERATOR, "ka", KeyUsageFlags.KEY_AGREEMENT),
        (RemotePartyRole.LOAD_CONTROLLER, "ds", KeyUsageFlags.DIGITAL_SIGNATURE),
    ],
)
def test_replacement_targets_the_cell_its_certificate_names(
    role: RemotePartyRole, usage: str, expected_bits: KeyUsageFlags
) -> None:
    certificate = _organisation_certificate(role, usage)
    replacement = TrustAnchorReplacement.for_certificate(certificate)
    assert replacement.target_trust_anchor_cell == TrustAnchorCellIdentifier(role, expected_bits)
    assert replacement.certificate == Certificate.from_x509(certificate)
    assert replacement.certificate.x509() == certificate
    assert replacement.target_trust_anchor_cell.key_usage == expected_bits
    expected_usage = KeyUsage.KEY_AGREEMENT if usage == "ka" else KeyUsage.DIGITAL_SIGNING
    assert expected_bits.identity_usage is expected_usage


def test_replacement_needs_a_certificate_naming_a_role() -> None:
    with pytest.raises(GbcsEncodeError, match="role"):
        TrustAnchorReplacement.for_certificate(_organisation_certificate(None, "ds"))
    with pytest.raises(GbcsEncodeError, match="unreadable"):
        TrustAnchorReplacement.for_certificate(Certificate(bytes.fromhex("3003020101")))


def test_device_response_in_the_two_octet_length_form() -> None:
    """A simulated Device answering CS02b the way the reference Devices write lengths."""
    cell = TrustAnchorCellIdentifier(RemotePartyRole.SUPPLIER, KeyUsageFlags.DIGITAL_SIGNATURE)
    outcome = ReplacementOutcome(
        cell,
        StatusCode.SUCCESS,
        Eui64.parse("90-B3-D5-1F-30-01-00-00"),
        bytes(8),
        Eui64.parse("90-B3-D5-1F-30-03-00-00"),
        bytes(8),
    )
    response = UpdateSecurityCredentialsResponse(
        UpdateSecurityCredentialsExecutionOutcome(
            1000, CredentialsReplacementMode.SUPPLIER_BY_SUPPLIER, (), (outcome,) * 3
        )
    )
    minimal = encode(DerPayload(response))
    wide = encode(DerPayload(response, length_form=LengthForm.TWO_OCTET))
    assert minimal[:2] == bytes.fromhex("3081")
    assert wide[:3] == bytes.fromhex("308200")
    # Three lengths fall in 128..255: the response, its outcome and the outcome list.
    assert len(wide) == len(minimal) + 3
    context = PayloadContext(Cra.RESPONSE, 0x0102, None, Eui64(0), Eui64(0), 0)
    decoded = decode(wide, context)
    assert decoded.length_form is LengthForm.TWO_OCTET
    assert decoded.body == response
    assert decode(minimal, context).length_form is LengthForm.MINIMAL


@pytest.mark.parametrize(
    "structure",
    [
        IssueSecurityCredentialsResponse(),
        IssueSecurityCredentialsResponse(certification_request=None, response_code=None),
        ProvideDeviceCertificateResponse(
            certificate=Certificate(bytes.fromhex("3000")), response_code=1
        ),
        ActivateFirmwareCommand(b"", originator_counter=-1),
        ActivateFirmwareCommand(b"", originator_counter=1 << 63),
        ActivateFirmwareCommand(b"", 0, execution_date_time=datetime(2030, 1, 1)),
        UnjoinDeviceCommand("00-DB-12-34-56-78-90-A0"),  # type: ignore[arg-type]
        JoinDeviceCommand(0, Eui64(1), DeviceType.ESME, Certificate(b"\x02\x01\x00")),
        JoinDeviceCommand(0, Eui64(1), DeviceType.ESME, Certificate(bytes.fromhex("30003000"))),
        SetTimeCommand("2030-01-01", datetime(2030, 1, 1, tzinfo=UTC)),  # type: ignore[arg-type]
    ],
    ids=repr,
)
def test_values_gbcs_cannot_carry_are_refused_with_gbcs_encode_error(structure: object) -> None:
    with pytest.raises(GbcsEncodeError):
        encode(DerPayload(structure))  # type: ignore[arg-type]
