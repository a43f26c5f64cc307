"""Comparing a simulated Device's message with a reference one by structure.

Values differ (times, counters, keys); what a Device must reproduce is the form: CRA,
message code, protection (MAC or signature), payload format and type, and the layout of
the payload with the type of every value. ``shape`` reduces the JSON form of a decoded
message to that; lists are compared by their first element's shape, since how many
entries a log holds is state, not form.
"""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import decode
from opendcc.gbcs.security import GbcsSecurity

_FRAME_KEYS = ("cra", "message_code", "use_case", "mac_header")
_VALUE_KEYS = frozenset(
    {"values", "decrypted", "mac", "signature", "mac_detail", "signature_detail"}
)


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items()) if k not in _VALUE_KEYS}
    if isinstance(value, list):
        return ["list", shape(value[0])] if value else ["list"]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "text"


def message_shape(data: bytes, security: GbcsSecurity) -> dict[str, Any]:
    decoded = decode(data, security).to_json()
    frame = {key: decoded.get(key) for key in _FRAME_KEYS}
    frame["signed"] = decoded.get("signature") is not None
    frame["supplementary"] = decoded.get("supplementary_remote_party") is not None
    payload = decoded["payload"]
    frame["payload_format"] = payload.get("format")
    frame["payload_type"] = payload.get("type")
    frame["payload"] = shape(
        {k: v for k, v in payload.items() if k in ("structure", "apdu", "components", "alert")}
    )
    return frame


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two shapes differ (for readable assertion messages); lists whose first
    elements both exist must match, an empty list matches any list."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in {'first' if key in a else 'second'}")
            else:
                out.extend(differences(a[key], b[key], f"{path}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) == 2 and len(b) == 2:
            return differences(a[1], b[1], f"{path}[0]")
        return []
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
