"""How coded values are named: GBCS ASN.1 identifiers for enumerations, text for the rest.

Every coded field in a GBCS DER structure (a role, a device type, a response code) is
typed ``SomeEnum | int``: decoding keeps a value the tables below do not know as a plain
``int`` instead of failing, so a device reporting a code added in a later GBCS version
still decodes, round-trips and shows its number. The read-only ``values`` view names known
members by their GBCS ASN.1 identifier (``supplierBySupplier``, ``methodAResponder``),
derived from the Python member name unless the specification spells it otherwise.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Final, TypeVar

from opendcc.eui import Eui64
from opendcc.smki.identity import RemotePartyRole

E = TypeVar("E", bound=enum.IntEnum)

# Keyed by (enum class, value): members of different IntEnums with equal values compare
# and hash equal, so the members themselves cannot be the keys.
_SPELLINGS: Final[dict[tuple[type[enum.Enum], int], str]] = {}


def spell(*spellings: tuple[enum.Enum, str]) -> None:
    """Register GBCS identifiers that differ from the camel-case of the member name.

    Pairs, not a dict: members of different IntEnums with equal values are equal keys.
    """
    for member, name in spellings:
        _SPELLINGS[(type(member), member.value)] = name


def coded(enum_type: type[E], value: int) -> E | int:
    """The member of ``enum_type`` with this value, or the bare value if there is none."""
    try:
        return enum_type(value)
    except ValueError:
        return value


def gbcs_name(value: int) -> str | int:
    """The GBCS identifier of an enumeration member; a bare number stays a number."""
    if isinstance(value, enum.Enum):
        known = _SPELLINGS.get((type(value), value.value))
        if known is not None:
            return known
        if value.name is None:
            return int(value)
        head, *rest = value.name.lower().split("_")
        return head + "".join(word.capitalize() for word in rest)
    return int(value)


def eui_text(value: Eui64) -> str:
    return str(value)


def time_text(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, as the rest of opendcc writes times."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


spell(
    (RemotePartyRole.TRANSITIONAL_COS, "transitionalCoS"),
    (RemotePartyRole.OTHER_USER, "other"),
)
