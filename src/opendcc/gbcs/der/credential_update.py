"""CS02b and CS02g, Update Security Credentials: trust anchor replacement on a Device.

GBCS 13.3 (CS02b) and 13.10 (CS02g, load controller credentials) share one ASN.1
module. The Command names who authorises the change (``AuthorisingRemotePartyControl``:
the credentials replacement mode, the authorising party's trust anchor cell and anti-replay
sequence number, the new floors), the trust anchors to place (each a certificate and the
cell it goes into) and the certification path certificates to verify them, optionally with
an execution date-time (future dating; the RTDS cancels with 9999-12-31T23:59:59Z). The
Response is ``SEQUENCE { commandAccepted NULL, executionOutcome OPTIONAL }``: the outcome
is absent when the Command is future dated, and arrives later in the 0x8F66 / 0x8F67
Alert instead. The outcome reports each cell's status and the subject identifiers of the
certificate it held before and after.

Construction for the Service Request catalogue (DUIS 6.15.1, 6.21, 6.23, 8.5)::

    UpdateSecurityCredentialsCommand(
        authorising_remote_party_control=AuthorisingRemotePartyControl(
            credentials_replacement_mode=CredentialsReplacementMode.SUPPLIER_BY_SUPPLIER,
            authorising_remote_party_ta_cell=TrustAnchorCellIdentifier(
                RemotePartyRole.SUPPLIER, KeyUsageFlags.DIGITAL_SIGNATURE),
            authorising_remote_party_seq_number=counter,
        ),
        replacements=(TrustAnchorReplacement.for_certificate(new_ds_cert),),
        certification_path_certificates=(Certificate.from_x509(issuing_ca),),
    )
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import (
    Certificate,
    KeyUsageFlags,
    RemotePartySeqNumberChange,
    SpecialistSeqNumber,
    StatusCode,
    TrustAnchorCellIdentifier,
    alert_code_text,
    read_alert_code,
    read_eui,
    read_seq_number,
    read_sequence_of,
    usage_for,
    write_alert_code,
    write_bytes,
    write_eui,
    write_int,
    write_seq_number,
    write_sequence_of,
)
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name, spell, time_text
from opendcc.gbcs.der.tlv import Reader, context_tag
from opendcc.smki.identity import RemotePartyRole, certificate_role, certificate_usage


class CredentialsReplacementMode(enum.IntEnum):
    """Who replaces whose credentials; 10 and 11 are the CS02g load controller modes."""

    SUPPLIER_BY_SUPPLIER = 2
    NETWORK_OPERATOR_BY_NETWORK_OPERATOR = 3
    ACCESS_CONTROL_BROKER_BY_ACB = 4
    WAN_PROVIDER_BY_WAN_PROVIDER = 5
    TRANS_COS_BY_TRANS_COS = 6
    SUPPLIER_BY_TRANS_COS = 7
    ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY = 8
    ANY_BY_CONTINGENCY = 9
    LOAD_CONTROLLER_BY_LOAD_CONTROLLER = 10
    LOAD_CONTROLLER_BY_SUPPLIER = 11


class ApplyTimeBasedCpvChecks(enum.IntEnum):
    """Whether the Device checks validity periods during Certification Path Validation."""

    APPLY = 0
    DISAPPLY = 1


spell(
    (CredentialsReplacementMode.ACCESS_CONTROL_BROKER_BY_ACB, "accessControlBrokerByACB"),
    (CredentialsReplacementMode.TRANS_COS_BY_TRANS_COS, "transCoSByTransCoS"),
    (CredentialsReplacementMode.SUPPLIER_BY_TRANS_COS, "supplierByTransCoS"),
)

_PLAINTEXT_KEY = context_tag(0)
_APPLY_CPV = context_tag(1)
_TA_CELL = context_tag(2, constructed=True)
_SEQ_NUMBER = context_tag(3)
_FLOOR = context_tag(4)
_SPECIALIST = context_tag(5, constructed=True)
_OTHER_CHANGES = context_tag(6, constructed=True)


@dataclass(frozen=True, slots=True)
class AuthorisingRemotePartyControl:
    """Who authorises the replacement and the anti-replay state it leaves behind.

    GBCS 13.3.5 says which optional parts each mode needs: the plaintext symmetric key
    only for anyByContingency; the TA cell for a Communications Hub always, otherwise
    unless the ACB replaces its own credentials; the new floor on a change of control;
    specialist floors on change of supplier with a new top-up counter sequence; other
    parties' changes when one role replaces another's credentials.
    """

    credentials_replacement_mode: CredentialsReplacementMode | int
    authorising_remote_party_seq_number: int
    authorising_remote_party_ta_cell: TrustAnchorCellIdentifier | None = None
    plaintext_symmetric_key: bytes | None = None
    apply_time_based_cpv_checks: ApplyTimeBasedCpvChecks | int | None = None
    new_remote_party_floor_seq_number: int | None = None
    new_remote_party_specialist_floor_seq_numbers: tuple[SpecialistSeqNumber, ...] | None = None
    other_remote_party_seq_number_changes: tuple[RemotePartySeqNumberChange, ...] | None = None

    @classmethod
    def read(cls, reader: Reader) -> AuthorisingRemotePartyControl:
        inner = reader.constructed()
        mode = coded(CredentialsReplacementMode, inner.integer())
        key = inner.octets(_PLAINTEXT_KEY) if inner.next_is(_PLAINTEXT_KEY) else None
        cpv = (
            coded(ApplyTimeBasedCpvChecks, inner.integer(_APPLY_CPV))
            if inner.next_is(_APPLY_CPV)
            else None
        )
        cell = TrustAnchorCellIdentifier.read(inner, _TA_CELL) if inner.next_is(_TA_CELL) else None
        seq = read_seq_number(inner, _SEQ_NUMBER)
        floor = read_seq_number(inner, _FLOOR) if inner.next_is(_FLOOR) else None
        specialist = (
            read_sequence_of(inner, SpecialistSeqNumber.read, _SPECIALIST)
            if inner.next_is(_SPECIALIST)
            else None
        )
        others = (
            read_sequence_of(inner, RemotePartySeqNumberChange.read, _OTHER_CHANGES)
            if inner.next_is(_OTHER_CHANGES)
            else None
        )
        inner.finish()
        return cls(mode, seq, cell, key, cpv, floor, specialist, others)

    def write(self) -> bytes:
        parts = [write_int(self.credentials_replacement_mode)]
        if self.plaintext_symmetric_key is not None:
            parts.append(write_bytes(self.plaintext_symmetric_key, _PLAINTEXT_KEY))
        if self.apply_time_based_cpv_checks is not None:
            parts.append(write_int(self.apply_time_based_cpv_checks, _APPLY_CPV))
        if self.authorising_remote_party_ta_cell is not None:
            parts.append(self.authorising_remote_party_ta_cell.write(_TA_CELL))
        parts.append(write_seq_number(self.authorising_remote_party_seq_number, _SEQ_NUMBER))
        if self.new_remote_party_floor_seq_number is not None:
            parts.append(write_seq_number(self.new_remote_party_floor_seq_number, _FLOOR))
        if self.new_remote_party_specialist_floor_seq_numbers is not None:
            parts.append(
                write_sequence_of(self.new_remote_party_specialist_floor_seq_numbers, _SPECIALIST)
            )
        if self.other_remote_party_seq_number_changes is not None:
            parts.append(
                write_sequence_of(self.other_remote_party_seq_number_changes, _OTHER_CHANGES)
            )
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "credentials_replacement_mode": gbcs_name(self.credentials_replacement_mode),
            "authorising_remote_party_seq_number": self.authorising_remote_party_seq_number,
        }
        if self.authorising_remote_party_ta_cell is not None:
            values["authorising_remote_party_ta_cell"] = (
                self.authorising_remote_party_ta_cell.named_values()
            )
        if self.plaintext_symmetric_key is not None:
            values["plaintext_symmetric_key"] = self.plaintext_symmetric_key.hex()
        if self.apply_time_based_cpv_checks is not None:
            values["apply_time_based_cpv_checks"] = gbcs_name(self.apply_time_based_cpv_checks)
        if self.new_remote_party_floor_seq_number is not None:
            values["new_remote_party_floor_seq_number"] = self.new_remote_party_floor_seq_number
        if self.new_remote_party_specialist_floor_seq_numbers is not None:
            values["new_remote_party_specialist_floor_seq_numbers"] = [
                s.named_values() for s in self.new_remote_party_specialist_floor_seq_numbers
            ]
        if self.other_remote_party_seq_number_changes is not None:
            values["other_remote_party_seq_number_changes"] = [
                c.named_values() for c in self.other_remote_party_seq_number_changes
            ]
        return values


@dataclass(frozen=True, slots=True)
class TrustAnchorReplacement:
    """One new trust anchor: the certificate and the cell it is to occupy."""

    certificate: Certificate
    target_trust_anchor_cell: TrustAnchorCellIdentifier

    @classmethod
    def for_certificate(
        cls,
        certificate: x509.Certificate | Certificate,
        *,
        cell_usage: int | None = None,
    ) -> TrustAnchorReplacement:
        """The replacement placing ``certificate`` in the cell its own role and usage name.

        The role comes from the certificate's OU and the cell's key usage from its
        keyUsage extension (signing or key agreement), as GBCS 13.3 requires them to
        match; ``GbcsEncodeError`` if the certificate names neither.
        """
        carried = (
            certificate
            if isinstance(certificate, Certificate)
            else Certificate.from_x509(certificate)
        )
        try:
            parsed = carried.x509()
        except ValueError as exc:
            raise GbcsEncodeError(f"unreadable certificate: {exc}") from None
        role = certificate_role(parsed)
        usage = certificate_usage(parsed)
        if role is None or usage is None:
            raise GbcsEncodeError("the certificate names no remote party role or key usage")
        cell = TrustAnchorCellIdentifier(role, usage_for(usage), cell_usage)
        return cls(carried, cell)

    @classmethod
    def read(cls, reader: Reader) -> TrustAnchorReplacement:
        inner = reader.constructed()
        certificate = Certificate.read(inner)
        cell = TrustAnchorCellIdentifier.read(inner)
        inner.finish()
        return cls(certificate, cell)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE, self.certificate.write(), self.target_trust_anchor_cell.write()
        )

    def named_values(self) -> dict[str, object]:
        return {
            "certificate": self.certificate.named_values(),
            "target_trust_anchor_cell": self.target_trust_anchor_cell.named_values(),
        }


@dataclass(frozen=True, slots=True)
class UpdateSecurityCredentialsCommand:
    """``@UpdateSecurityCredentials.CommandPayload`` (CS02b, CS02g)."""

    authorising_remote_party_control: AuthorisingRemotePartyControl
    replacements: tuple[TrustAnchorReplacement, ...]
    certification_path_certificates: tuple[Certificate, ...] = ()
    execution_date_time: datetime | None = None

    @classmethod
    def read(cls, reader: Reader) -> UpdateSecurityCredentialsCommand:
        inner = reader.constructed()
        control = AuthorisingRemotePartyControl.read(inner)
        replacements = read_sequence_of(inner, TrustAnchorReplacement.read)
        path = read_sequence_of(inner, Certificate.read)
        when = inner.generalized_time() if inner.next_is(tlv.GENERALIZED_TIME) else None
        inner.finish()
        return cls(control, replacements, path, when)

    def write(self) -> bytes:
        parts = [
            self.authorising_remote_party_control.write(),
            write_sequence_of(self.replacements),
            write_sequence_of(self.certification_path_certificates),
        ]
        if self.execution_date_time is not None:
            parts.append(tlv.encode_generalized_time(self.execution_date_time))
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            **self.authorising_remote_party_control.named_values(),
            "replacements": [r.named_values() for r in self.replacements],
            "certification_path_certificates": [
                c.named_values() for c in self.certification_path_certificates
            ],
        }
        if self.execution_date_time is not None:
            values["execution_date_time"] = time_text(self.execution_date_time)
        return values


@dataclass(frozen=True, slots=True)
class ReplacementOutcome:
    """What happened to one trust anchor cell, and whose credentials it held before/after."""

    affected_trust_anchor_cell: TrustAnchorCellIdentifier
    status_code: StatusCode | int
    existing_subject_unique_id: Eui64
    existing_subject_key_id: bytes
    replacing_subject_unique_id: Eui64
    replacing_subject_key_id: bytes

    @property
    def succeeded(self) -> bool:
        return self.status_code == StatusCode.SUCCESS

    @classmethod
    def read(cls, reader: Reader) -> ReplacementOutcome:
        inner = reader.constructed()
        cell = TrustAnchorCellIdentifier.read(inner)
        status = coded(StatusCode, inner.enumerated())
        outcome = cls(
            cell,
            status,
            read_eui(inner),
            inner.octets(),
            read_eui(inner),
            inner.octets(),
        )
        inner.finish()
        return outcome

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            self.affected_trust_anchor_cell.write(),
            write_int(self.status_code, tlv.ENUMERATED),
            write_eui(self.existing_subject_unique_id),
            write_bytes(self.existing_subject_key_id),
            write_eui(self.replacing_subject_unique_id),
            write_bytes(self.replacing_subject_key_id),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "affected_trust_anchor_cell": self.affected_trust_anchor_cell.named_values(),
            "status_code": gbcs_name(self.status_code),
            "existing_subject_unique_id": eui_text(self.existing_subject_unique_id),
            "existing_subject_key_id": self.existing_subject_key_id.hex(),
            "replacing_subject_unique_id": eui_text(self.replacing_subject_unique_id),
            "replacing_subject_key_id": self.replacing_subject_key_id.hex(),
        }


@dataclass(frozen=True, slots=True)
class UpdateSecurityCredentialsExecutionOutcome:
    """The result of executing an Update Security Credentials Command."""

    authorising_remote_party_seq_number: int
    credentials_replacement_mode: CredentialsReplacementMode | int
    remote_party_seq_number_changes: tuple[RemotePartySeqNumberChange, ...]
    replacement_outcomes: tuple[ReplacementOutcome, ...]

    @property
    def all_succeeded(self) -> bool:
        return all(o.succeeded for o in self.replacement_outcomes)

    @classmethod
    def read(cls, reader: Reader) -> UpdateSecurityCredentialsExecutionOutcome:
        inner = reader.constructed()
        seq = read_seq_number(inner)
        mode = coded(CredentialsReplacementMode, inner.integer())
        changes = read_sequence_of(inner, RemotePartySeqNumberChange.read)
        outcomes = read_sequence_of(inner, ReplacementOutcome.read)
        inner.finish()
        return cls(seq, mode, changes, outcomes)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_seq_number(self.authorising_remote_party_seq_number),
            write_int(self.credentials_replacement_mode),
            write_sequence_of(self.remote_party_seq_number_changes),
            write_sequence_of(self.replacement_outcomes),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "authorising_remote_party_seq_number": self.authorising_remote_party_seq_number,
            "credentials_replacement_mode": gbcs_name(self.credentials_replacement_mode),
            "remote_party_seq_number_changes": [
                c.named_values() for c in self.remote_party_seq_number_changes
            ],
            "replacement_outcomes": [o.named_values() for o in self.replacement_outcomes],
            "all_replacements_succeeded": self.all_succeeded,
        }


@dataclass(frozen=True, slots=True)
class UpdateSecurityCredentialsResponse:
    """``SEQUENCE { commandAccepted NULL, executionOutcome OPTIONAL }``.

    ``execution_outcome`` is None for a future-dated (or cancelling) Command: the Device
    only acknowledges, and reports the outcome in the Alert at execution time.
    """

    execution_outcome: UpdateSecurityCredentialsExecutionOutcome | None = None

    @classmethod
    def read(cls, reader: Reader) -> UpdateSecurityCredentialsResponse:
        inner = reader.constructed()
        inner.null()
        outcome = (
            UpdateSecurityCredentialsExecutionOutcome.read(inner)
            if inner.next_is(tlv.SEQUENCE)
            else None
        )
        inner.finish()
        return cls(outcome)

    def write(self) -> bytes:
        parts = [tlv.encode_null()]
        if self.execution_outcome is not None:
            parts.append(self.execution_outcome.write())
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {"command_accepted": True}
        if self.execution_outcome is not None:
            values.update(self.execution_outcome.named_values())
        return values


@dataclass(frozen=True, slots=True)
class UpdateSecurityCredentialsAlert:
    """The Alert a future-dated CS02b/CS02g Command raises when it executes."""

    alert_code: int
    execution_date_time: datetime
    execution_outcome: UpdateSecurityCredentialsExecutionOutcome

    @classmethod
    def read(cls, reader: Reader) -> UpdateSecurityCredentialsAlert:
        inner = reader.constructed()
        code = read_alert_code(inner)
        when = inner.generalized_time()
        outcome = UpdateSecurityCredentialsExecutionOutcome.read(inner)
        inner.finish()
        return cls(code, when, outcome)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_alert_code(self.alert_code),
            tlv.encode_generalized_time(self.execution_date_time),
            self.execution_outcome.write(),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "alert_code": alert_code_text(self.alert_code),
            "execution_date_time": time_text(self.execution_date_time),
            **self.execution_outcome.named_values(),
        }


__all__ = [
    "ApplyTimeBasedCpvChecks",
    "AuthorisingRemotePartyControl",
    "CredentialsReplacementMode",
    "KeyUsageFlags",
    "RemotePartyRole",
    "ReplacementOutcome",
    "TrustAnchorReplacement",
    "UpdateSecurityCredentialsAlert",
    "UpdateSecurityCredentialsCommand",
    "UpdateSecurityCredentialsExecutionOutcome",
    "UpdateSecurityCredentialsResponse",
]
