"""CS02c, CS02d and CS02e: a Device's own key pairs and certificates.

- CS02c Issue Security Credentials (GBCS 13.4, DUIS 6.17): the Command names a key usage;
  the Device generates a key pair and answers with a PKCS#10 Certification Request, or
  with a response code saying why it could not.
- CS02d Update Device Certificates on Device (13.5, DUIS 6.15.2): the Command carries the
  new Device Certificate; the Response is a response code.
- CS02e Provide Device Certificates from Device (13.6, DUIS 6.24.2): the Command names a
  key usage; the Response is the Device Certificate, or a response code.

The two Responses that may carry either a DER structure or an INTEGER are CHOICEs; exactly
one of their two fields is set.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import (
    CERTIFICATE_READ_ERRORS,
    Certificate,
    KeyUsageFlags,
    key_usage_names,
    read_key_usage,
    write_int,
    write_key_usage,
    write_single_sequence,
)
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name
from opendcc.gbcs.der.tlv import Reader
from opendcc.smki.identity import OID_HARDWARE_MODULE_NAME


class IssueSecurityCredentialsResponseCode(enum.IntEnum):
    INVALID_KEY_USAGE = 1
    KEY_PAIR_GENERATION_FAILED = 2
    CR_PRODUCTION_FAILED = 3


class UpdateDeviceCertificateResponseCode(enum.IntEnum):
    SUCCESS = 0
    INVALID_CERTIFICATE = 1
    WRONG_DEVICE_IDENTITY = 2
    INVALID_KEY_USAGE = 3
    NO_CORRESPONDING_KEY_PAIR_GENERATED = 4
    WRONG_PUBLIC_KEY = 5
    CERTIFICATE_STORAGE_FAILED = 6
    PRIVATE_KEY_CHANGE_FAILED = 7


class ProvideDeviceCertificateResponseCode(enum.IntEnum):
    INVALID_KEY_USAGE = 1
    NO_CERTIFICATE_HELD = 2
    CERTIFICATE_RETRIEVAL_FAILURE = 3


@dataclass(frozen=True, slots=True)
class CertificationRequest:
    """A PKCS#10 Certification Request (RFC 2986) as its exact DER encoding."""

    der: bytes

    def csr(self) -> x509.CertificateSigningRequest:
        """The parsed request; ``ValueError`` if ``cryptography`` cannot read it."""
        return x509.load_der_x509_csr(self.der)

    def named_values(self) -> dict[str, object]:
        """The Device the request names, the key usage asked for and the public key.

        The request is carried unchecked, so any failure to read it (``cryptography``
        parses lazily) gives the ``parse_error`` form instead.
        """
        try:
            return _request_values(self.csr())
        except CERTIFICATE_READ_ERRORS as exc:
            return {"parse_error": str(exc), "der_length": len(self.der)}


def _request_values(request: x509.CertificateSigningRequest) -> dict[str, object]:
    public_key = request.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    values: dict[str, object] = {
        "subject": request.subject.rfc4514_string(),
        "public_key": public_key.hex(),
        "signature_valid": request.is_signature_valid,
    }
    for extension in request.extensions:
        if isinstance(extension.value, x509.KeyUsage):
            usage = extension.value
            mask = (KeyUsageFlags.DIGITAL_SIGNATURE if usage.digital_signature else 0) | (
                KeyUsageFlags.KEY_AGREEMENT if usage.key_agreement else 0
            )
            values["key_usage"] = key_usage_names(mask)
        elif isinstance(extension.value, x509.SubjectAlternativeName):
            for name in extension.value.get_values_for_type(x509.OtherName):
                eui = _hardware_module_eui(name)
                if eui is not None:
                    values["subject_eui"] = eui_text(eui)
    return values


def _hardware_module_eui(name: x509.OtherName) -> Eui64 | None:
    """hwSerialNum of a hardwareModuleName (RFC 4108) naming an EUI-64, else None."""
    if name.type_id != OID_HARDWARE_MODULE_NAME:
        return None
    try:
        inner = Reader(name.value).constructed()
        inner.element(0x06)
        serial = inner.octets()
        inner.finish()
    except GbcsDecodeError:
        return None
    return Eui64.from_bytes(serial) if len(serial) == 8 else None


@dataclass(frozen=True, slots=True)
class IssueSecurityCredentialsCommand:
    """``SEQUENCE { keyUsage }``: which key pair the Device is to generate."""

    key_usage: KeyUsageFlags | int

    @classmethod
    def read(cls, reader: Reader) -> IssueSecurityCredentialsCommand:
        inner = reader.constructed()
        usage = read_key_usage(inner)
        inner.finish()
        return cls(usage)

    def write(self) -> bytes:
        return tlv.encode_constructed(tlv.SEQUENCE, write_key_usage(self.key_usage))

    def named_values(self) -> dict[str, object]:
        return {"key_usage": key_usage_names(self.key_usage)}


@dataclass(frozen=True, slots=True)
class IssueSecurityCredentialsResponse:
    """CHOICE of a Certification Request (success) or a response code (failure)."""

    certification_request: CertificationRequest | None = None
    response_code: IssueSecurityCredentialsResponseCode | int | None = None

    @classmethod
    def read(cls, reader: Reader) -> IssueSecurityCredentialsResponse:
        if reader.next_is(tlv.SEQUENCE):
            return cls(certification_request=CertificationRequest(reader.raw(tlv.SEQUENCE)))
        return cls(response_code=coded(IssueSecurityCredentialsResponseCode, reader.integer()))

    def write(self) -> bytes:
        _exactly_one(self.certification_request, self.response_code)
        if self.certification_request is not None:
            return write_single_sequence(self.certification_request.der, "certification request")
        assert self.response_code is not None
        return write_int(self.response_code)

    def named_values(self) -> dict[str, object]:
        if self.certification_request is not None:
            return {"certification_request": self.certification_request.named_values()}
        assert self.response_code is not None
        return {"response_code": gbcs_name(self.response_code)}


@dataclass(frozen=True, slots=True)
class UpdateDeviceCertificateCommand:
    """The new Device Certificate, alone: the payload is the certificate itself."""

    certificate: Certificate

    @classmethod
    def read(cls, reader: Reader) -> UpdateDeviceCertificateCommand:
        return cls(Certificate.read(reader))

    def write(self) -> bytes:
        return self.certificate.write()

    def named_values(self) -> dict[str, object]:
        return {"certificate": self.certificate.named_values()}


@dataclass(frozen=True, slots=True)
class UpdateDeviceCertificateResponse:
    response_code: UpdateDeviceCertificateResponseCode | int

    @classmethod
    def read(cls, reader: Reader) -> UpdateDeviceCertificateResponse:
        return cls(coded(UpdateDeviceCertificateResponseCode, reader.integer()))

    def write(self) -> bytes:
        return write_int(self.response_code)

    def named_values(self) -> dict[str, object]:
        return {"response_code": gbcs_name(self.response_code)}


@dataclass(frozen=True, slots=True)
class ProvideDeviceCertificateCommand:
    """``SEQUENCE { keyUsage }``: which of its certificates the Device is to return."""

    key_usage: KeyUsageFlags | int

    @classmethod
    def read(cls, reader: Reader) -> ProvideDeviceCertificateCommand:
        inner = reader.constructed()
        usage = read_key_usage(inner)
        inner.finish()
        return cls(usage)

    def write(self) -> bytes:
        return tlv.encode_constructed(tlv.SEQUENCE, write_key_usage(self.key_usage))

    def named_values(self) -> dict[str, object]:
        return {"key_usage": key_usage_names(self.key_usage)}


@dataclass(frozen=True, slots=True)
class ProvideDeviceCertificateResponse:
    """CHOICE of the Device Certificate (success) or a response code (failure)."""

    certificate: Certificate | None = None
    response_code: ProvideDeviceCertificateResponseCode | int | None = None

    @classmethod
    def read(cls, reader: Reader) -> ProvideDeviceCertificateResponse:
        if reader.next_is(tlv.SEQUENCE):
            return cls(certificate=Certificate.read(reader))
        return cls(response_code=coded(ProvideDeviceCertificateResponseCode, reader.integer()))

    def write(self) -> bytes:
        _exactly_one(self.certificate, self.response_code)
        if self.certificate is not None:
            return self.certificate.write()
        assert self.response_code is not None
        return write_int(self.response_code)

    def named_values(self) -> dict[str, object]:
        if self.certificate is not None:
            return {"certificate": self.certificate.named_values()}
        assert self.response_code is not None
        return {"response_code": gbcs_name(self.response_code)}


def _exactly_one(first: object, second: object) -> None:
    if (first is None) == (second is None):
        raise GbcsEncodeError("exactly one alternative of the CHOICE must be given")
