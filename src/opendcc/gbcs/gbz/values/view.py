"""Look-ups over a decoded payload that the use-case extractors share."""

from __future__ import annotations

from opendcc.gbcs.gbz.clusters.units import decimal_text, scaled, unit_label
from opendcc.gbcs.gbz.datatypes import ZclValue
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.payload import GbzPayload
from opendcc.gbcs.gbz.timefmt import utc_text
from opendcc.gbcs.gbz.values.generic import collect_scales, component_payload, text_or_hex
from opendcc.gbcs.gbz.zcl import ClusterCommand, ReadAttributesResponse

METERING = 0x0702
PRICE = 0x0700
PREPAYMENT = 0x0705
BASIC = 0x0000
CALENDAR = 0x0707

Json = object


class PayloadView:
    """Attributes and commands of one payload, by cluster (plaintext of encrypted parts
    included when it is known)."""

    def __init__(self, payload: GbzPayload) -> None:
        self.payload = payload
        self.scales = collect_scales(payload.components)
        self._attributes: dict[int, dict[int, ZclValue]] = {}
        self._commands: dict[tuple[int, str], list[Record]] = {}
        self.encrypted_unread = 0
        for c in payload.components:
            p = component_payload(c)
            if p is None:
                self.encrypted_unread += 1
            elif isinstance(p, ReadAttributesResponse):
                table = self._attributes.setdefault(c.cluster_id, {})
                for r in p.records:
                    if r.value is not None:
                        table[r.attribute_id] = r.value
            elif isinstance(p, ClusterCommand):
                self._commands.setdefault((c.cluster_id, p.name), []).append(p.fields)

    def value(self, cluster_id: int, attribute_id: int) -> ZclValue | None:
        return self._attributes.get(cluster_id, {}).get(attribute_id)

    def number(self, cluster_id: int, attribute_id: int) -> int | None:
        v = self.value(cluster_id, attribute_id)
        return v.value if v is not None and isinstance(v.value, int) else None

    def text(self, cluster_id: int, attribute_id: int) -> str | None:
        v = self.value(cluster_id, attribute_id)
        return text_or_hex(v.value) if v is not None and isinstance(v.value, bytes) else None

    def commands(self, cluster_id: int, name: str) -> list[Record]:
        return self._commands.get((cluster_id, name), [])

    def register(self, raw: int | None) -> dict[str, Json] | None:
        """A Metering register with the payload's Multiplier, Divisor and UnitOfMeasure."""
        if raw is None:
            return None
        out: dict[str, Json] = {"Raw": raw}
        multiplier = self.scales.get((METERING, 0x0301))
        divisor = self.scales.get((METERING, 0x0302))
        if multiplier is not None and divisor is not None:
            out["Value"] = decimal_text(scaled(raw, multiplier, divisor))
        unit = self.scales.get((METERING, 0x0300))
        if unit is not None:
            out["Unit"] = unit_label(unit)
        return out

    def attribute_register(self, attribute_id: int) -> dict[str, Json] | None:
        return self.register(self.number(METERING, attribute_id))


def iso(seconds: object) -> str | None:
    return utc_text(seconds) if isinstance(seconds, int) else None


def compact(d: dict[str, Json]) -> dict[str, Json]:
    """``d`` without None values and empty lists (absent data stays absent)."""
    return {k: v for k, v in d.items() if v is not None and v != []}
