"""Payloads compared as their codecs read them: the JSON of a payload, and the first place
two such JSON trees differ.

Correlation compares bytes; when they differ, this says where in terms of the payload's own
structure and named values (``opendcc.gbcs`` ``to_json``), the starting point of every
explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra, PayloadContext
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.payload import decode_payload


def payload_json(payload: bytes, message: GbcsMessage) -> dict[str, Any] | None:
    """The payload read by its codec as JSON (None when no codec reads it)."""
    code = message_codes.lookup(message.message_code)
    context = PayloadContext(
        Cra.COMMAND,
        message.message_code,
        code.use_case if code else None,
        message.originator,
        message.recipient,
        message.counter,
    )
    decoded = decode_payload(payload, context).to_json()
    return None if decoded.get("format") == "raw" else decoded


@dataclass(frozen=True, slots=True)
class Leaf:
    """The first difference between two JSON trees."""

    path: str
    want: Any
    got: Any
    missing: bool = False
    added: bool = False
    lengths: tuple[int, int] | None = None


def first_difference(want: Any, got: Any, path: str = "") -> Leaf | None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in list(want) + [k for k in got if k not in want]:
            sub = f"{path}/{key}" if path else str(key)
            if key not in got:
                return Leaf(sub, want[key], None, missing=True)
            if key not in want:
                return Leaf(sub, None, got[key], added=True)
            found = first_difference(want[key], got[key], sub)
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        if len(want) != len(got):
            return Leaf(path, want, got, lengths=(len(want), len(got)))
        return None
    if want != got or type(want) is not type(got):
        return Leaf(path, want, got)
    return None
