"""The structure of a decoded GBCS message, for comparing a simulated Device's answer with a
reference vector: what must agree (message code, CRA, payload format, APDU or component
layout, result codes, value types) without the values themselves.
"""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import decode
from opendcc.gbcs.security import GbcsSecurity


def data_shape(value: dict[str, Any]) -> object:
    """A DLMS value's type tree; arrays by the set of their element shapes (lengths vary);
    bit-strings keep their length (fixed by GBCS), octet-strings do not."""
    kind = value.get("type")
    if kind in ("array",):
        return ("array", frozenset(repr(data_shape(v)) for v in value.get("items", [])))
    if kind == "structure":
        return ("structure", tuple(data_shape(v) for v in value.get("items", [])))
    if kind == "bit-string":
        return ("bit-string", value.get("length"))
    return kind


def dlms_shape(apdu: dict[str, Any]) -> object:
    kind = apdu["type"]
    if kind == "access-response":
        return (
            kind,
            tuple((r["kind"], r["result"], data_shape(r["data"])) for r in apdu["responses"]),
        )
    if kind == "access-request":
        return (kind, tuple((r["kind"], r.get("instance")) for r in apdu["requests"]))
    return (kind, data_shape(apdu["body"]))


def _zcl_value(value: object) -> object:
    if isinstance(value, dict):
        return value.get("type")
    if isinstance(value, list):
        return ("list", frozenset(repr(_zcl_value(v)) for v in value))
    return type(value).__name__


def gbz_shape(payload: dict[str, Any]) -> object:
    components = []
    for c in payload.get("components", []):
        body = c.get("payload") or {}
        kind = body.get("type")
        if kind == "ReadAttributesResponse":
            detail: object = tuple(
                (r["id"], r["status_name"], _zcl_value(r.get("value")))
                for r in body.get("records", [])
            )
        elif kind == "DefaultResponse":
            detail = body.get("status_name")
        elif kind == "ClusterCommand":
            fields = body.get("fields", {})
            detail = (body.get("name"), tuple((k, _zcl_value(v)) for k, v in fields.items()))
        else:
            detail = kind
        components.append(
            (c["cluster_id"], c["encrypted"], c["header"]["command_id"], kind, detail)
        )
    return (tuple(components), payload.get("alert") is not None)


def shape(message: bytes, security: GbcsSecurity) -> object:
    doc = decode(message, security).to_json()
    payload = doc["payload"]
    fmt = payload.get("format")
    if fmt == "dlms":
        body = dlms_shape(payload["apdu"])
    elif fmt == "gbz":
        body = gbz_shape(payload)
    else:
        body = (payload.get("type"), tuple(sorted(payload.get("structure", {}))))
    return (doc["cra"], doc["message_code"], fmt, body)
