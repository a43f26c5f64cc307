"""CS02a and CS02f, Provide Security Credential Details: what trust anchors a Device holds.

GBCS 13.2 (CS02a) and 13.9 (CS02f, which adds the load controller role). The Command
names the authorising party's trust anchor cell and the remote party roles asked about;
the Response lists, per role, a status and, on success, the current anti-replay sequence
number and each trust anchor cell's key usage, cell usage and the subject unique ID and
subject key identifier of the certificate in it. DUIS 6.24.1 (Retrieve Device Security
Credentials (KRP)) maps onto it.
"""

from __future__ import annotations

from dataclasses import dataclass

from opendcc.eui import Eui64
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import (
    CellUsage,
    KeyUsageFlags,
    StatusCode,
    TrustAnchorCellIdentifier,
    key_usage_names,
    read_eui,
    read_key_usage,
    read_seq_number,
    read_sequence_of,
    write_bytes,
    write_eui,
    write_int,
    write_key_usage,
    write_seq_number,
    write_sequence_of,
)
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name
from opendcc.gbcs.der.tlv import Reader
from opendcc.smki.identity import RemotePartyRole


@dataclass(frozen=True, slots=True)
class ProvideSecurityCredentialDetailsCommand:
    """``SEQUENCE { authorisingRemotePartyTACellIdentifier, remotePartyRoles SEQUENCE OF }``."""

    authorising_remote_party_ta_cell: TrustAnchorCellIdentifier
    remote_party_roles: tuple[RemotePartyRole | int, ...]

    @classmethod
    def read(cls, reader: Reader) -> ProvideSecurityCredentialDetailsCommand:
        inner = reader.constructed()
        cell = TrustAnchorCellIdentifier.read(inner)
        roles = read_sequence_of(inner, lambda r: coded(RemotePartyRole, r.integer()))
        inner.finish()
        return cls(cell, roles)

    def write(self) -> bytes:
        roles = tlv.tlv(tlv.SEQUENCE, b"".join(write_int(r) for r in self.remote_party_roles))
        return tlv.encode_constructed(
            tlv.SEQUENCE, self.authorising_remote_party_ta_cell.write(), roles
        )

    def named_values(self) -> dict[str, object]:
        return {
            "authorising_remote_party_ta_cell": (
                self.authorising_remote_party_ta_cell.named_values()
            ),
            "remote_party_roles": [gbcs_name(r) for r in self.remote_party_roles],
        }


@dataclass(frozen=True, slots=True)
class TrustAnchorCellContents:
    """One occupied trust anchor cell: its usage and whose certificate fills it."""

    key_usage: KeyUsageFlags | int
    subject_unique_id: Eui64
    subject_key_id: bytes
    cell_usage: CellUsage | int | None = None

    @classmethod
    def read(cls, reader: Reader) -> TrustAnchorCellContents:
        inner = reader.constructed()
        usage = read_key_usage(inner)
        cell = coded(CellUsage, inner.integer()) if inner.next_is(tlv.INTEGER) else None
        contents = cls(usage, read_eui(inner), inner.octets(), cell)
        inner.finish()
        return contents

    def write(self) -> bytes:
        parts = [write_key_usage(self.key_usage)]
        if self.cell_usage is not None:
            parts.append(write_int(self.cell_usage))
        parts += [write_eui(self.subject_unique_id), write_bytes(self.subject_key_id)]
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        return {
            "key_usage": key_usage_names(self.key_usage),
            "cell_usage": gbcs_name(
                CellUsage.MANAGEMENT if self.cell_usage is None else self.cell_usage
            ),
            "subject_unique_id": eui_text(self.subject_unique_id),
            "subject_key_id": self.subject_key_id.hex(),
        }


@dataclass(frozen=True, slots=True)
class RemotePartyDetails:
    """The credentials held for one remote party role, or the status saying why not."""

    role: RemotePartyRole | int
    status_code: StatusCode | int
    current_seq_number: int | None = None
    trust_anchor_cells: tuple[TrustAnchorCellContents, ...] | None = None

    @classmethod
    def read(cls, reader: Reader) -> RemotePartyDetails:
        inner = reader.constructed()
        role = coded(RemotePartyRole, inner.integer())
        status = coded(StatusCode, inner.enumerated())
        seq = read_seq_number(inner) if inner.next_is(tlv.INTEGER) else None
        cells = (
            read_sequence_of(inner, TrustAnchorCellContents.read)
            if inner.next_is(tlv.SEQUENCE)
            else None
        )
        inner.finish()
        return cls(role, status, seq, cells)

    def write(self) -> bytes:
        parts = [write_int(self.role), write_int(self.status_code, tlv.ENUMERATED)]
        if self.current_seq_number is not None:
            parts.append(write_seq_number(self.current_seq_number))
        if self.trust_anchor_cells is not None:
            parts.append(write_sequence_of(self.trust_anchor_cells))
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "role": gbcs_name(self.role),
            "status_code": gbcs_name(self.status_code),
        }
        if self.current_seq_number is not None:
            values["current_seq_number"] = self.current_seq_number
        if self.trust_anchor_cells is not None:
            values["trust_anchor_cells"] = [c.named_values() for c in self.trust_anchor_cells]
        return values


@dataclass(frozen=True, slots=True)
class ProvideSecurityCredentialDetailsResponse:
    """``SEQUENCE OF RemotePartyDetails``, one per role the Command asked about."""

    remote_party_details: tuple[RemotePartyDetails, ...]

    @classmethod
    def read(cls, reader: Reader) -> ProvideSecurityCredentialDetailsResponse:
        return cls(read_sequence_of(reader, RemotePartyDetails.read))

    def write(self) -> bytes:
        return write_sequence_of(self.remote_party_details)

    def named_values(self) -> dict[str, object]:
        return {"remote_party_details": [d.named_values() for d in self.remote_party_details]}
