"""Words for payload names and values: ``StandingCharge`` as "standing charge", a GBZ
field with its cluster and command, a DLMS date-time octet string as ISO 8601."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.date_time import DlmsDateTime

from .paths import walk

GENERIC_SEGMENTS: Final = frozenset({"components", "fields", "values", "value", "data"})
"""Path steps that name a structure, not a value."""


def humanise(name: str) -> str:
    """``StandingCharge`` -> ``standing charge``; ``maximum_credit_level`` -> itself spaced.
    Names holding an OBIS code (``Data 0-0:94.44.121.4``) stay as they are."""
    if ":" in name:
        return name
    if "_" in name:
        return name.replace("_", " ").strip().lower()
    words: list[str] = []
    current = ""
    for index, char in enumerate(name):
        upper_run = (
            char.isupper()
            and current
            and (not current[-1].isupper() or (index + 1 < len(name) and name[index + 1].islower()))
        )
        if upper_run or (char.isdigit() and current and not current[-1].isdigit()):
            words.append(current)
            current = char
        else:
            current += char
    if current:
        words.append(current)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def gbcs_label(path: str, tree: Any) -> str:
    """A readable name for a payload path: the named value, and the component's command
    for GBZ (``maximum credit level (Prepayment SetMaximumCreditLimit)``)."""
    segments = [s for s in path.split("/") if s]
    names = [s.split("[", 1)[0] for s in segments]
    meaningful = [n for n in names if n and n not in GENERIC_SEGMENTS]
    if not meaningful:
        return "payload"
    first, last = meaningful[0], meaningful[-1]
    top = humanise(first if ":" in first else first.split(".", 1)[0])
    leaf = humanise(last.split(".", 1)[-1]) if len(meaningful) > 1 else None
    label = top if leaf is None or leaf == top else f"{top} ({leaf})"
    for node in walk(tree, path):
        if isinstance(node, dict) and "cluster" in node and "command" in node:
            return f"{humanise(meaningful[-1])} ({node['cluster']} {node['command']})"
    return label


def show(value: Any) -> str:
    if isinstance(value, str):
        return dlms_date_time(value) or value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)[:200]


def dlms_date_time(text: str) -> str | None:
    """A DLMS date-time octet string (24 hex digits) as ISO 8601, when it is one."""
    if len(text) != 24:
        return None
    try:
        moment = DlmsDateTime.from_bytes(bytes.fromhex(text))
        return moment.iso()
    except (ValueError, GbcsDecodeError):
        return None
