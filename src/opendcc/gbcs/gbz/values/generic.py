"""Named views of single components: attributes by name, command fields interpreted.

These views need no knowledge of the use case: an attribute's name, unit and scaling come
from the cluster tables (``Meaning``), with scaling attributes (Multiplier, Divisor,
UnitOfMeasure, PriceTrailingDigit, ThresholdMultiplier/Divisor) taken from the same
payload when present; a command's fields are shown with UTC times as ISO 8601 text,
dates as ``YYYY-MM-DD`` (``*`` for wildcards), text strings as text and enumerations
by name.
"""

from __future__ import annotations

from collections.abc import Mapping

from opendcc.gbcs.gbz.clusters import AttributeDef, Meaning, attribute, cluster, cluster_name
from opendcc.gbcs.gbz.clusters.prepayment import PAYMENT_CONTROL_CONFIGURATION_BITS, TOP_UP_RESULTS
from opendcc.gbcs.gbz.clusters.units import (
    CURRENCIES,
    decimal_text,
    scaled,
    trailing_digits,
    unit_label,
    with_digits,
)
from opendcc.gbcs.gbz.datatypes import ZclValue, printable_text
from opendcc.gbcs.gbz.fields import Field, FieldValue, Record, Repeat, field_types
from opendcc.gbcs.gbz.payload import Component, EncryptedGbzComponent
from opendcc.gbcs.gbz.status import ZclStatus, status_name
from opendcc.gbcs.gbz.timefmt import utc_text, zcl_date_text
from opendcc.gbcs.gbz.values.labels import IMMEDIATE_WHEN_ZERO, field_labels
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    RawPayload,
    ReadAttributes,
    ReadAttributesResponse,
    WriteAttributes,
    WriteAttributesResponse,
    ZclHeader,
    ZclPayload,
    command_layout,
    command_name,
)

Json = object
Scales = Mapping[tuple[int, int], int]
"""(cluster id, attribute id) -> raw value of the scaling attributes seen in a payload."""

_METERING = 0x0702
_PRICE = 0x0700


def time_value(seconds: int, field: str | None = None) -> str | None:
    if seconds == 0 and field in IMMEDIATE_WHEN_ZERO:
        return "immediate"
    if seconds in (0xFFFFFFFE,):
        return f"0x{seconds:08X}"
    return utc_text(seconds)


def text_or_hex(data: bytes | None) -> str | None:
    if data is None:
        return None
    text = printable_text(data)
    return text if text is not None else data.hex()


def summation(raw: int, scales: Scales, cluster_id: int = _METERING) -> dict[str, Json]:
    """A register: raw count, value scaled by Multiplier / Divisor and the unit, when known."""
    out: dict[str, Json] = {"raw": raw}
    multiplier = scales.get((cluster_id, 0x0301))
    divisor = scales.get((cluster_id, 0x0302))
    unit = scales.get((cluster_id, 0x0300))
    if multiplier is not None and divisor is not None:
        out["value"] = decimal_text(scaled(raw, multiplier, divisor))
    if unit is not None:
        out["unit"] = unit_label(unit)
    return out


def attribute_value(d: AttributeDef | None, v: ZclValue, scales: Scales, cluster_id: int) -> Json:
    """The supplier's view of one attribute value."""
    raw = v.value
    if isinstance(raw, tuple):
        return [attribute_value(None, e, scales, cluster_id) for e in raw]
    if isinstance(raw, bytes) or raw is None:
        return text_or_hex(raw)
    meaning = d.meaning if d else Meaning.NUMBER
    if meaning is Meaning.SUMMATION:
        return summation(raw, scales, cluster_id)
    if meaning is Meaning.TIMESTAMP:
        return time_value(raw)
    if meaning is Meaning.UNIT_OF_MEASURE:
        return unit_label(raw)
    if meaning is Meaning.CURRENCY:
        return CURRENCIES.get(raw, raw)
    if meaning is Meaning.TRAILING_DIGIT:
        return {"raw": raw, "digits": trailing_digits(raw)}
    if meaning is Meaning.HUNDREDTHS_PERCENT:
        return {"raw": raw, "percent": with_digits(raw, 2)}
    if meaning is Meaning.PRICE:
        digits = scales.get((_PRICE, 0x0617))
        out: dict[str, Json] = {"raw": raw}
        if digits is not None:
            out["value"] = with_digits(raw, trailing_digits(digits))
        return out
    if meaning is Meaning.BLOCK_THRESHOLD:
        multiplier = scales.get((_PRICE, 0x0202))
        divisor = scales.get((_PRICE, 0x0203))
        out = {"raw": raw}
        if multiplier is not None and divisor is not None:
            out["value"] = decimal_text(scaled(raw, multiplier, divisor))
        return out
    if meaning is Meaning.ENUMERATION and d is not None and d.labels is not None:
        return d.labels.get(raw, raw)
    if meaning is Meaning.FLAGS and d is not None and d.name == "PaymentControlConfiguration":
        return {
            "raw": raw,
            "flags": [n for b, n in PAYMENT_CONTROL_CONFIGURATION_BITS.items() if raw >> b & 1],
        }
    return raw


def collect_scales(components: tuple[Component, ...]) -> dict[tuple[int, int], int]:
    """The scaling attributes present anywhere in the payload."""
    wanted = {(_METERING, 0x0300), (_METERING, 0x0301), (_METERING, 0x0302)}
    wanted |= {(_PRICE, 0x0617), (_PRICE, 0x0202), (_PRICE, 0x0203), (_PRICE, 0x0615)}
    out: dict[tuple[int, int], int] = {}
    for c in components:
        payload = component_payload(c)
        if isinstance(payload, ReadAttributesResponse):
            for r in payload.records:
                key = (c.cluster_id, r.attribute_id)
                if key in wanted and r.value is not None and isinstance(r.value.value, int):
                    out[key] = r.value.value
    return out


def component_payload(c: Component) -> ZclPayload | None:
    return c.plaintext if isinstance(c, EncryptedGbzComponent) else c.frame.payload


def component_header(c: Component) -> ZclHeader:
    return c.header if isinstance(c, EncryptedGbzComponent) else c.frame.header


def component_view(c: Component, scales: Scales) -> dict[str, Json]:
    header = component_header(c)
    payload = component_payload(c)
    out: dict[str, Json] = {"cluster": cluster_name(c.cluster_id)}
    if isinstance(c, EncryptedGbzComponent):
        out["encrypted"] = True
        if payload is None:
            out["command"] = command_name(header, RawPayload(b""))
            out["decrypted"] = False
            return out
    if c.from_date_time is not None:
        out["from_date_time"] = time_value(c.from_date_time)
    assert payload is not None
    out["command"] = command_name(header, payload)
    out.update(payload_view(c.cluster_id, header, payload, scales))
    return out


def payload_view(
    cluster_id: int, header: ZclHeader, p: ZclPayload, scales: Scales
) -> dict[str, Json]:
    if isinstance(p, ReadAttributes):
        return {"attributes": [_attribute_name(cluster_id, a) for a in p.attribute_ids]}
    if isinstance(p, ReadAttributesResponse):
        values: dict[str, Json] = {}
        errors: dict[str, Json] = {}
        for r in p.records:
            d = attribute(cluster_id, r.attribute_id)
            name = d.name if d else f"0x{r.attribute_id:04X}"
            if r.value is None:
                errors[name] = status_name(r.status)
            else:
                values[name] = attribute_value(d, r.value, scales, cluster_id)
        out: dict[str, Json] = {"attributes": values}
        if errors:
            out["errors"] = errors
        return out
    if isinstance(p, WriteAttributes):
        return {
            "attributes": {
                _attribute_name(cluster_id, w.attribute_id): attribute_value(
                    attribute(cluster_id, w.attribute_id), w.value, scales, cluster_id
                )
                for w in p.records
            }
        }
    if isinstance(p, WriteAttributesResponse):
        return {
            "statuses": [
                {
                    "status": status_name(s.status),
                    **(
                        {}
                        if s.attribute_id is None
                        else {"attribute": _attribute_name(cluster_id, s.attribute_id)}
                    ),
                }
                for s in p.records
            ]
        }
    if isinstance(p, DefaultResponse):
        return {
            "for_command": answered_command(cluster_id, header, p),
            "status": status_name(p.status),
        }
    if isinstance(p, ClusterCommand):
        layout = command_layout(cluster_id, header)
        kinds = field_types(layout.fields) if layout else {}
        return {"fields": record_view(cluster_id, p.fields, kinds)}
    return {"raw": p.data.hex(), **({"note": p.note} if p.note else {})}


def answered_command(cluster_id: int, header: ZclHeader, p: DefaultResponse) -> str:
    """The name of the command a Default Response answers (sent the other way)."""
    d = cluster(cluster_id)
    if d is not None:
        original = d.command(p.command_id, not header.server_to_client)
        if original is not None:
            return original.name
    return f"0x{p.command_id:02X}"


def record_view(
    cluster_id: int, record: Record, kinds: Mapping[str, Field | Repeat]
) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for name, value in record.items_:
        out[name] = field_view(cluster_id, name, value, kinds)
    return out


def field_view(
    cluster_id: int, name: str, value: FieldValue, kinds: Mapping[str, Field | Repeat]
) -> Json:
    kind = kinds.get(name)
    if isinstance(value, tuple):
        inner = field_types(kind.fields) if isinstance(kind, Repeat) else {}
        return [record_view(cluster_id, r, inner) for r in value]
    if value is None:
        return None
    if isinstance(value, bytes):
        if isinstance(kind, Field) and kind.type.name == "date":
            return zcl_date_text(value)
        return text_or_hex(value)
    if isinstance(kind, Field) and kind.type.name == "utc_time":
        return time_value(value, name)
    labels = field_labels(cluster_id, name)
    if labels is not None and value in labels:
        return labels[value]
    return value


def _attribute_name(cluster_id: int, attribute_id: int) -> str:
    d = attribute(cluster_id, attribute_id)
    return d.name if d else f"0x{attribute_id:04X}"


def outcome(components: tuple[Component, ...]) -> dict[str, Json]:
    """Success unless a Default Response, attribute record or write status says otherwise."""
    errors: list[dict[str, Json]] = []
    for index, c in enumerate(components):
        payload = component_payload(c)
        header = component_header(c)
        where: dict[str, Json] = {"component": index, "cluster": cluster_name(c.cluster_id)}
        if isinstance(payload, DefaultResponse) and not payload.succeeded:
            errors.append(
                {
                    **where,
                    "command": answered_command(c.cluster_id, header, payload),
                    "status": status_name(payload.status),
                }
            )
        elif isinstance(payload, ReadAttributesResponse):
            for r in payload.records:
                if r.status != ZclStatus.SUCCESS:
                    errors.append(
                        {
                            **where,
                            "attribute": _attribute_name(c.cluster_id, r.attribute_id),
                            "status": status_name(r.status),
                        }
                    )
        elif isinstance(payload, WriteAttributesResponse):
            for s in payload.records:
                if s.status != ZclStatus.SUCCESS:
                    errors.append({**where, "status": status_name(s.status)})
        elif isinstance(payload, ClusterCommand) and payload.name == "ConsumerTopUpResponse":
            result = payload.fields.get("result_type")
            if isinstance(result, int) and result not in _TOP_UP_ACCEPTED:
                errors.append(
                    {
                        **where,
                        "command": "ConsumerTopUp",
                        "status": TOP_UP_RESULTS.get(result, result),
                    }
                )
    return {"success": not errors, "errors": errors}


_TOP_UP_ACCEPTED = frozenset({0x00, 0x10, 0x11, 0x12})
