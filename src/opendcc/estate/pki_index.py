"""Read the DCC Users of a test PKI from the ``index.json`` that ``opendcc pki init`` writes.

The format the estate expects (``format`` ``opendcc-pki/1``; other keys are ignored)::

    {
      "format": "opendcc-pki/1",
      "parties": [
        {
          "name": "supplier-a",                       # the Party's short name
          "common_name": "OPENDCC SUPPLIER A",        # optional: shown as the User's name
          "eui": "02-0D-CC-00-00-01-00-01",           # any form Eui64.parse reads
          "user_roles": ["IS", "GS"],                 # SEC User Roles (DUIS codes); may be []
          "remote_party_role": "02",                  # two hex digits, as a certificate's OU
          "certificates": [
            {
              "label": "ds",                          # what the certificate is for
              "usage": "ds",                          # ds (digital signing) or ka
              "remote_party_role": "02",              # optional; defaults to the Party's
              "certificate": "020dcc0000010001-ds.pem",   # file, relative to the PKI folder
              "serial": "1234567890123456789"         # decimal string (or integer)
            }
          ]
        }
      ]
    }

A Party with at least one User Role becomes a DCC User; the Party holding the DCC's own EUI
(the Access Control Broker) is kept as the DCC's identity (tag ``dcc``), a load controller
(remote-party role 08) with no User Role as a ``load_controller``; the DCC's other
identities (recovery, transitional CoS, WAN provider) are not Users and are skipped. Every
problem is reported as ``PkiIndexError`` naming the file and the JSON path of the value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage, RemotePartyRole

INDEX_FORMAT: Final = "opendcc-pki/1"
INDEX_FILE: Final = "index.json"
MAX_INDEX_BYTES: Final = 16 << 20


class PkiIndexError(ValueError):
    """``index.json`` is missing, unreadable, or not in the format described above."""


@dataclass(frozen=True, slots=True)
class IndexedCertificate:
    label: str
    usage: KeyUsage
    remote_party_role: RemotePartyRole
    serial: int
    file: str | None


@dataclass(frozen=True, slots=True)
class IndexedParty:
    name: str
    display_name: str
    eui: Eui64
    user_roles: frozenset[UserRole]
    remote_party_role: RemotePartyRole
    certificates: tuple[IndexedCertificate, ...]

    @property
    def is_dcc(self) -> bool:
        return self.eui == DCC_ACCESS_CONTROL_BROKER

    @property
    def is_load_controller(self) -> bool:
        return self.remote_party_role is RemotePartyRole.LOAD_CONTROLLER and not self.user_roles

    @property
    def is_user(self) -> bool:
        """Whether the estate registers this Party as a DCC User."""
        return bool(self.user_roles) or self.is_dcc or self.is_load_controller


def read_pki_index(folder: Path) -> list[IndexedParty]:
    """The Parties listed in ``folder/index.json`` (or in ``folder`` if it is the file)."""
    path = folder / INDEX_FILE if folder.is_dir() else folder
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_INDEX_BYTES + 1)
    except OSError as exc:
        raise PkiIndexError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_INDEX_BYTES:
        raise PkiIndexError(f"{path} is larger than {MAX_INDEX_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PkiIndexError(f"{path} is not JSON: {exc}") from exc
    return parse_pki_index(data, source=str(path))


def parse_pki_index(data: Any, *, source: str = INDEX_FILE) -> list[IndexedParty]:
    """The Parties of an already-decoded ``index.json``."""
    if not isinstance(data, dict):
        raise PkiIndexError(f"{source}: expected a JSON object at the top level")
    found_format = data.get("format")
    if found_format != INDEX_FORMAT:
        raise PkiIndexError(
            f"{source}: format is {found_format!r}; the estate reads {INDEX_FORMAT!r}"
            " (the index.json written by 'opendcc pki init')"
        )
    parties = _field(data, "parties", list, source, "")
    result = [_party(p, source, f"parties[{i}]") for i, p in enumerate(parties)]
    seen: dict[Eui64, str] = {}
    for party in result:
        if party.is_user and party.eui in seen:
            raise PkiIndexError(
                f"{source}: {party.name!r} and {seen[party.eui]!r} are both Users with EUI"
                f" {party.eui}"
            )
        if party.is_user:
            seen[party.eui] = party.name
    return result


def _party(data: Any, source: str, where: str) -> IndexedParty:
    if not isinstance(data, dict):
        raise PkiIndexError(f"{source}: {where} must be an object")
    name = _field(data, "name", str, source, where)
    display = data.get("common_name") or name
    if not isinstance(display, str):
        raise PkiIndexError(f"{source}: {where}.common_name must be a string")
    eui_text = _field(data, "eui", str, source, where)
    try:
        eui = Eui64.parse(eui_text)
    except ValueError:
        raise PkiIndexError(f"{source}: {where}.eui {eui_text!r} is not an EUI-64") from None
    roles: set[UserRole] = set()
    for j, code in enumerate(_field(data, "user_roles", list, source, where)):
        try:
            roles.add(UserRole(code))
        except ValueError:
            known = ", ".join(r.value for r in UserRole)
            raise PkiIndexError(
                f"{source}: {where}.user_roles[{j}] {code!r} is not a User Role ({known})"
            ) from None
    role = _role(data.get("remote_party_role"), source, f"{where}.remote_party_role")
    certificates = tuple(
        _certificate(c, role, source, f"{where}.certificates[{k}]")
        for k, c in enumerate(_field(data, "certificates", list, source, where))
    )
    return IndexedParty(name, display.strip() or name, eui, frozenset(roles), role, certificates)


def _certificate(
    data: Any, party_role: RemotePartyRole, source: str, where: str
) -> IndexedCertificate:
    if not isinstance(data, dict):
        raise PkiIndexError(f"{source}: {where} must be an object")
    usage_text = _field(data, "usage", str, source, where)
    try:
        usage = KeyUsage(usage_text)
    except ValueError:
        raise PkiIndexError(f"{source}: {where}.usage {usage_text!r} is not ds or ka") from None
    raw_serial = data.get("serial")
    if isinstance(raw_serial, bool) or not isinstance(raw_serial, str | int):
        raise PkiIndexError(f"{source}: {where}.serial must be a decimal string")
    text = str(raw_serial)
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 1 << 160:
        raise PkiIndexError(f"{source}: {where}.serial {text!r} is not a positive decimal")
    role_field = data.get("remote_party_role")
    role = (
        party_role
        if role_field is None
        else _role(role_field, source, f"{where}.remote_party_role")
    )
    label = data.get("label") or usage.value
    file = data.get("certificate")
    if not isinstance(label, str) or (file is not None and not isinstance(file, str)):
        raise PkiIndexError(f"{source}: {where}.label and .certificate must be strings")
    return IndexedCertificate(label, usage, role, int(text), file)


def _role(value: Any, source: str, where: str) -> RemotePartyRole:
    try:
        if isinstance(value, str) and len(value) == 2:
            return RemotePartyRole(int(value, 16))
    except ValueError:
        pass
    raise PkiIndexError(
        f"{source}: {where} must be a remote-party role as two hex digits (e.g. '02'),"
        f" got {value!r}"
    )


def _field(data: dict[str, Any], key: str, kind: type, source: str, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        path = f"{where}.{key}" if where else key
        raise PkiIndexError(f"{source}: {path} must be a {kind.__name__}, got {value!r}")
    return value
