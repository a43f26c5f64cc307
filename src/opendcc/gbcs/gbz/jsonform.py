"""The JSON form of a GBZ payload: the exact structure plus a read-only ``values`` view.

``payload_to_json`` writes every field needed to rebuild the bytes, with readable names
beside the numbers (``cluster_name``, ``status_name``, ``alert_name``...);
``payload_from_json`` reads only the structural keys, so the readable ones and ``values``
may be dropped or stale without changing the result. Numbers may be given as integers or
as ``"0x..."`` strings; byte strings are hex.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from opendcc.gbcs.context import Cra, GbcsEncodeError
from opendcc.gbcs.gbz.alerts import alert_name
from opendcc.gbcs.gbz.clusters import attribute, cluster_name
from opendcc.gbcs.gbz.datatypes import value_from_json, value_to_json
from opendcc.gbcs.gbz.fields import FieldValue, Record
from opendcc.gbcs.gbz.payload import (
    AlertBody,
    Component,
    EncryptedGbzComponent,
    FirmwareImageHash,
    FutureDatedOutcome,
    GbzAlert,
    GbzComponent,
    GbzPayload,
    IntegrityIssueWarning,
    RawAlertBody,
)
from opendcc.gbcs.gbz.status import status_name
from opendcc.gbcs.gbz.timefmt import utc_text
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    RawPayload,
    ReadAttributeRecord,
    ReadAttributes,
    ReadAttributesResponse,
    WriteAttributeRecord,
    WriteAttributes,
    WriteAttributesResponse,
    WriteAttributeStatusRecord,
    ZclFrame,
    ZclHeader,
    ZclPayload,
    command_name,
)

FORMAT: Final = "gbz"

JsonObject = dict[str, object]


def payload_to_json(p: GbzPayload, *, with_values: bool = True) -> JsonObject:
    out: JsonObject = {"format": FORMAT}
    out["cra"] = p.cra.label if p.cra is not None else None
    out["message_code"] = p.message_code
    out["use_case"] = p.use_case
    if p.component_count is not None:
        out["component_count"] = p.component_count
    if p.alert is not None:
        out["alert"] = _alert_to_json(p.alert)
    out["components"] = [_component_to_json(c) for c in p.components]
    if with_values:
        out["values"] = p.values()
    return out


def _alert_to_json(a: GbzAlert) -> JsonObject:
    out: JsonObject = {
        "alert_code": a.alert_code,
        "alert_name": alert_name(a.alert_code),
        "timestamp": a.timestamp,
        "timestamp_utc": utc_text(a.timestamp),
    }
    body = a.body
    if isinstance(body, FutureDatedOutcome):
        out["body"] = {
            "type": "FutureDatedOutcome",
            "message_code": body.message_code,
            "originator_counter": body.originator_counter,
            "cluster_id": body.cluster_id,
            "frame_control": body.frame_control,
            "command_id": body.command_id,
        }
    elif isinstance(body, FirmwareImageHash):
        out["body"] = {
            "type": "FirmwareImageHash",
            "alert_start": body.alert_start,
            "image_hash": body.image_hash.hex(),
        }
    elif isinstance(body, IntegrityIssueWarning):
        out["body"] = {"type": "IntegrityIssueWarning", "warning": body.warning}
    elif isinstance(body, RawAlertBody):
        out["body"] = {"type": "Raw", "hex": body.data.hex()}
    return out


def _component_to_json(c: Component) -> JsonObject:
    out: JsonObject = {
        "cluster_id": c.cluster_id,
        "cluster_name": cluster_name(c.cluster_id),
        "encrypted": isinstance(c, EncryptedGbzComponent),
        "last": c.last,
        "from_date_time": c.from_date_time,
    }
    if c.from_date_time is not None:
        out["from_date_time_utc"] = utc_text(c.from_date_time)
    if c.reserved_control_bits:
        out["reserved_control_bits"] = c.reserved_control_bits
    if isinstance(c, GbzComponent):
        out["header"] = _header_to_json(c.frame.header, c.frame.payload)
        out["payload"] = zcl_payload_to_json(c.frame.payload, c.cluster_id)
    else:
        out["header"] = _header_to_json(c.header, c.plaintext)
        out["additional_header_control"] = c.additional_header_control
        out["additional_frame_counter"] = c.additional_frame_counter
        out["security_control"] = c.security_control
        out["invocation_counter"] = c.invocation_counter
        out["ciphertext"] = c.ciphertext.hex()
        out["plaintext"] = (
            None if c.plaintext is None else zcl_payload_to_json(c.plaintext, c.cluster_id)
        )
    return out


def _header_to_json(h: ZclHeader, payload: ZclPayload | None) -> JsonObject:
    out: JsonObject = {
        "frame_control": h.frame_control,
        "transaction_sequence_number": h.transaction_sequence_number,
        "command_id": h.command_id,
        "cluster_specific": h.cluster_specific,
        "server_to_client": h.server_to_client,
    }
    if h.manufacturer_code is not None:
        out["manufacturer_code"] = h.manufacturer_code
    if payload is not None:
        out["command"] = command_name(h, payload)
    return out


def zcl_payload_to_json(p: ZclPayload, cluster_id: int) -> JsonObject:
    if isinstance(p, ReadAttributes):
        return {
            "type": "ReadAttributes",
            "attributes": [
                {"id": a, "name": _attribute_name(cluster_id, a)} for a in p.attribute_ids
            ],
        }
    if isinstance(p, ReadAttributesResponse):
        records: list[JsonObject] = []
        for r in p.records:
            record: JsonObject = {
                "id": r.attribute_id,
                "name": _attribute_name(cluster_id, r.attribute_id),
                "status": r.status,
                "status_name": status_name(r.status),
            }
            if r.value is not None:
                record["value"] = value_to_json(r.value)
            records.append(record)
        return {"type": "ReadAttributesResponse", "records": records}
    if isinstance(p, WriteAttributes):
        return {
            "type": "WriteAttributes",
            "records": [
                {
                    "id": w.attribute_id,
                    "name": _attribute_name(cluster_id, w.attribute_id),
                    "value": value_to_json(w.value),
                }
                for w in p.records
            ],
        }
    if isinstance(p, WriteAttributesResponse):
        return {
            "type": "WriteAttributesResponse",
            "records": [
                {"status": s.status, "status_name": status_name(s.status), "id": s.attribute_id}
                for s in p.records
            ],
        }
    if isinstance(p, DefaultResponse):
        return {
            "type": "DefaultResponse",
            "command_id": p.command_id,
            "status": p.status,
            "status_name": status_name(p.status),
        }
    if isinstance(p, ClusterCommand):
        return {"type": "ClusterCommand", "name": p.name, "fields": record_to_json(p.fields)}
    return {"type": "Raw", "hex": p.data.hex(), "note": p.note}


def _attribute_name(cluster_id: int, attribute_id: int) -> str:
    d = attribute(cluster_id, attribute_id)
    return d.name if d else f"0x{attribute_id:04X}"


def record_to_json(record: Record) -> JsonObject:
    return {k: _field_to_json(v) for k, v in record.items_}


def _field_to_json(v: FieldValue) -> object:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, tuple):
        return [record_to_json(r) for r in v]
    return v


# --- reading ------------------------------------------------------------------------------


def payload_from_json(obj: object) -> GbzPayload:
    """Rebuild a ``GbzPayload`` from ``payload_to_json`` output (``values`` is ignored)."""
    o = _obj(obj, "GBZ payload")
    if o.get("format", FORMAT) != FORMAT:
        raise GbcsEncodeError(f"not a GBZ JSON payload: format {o.get('format')!r}")
    cra = o.get("cra")
    cra_value = None
    if cra is not None:
        try:
            cra_value = Cra[str(cra).upper()]
        except KeyError:
            raise GbcsEncodeError(f"unknown CRA {cra!r}") from None
    components = o.get("components", [])
    if not isinstance(components, list):
        raise GbcsEncodeError("components must be a list")
    alert = o.get("alert")
    use_case = o.get("use_case")
    if use_case is not None and not isinstance(use_case, str):
        raise GbcsEncodeError("use_case must be a string")
    count = o.get("component_count")
    return GbzPayload(
        tuple(_component_from_json(c) for c in components),
        None if alert is None else _alert_from_json(alert),
        None if count is None else _int(count, "component_count"),
        cra_value,
        None if o.get("message_code") is None else _int(o["message_code"], "message_code"),
        use_case,
    )


def _alert_from_json(obj: object) -> GbzAlert:
    o = _obj(obj, "alert")
    body_obj = o.get("body")
    body: AlertBody | None = None
    if body_obj is not None:
        b = _obj(body_obj, "alert body")
        kind = b.get("type")
        if kind == "FutureDatedOutcome":
            body = FutureDatedOutcome(
                _int(b.get("message_code"), "message_code"),
                _int(b.get("originator_counter"), "originator_counter"),
                _int(b.get("cluster_id"), "cluster_id"),
                _int(b.get("frame_control"), "frame_control"),
                _int(b.get("command_id"), "command_id"),
            )
        elif kind == "FirmwareImageHash":
            body = FirmwareImageHash(
                _int(b.get("alert_start"), "alert_start"), _hex(b.get("image_hash"))
            )
        elif kind == "IntegrityIssueWarning":
            body = IntegrityIssueWarning(_int(b.get("warning"), "warning"))
        elif kind == "Raw":
            body = RawAlertBody(_hex(b.get("hex")))
        else:
            raise GbcsEncodeError(f"unknown alert body type {kind!r}")
    return GbzAlert(
        _int(o.get("alert_code"), "alert_code"), _int(o.get("timestamp"), "timestamp"), body
    )


def _component_from_json(obj: object) -> Component:
    o = _obj(obj, "component")
    cluster_id = _int(o.get("cluster_id"), "cluster_id")
    fdt = o.get("from_date_time")
    from_date_time = None if fdt is None else _int(fdt, "from_date_time")
    last = bool(o.get("last", False))
    reserved = _int(o.get("reserved_control_bits", 0), "reserved_control_bits")
    header = _header_from_json(o.get("header"))
    if not o.get("encrypted"):
        frame = ZclFrame(header, zcl_payload_from_json(o.get("payload")))
        return GbzComponent(cluster_id, frame, last, from_date_time, reserved)
    plaintext = o.get("plaintext")
    return EncryptedGbzComponent(
        cluster_id,
        header,
        _hex(o.get("ciphertext")),
        _int(o.get("invocation_counter", 0), "invocation_counter"),
        _int(o.get("security_control", 0x31), "security_control"),
        _int(o.get("additional_header_control", 0), "additional_header_control"),
        _int(o.get("additional_frame_counter", 0), "additional_frame_counter"),
        last,
        from_date_time,
        reserved,
        None if plaintext is None else zcl_payload_from_json(plaintext),
    )


def _header_from_json(obj: object) -> ZclHeader:
    o = _obj(obj, "ZCL header")
    code = o.get("manufacturer_code")
    return ZclHeader(
        _int(o.get("frame_control"), "frame_control"),
        _int(o.get("transaction_sequence_number", 0), "transaction_sequence_number"),
        _int(o.get("command_id"), "command_id"),
        None if code is None else _int(code, "manufacturer_code"),
    )


def zcl_payload_from_json(obj: object) -> ZclPayload:
    o = _obj(obj, "ZCL payload")
    kind = o.get("type")
    if kind == "ReadAttributes":
        return ReadAttributes(
            tuple(_int(_obj(a, "attribute").get("id"), "id") for a in _list(o, "attributes"))
        )
    if kind == "ReadAttributesResponse":
        records = []
        for item in _list(o, "records"):
            r = _obj(item, "record")
            value = r.get("value")
            records.append(
                ReadAttributeRecord(
                    _int(r.get("id"), "id"),
                    _int(r.get("status"), "status"),
                    None if value is None else value_from_json(value),
                )
            )
        return ReadAttributesResponse(tuple(records))
    if kind == "WriteAttributes":
        return WriteAttributes(
            tuple(
                WriteAttributeRecord(
                    _int(_obj(w, "record").get("id"), "id"),
                    value_from_json(_obj(w, "record").get("value")),
                )
                for w in _list(o, "records")
            )
        )
    if kind == "WriteAttributesResponse":
        statuses = []
        for item in _list(o, "records"):
            s = _obj(item, "record")
            aid = s.get("id")
            statuses.append(
                WriteAttributeStatusRecord(
                    _int(s.get("status"), "status"), None if aid is None else _int(aid, "id")
                )
            )
        return WriteAttributesResponse(tuple(statuses))
    if kind == "DefaultResponse":
        return DefaultResponse(
            _int(o.get("command_id"), "command_id"), _int(o.get("status"), "status")
        )
    if kind == "ClusterCommand":
        name = o.get("name")
        if not isinstance(name, str):
            raise GbcsEncodeError("a cluster command needs its name")
        return ClusterCommand(name, record_from_json(o.get("fields", {})))
    if kind == "Raw":
        note = o.get("note")
        return RawPayload(_hex(o.get("hex")), note if isinstance(note, str) else None)
    raise GbcsEncodeError(f"unknown ZCL payload type {kind!r}")


def record_from_json(obj: object, depth: int = 0) -> Record:
    if depth > 4:
        raise GbcsEncodeError("command fields nested too deeply")
    o = _obj(obj, "command fields")
    items: list[tuple[str, FieldValue]] = []
    for key, value in o.items():
        items.append((key, _field_from_json(value, depth)))
    return Record(tuple(items))


def _field_from_json(v: object, depth: int) -> FieldValue:
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, str):
        return _hex(v)
    if isinstance(v, list):
        return tuple(record_from_json(item, depth + 1) for item in v)
    raise GbcsEncodeError(f"unsupported field value {v!r}")


def _obj(obj: object, what: str) -> Mapping[str, object]:
    if not isinstance(obj, Mapping):
        raise GbcsEncodeError(f"{what} must be an object")
    return obj


def _list(o: Mapping[str, object], key: str) -> list[object]:
    value = o.get(key, [])
    if not isinstance(value, list):
        raise GbcsEncodeError(f"{key} must be a list")
    return value


def _int(v: object, what: str) -> int:
    if isinstance(v, bool):
        raise GbcsEncodeError(f"{what} must be an integer")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return int(v, 0)
        except ValueError:
            pass
    raise GbcsEncodeError(f"{what} must be an integer, got {v!r}")


def _hex(v: object) -> bytes:
    if not isinstance(v, str):
        raise GbcsEncodeError(f"expected hex, got {v!r}")
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise GbcsEncodeError(f"not hex: {v!r}") from None
