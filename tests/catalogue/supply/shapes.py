"""The structure of a decoded GBCS message, for comparing a simulated Device's message with
the reference one: frame kind, message code, protection, payload format and the shape of
the APDU or GBZ components (kinds, result codes and value types, not the values)."""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import DecodedMessage


def data_shape(data: dict[str, Any]) -> Any:
    kind = data["type"]
    if kind == "structure":
        return (kind, tuple(data_shape(item) for item in data["items"]))
    if kind == "array":
        # Arrays are compared by the shapes of their entries, whatever their number.
        return (kind, frozenset(data_shape(item) for item in data["items"]))
    if kind == "compact-array":
        return (kind, repr(data["description"]))
    return kind


def frame_shape(decoded: DecodedMessage) -> dict[str, Any]:
    message = decoded.message
    return {
        "cra": message.header.cra.label,
        "message_code": message.message_code,
        "mac_header": message.mac_header,
        "signed": message.signature is not None,
    }


def payload_shape(decoded: DecodedMessage) -> Any:
    obj = decoded.payload.to_json()
    if obj["format"] == "dlms":
        apdu = obj["apdu"]
        if apdu["type"] == "access-response":
            return (
                "dlms",
                apdu["type"],
                tuple((r["kind"], r["code"], data_shape(r["data"])) for r in apdu["responses"]),
            )
        if apdu["type"] == "data-notification":
            return ("dlms", apdu["type"], data_shape(apdu["body"]))
        return ("dlms", apdu["type"])
    if obj["format"] == "gbz":
        components = []
        for component in obj["components"]:
            payload = component["payload"]
            detail: Any = payload["type"]
            if payload["type"] == "ClusterCommand":
                detail = (payload["name"], tuple(payload["fields"]))
            elif payload["type"] == "ReadAttributesResponse":
                detail = tuple(
                    (r["id"], r["status"], (r.get("value") or {}).get("type"))
                    for r in payload["records"]
                )
            elif payload["type"] == "DefaultResponse":
                detail = ("DefaultResponse", payload["command_id"], payload["status"])
            components.append(
                (component["cluster_id"], component["header"]["frame_control"], detail)
            )
        alert = obj.get("alert")
        return ("gbz", alert and alert["alert_code"], tuple(components))
    return (obj["format"],)
