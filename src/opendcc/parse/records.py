"""The records ``opendcc.parse`` returns: one per DUIS body kind, and their JSON form.

- ``ServiceResponseRecord``: a DUIS ``ResponseMessage`` (a Service Response, synchronous or
  asynchronous): the header facts, the response code with its meaning, and its content: a
  decoded GBCS message (``GBCSPayload``, ``PreCommand``, ``LocalCommand``), a DSP body read
  as named values (``DSPInventory``, ``DSPScheduleID``...), or nothing (an error, an
  acknowledgement).
- ``DeviceAlertRecord``: a ``DeviceAlertMessage``: the alert code and its name, the decoded
  GBCS Alert.
- ``DccAlertRecord``: a ``DCCAlertMessage``: the DCC alert code and the alert body by name.
- ``GbcsMessageRecord``: a bare GBCS message (hex or binary), as the RTDS vectors hold them.

Every record has ``to_json()`` giving the stable schema ``opendcc.parse/1`` documented in
docs/parse-and-correlate.md: keys are never renamed within a schema version, new keys may be
added, values are JSON types (date-times as ISO 8601 UTC strings, decimals as strings so no
precision is lost).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

SCHEMA: Final = "opendcc.parse/1"

Scalar = Decimal | int | str | bool | datetime | None


class ValueKind(enum.Enum):
    """What a named value is, so that a program can pick values out without knowing names."""

    ENERGY = "energy"
    """Active energy in kWh (from Wh and the register's scaler)."""
    REACTIVE_ENERGY = "reactive_energy"
    """Reactive energy in kvarh."""
    VOLUME = "volume"
    """Gas volume in m3."""
    REGISTER = "register"
    """A register the payload gives without its scaling (log entries of GBZ snapshots)."""
    POWER = "power"
    VOLTAGE = "voltage"
    CURRENT = "current"
    MONEY = "money"
    """An amount in currency units (from the device's 1/100000 units, DUIS "Millipence")."""
    PRICE = "price"
    """A price in currency units per kWh or m3 (or per day, for a standing charge)."""
    TIMESTAMP = "timestamp"
    """A UTC instant."""
    DATE_PATTERN = "date_pattern"
    """A date or time with wildcards (special days, billing dates)."""
    DURATION = "duration"
    SUPPLY_STATE = "supply_state"
    """Enabled, Disabled or Armed (DUIS's words)."""
    ALERT_CODE = "alert_code"
    EVENT_CODE = "event_code"
    COUNT = "count"
    FLAG = "flag"
    IDENTIFIER = "identifier"
    """A Device, party or certificate identifier."""
    RESULT = "result"
    """The outcome of a write or action (``success``)."""
    ERROR = "error"
    """An item the Device refused or could not read."""
    TEXT = "text"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class NamedValue:
    """One value of a payload, named, in user units.

    ``name`` is a path of the codec's names (``DailyReadLog[3]/ActiveImportRegisterConsumption``);
    ``raw`` is what the payload carried before conversion (JSON).
    """

    name: str
    value: Scalar
    unit: str | None
    kind: ValueKind
    raw: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": json_scalar(self.value),
            "unit": self.unit,
            "kind": self.kind.value,
            "raw": self.raw,
        }


@dataclass(frozen=True, slots=True)
class LogRow:
    """One value of one entry of a profile or log (the CSV form)."""

    log: str
    entry: int
    timestamp: datetime | None
    register: str
    value: Scalar
    unit: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "entry": self.entry,
            "timestamp": json_scalar(self.timestamp),
            "register": self.register,
            "value": json_scalar(self.value),
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """A MAC or signature: whether the message has one, and whether it verified (None: not
    checked, ``detail`` says why)."""

    present: bool
    valid: bool | None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"present": self.present, "valid": self.valid, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class GbcsRecord:
    """A decoded GBCS message."""

    cra: str
    message_code: int
    use_case: str | None
    use_case_title: str | None
    originator: str
    recipient: str
    counter: int
    date_time: str | None
    mac: Check
    signature: Check
    payload_format: str
    encrypted_blocks: int
    decrypted_blocks: int
    values: tuple[NamedValue, ...]
    rows: tuple[LogRow, ...]
    errors: tuple[NamedValue, ...]
    alert_code: str | None = None
    alert_name: str | None = None
    problem: str | None = None
    """Why the payload could not be read (the frame and checks still are)."""
    codec_values: Any = None
    """The payload codec's own named values (``to_json()["values"]``), for completeness."""

    def value(self, name: str) -> NamedValue | None:
        """The value called ``name`` (exact path), or None."""
        for item in self.values:
            if item.name == name:
                return item
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "cra": self.cra,
            "message_code": f"{self.message_code:04X}",
            "use_case": self.use_case,
            "use_case_title": self.use_case_title,
            "originator": self.originator,
            "recipient": self.recipient,
            "counter": self.counter,
            "date_time": self.date_time,
            "mac": self.mac.to_json(),
            "signature": self.signature.to_json(),
            "payload_format": self.payload_format,
            "encrypted_blocks": self.encrypted_blocks,
            "decrypted_blocks": self.decrypted_blocks,
            "alert_code": self.alert_code,
            "alert_name": self.alert_name,
            "values": [v.to_json() for v in self.values],
            "rows": [r.to_json() for r in self.rows],
            "errors": [e.to_json() for e in self.errors],
            "problem": self.problem,
            "codec_values": self.codec_values,
        }


@dataclass(frozen=True, slots=True)
class ResponseHeaderFacts:
    """The DUIS header, read out."""

    request_id: str | None
    response_id: str | None
    originator: str | None
    target: str | None
    counter: int | None
    response_code: str
    response_code_meaning: str
    response_category: str
    response_datetime: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "response_id": self.response_id,
            "originator": self.originator,
            "target": self.target,
            "counter": self.counter,
            "response_code": self.response_code,
            "response_code_meaning": self.response_code_meaning,
            "response_category": self.response_category,
            "response_datetime": json_scalar(self.response_datetime),
        }


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """What every record has."""

    kind: str
    header: ResponseHeaderFacts | None
    gbcs: GbcsRecord | None
    duis_signature: Check | None
    problems: tuple[str, ...]

    def base_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": self.kind,
            "header": self.header.to_json() if self.header else None,
            "duis_signature": self.duis_signature.to_json() if self.duis_signature else None,
            "gbcs": self.gbcs.to_json() if self.gbcs else None,
            "problems": list(self.problems),
        }

    @property
    def rows(self) -> tuple[LogRow, ...]:
        return self.gbcs.rows if self.gbcs else ()

    @property
    def values(self) -> tuple[NamedValue, ...]:
        return self.gbcs.values if self.gbcs else ()


@dataclass(frozen=True, slots=True)
class ServiceResponseRecord(ParsedRecord):
    """A DUIS ``ResponseMessage``."""

    service_reference: str | None = None
    service_reference_variant: str | None = None
    service_request_name: str | None = None
    content: str | None = None
    """The content element: ``GBCSPayload``, ``PreCommand``, ``DSPInventory``... or None."""
    dsp: tuple[NamedValue, ...] = field(default=())
    """A DSP body's values (``DSPInventory/Device[1]/DeviceStatus``...)."""

    def to_json(self) -> dict[str, Any]:
        out = self.base_json()
        out["response"] = {
            "service_reference": self.service_reference,
            "service_reference_variant": self.service_reference_variant,
            "service_request_name": self.service_request_name,
            "content": self.content,
            "dsp": [v.to_json() for v in self.dsp],
        }
        return out


@dataclass(frozen=True, slots=True)
class DeviceAlertRecord(ParsedRecord):
    """A DUIS ``DeviceAlertMessage``."""

    alert_code: str = ""
    alert_name: str | None = None
    details: tuple[NamedValue, ...] = field(default=())
    """The DUIS body's other fields (throttling...)."""

    def to_json(self) -> dict[str, Any]:
        out = self.base_json()
        out["alert"] = {
            "source": "device",
            "code": self.alert_code,
            "name": self.alert_name,
            "details": [v.to_json() for v in self.details],
        }
        return out


@dataclass(frozen=True, slots=True)
class DccAlertRecord(ParsedRecord):
    """A DUIS ``DCCAlertMessage``."""

    alert_code: str = ""
    body: str | None = None
    """The alert body element (``PowerOutageEvent``, ``ChangeOfSupplier``...)."""
    details: tuple[NamedValue, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        out = self.base_json()
        out["alert"] = {
            "source": "dcc",
            "code": self.alert_code,
            "name": self.body,
            "details": [v.to_json() for v in self.details],
        }
        return out


@dataclass(frozen=True, slots=True)
class GbcsMessageRecord(ParsedRecord):
    """A GBCS message on its own (no DUIS envelope)."""

    def to_json(self) -> dict[str, Any]:
        return self.base_json()


Record = ServiceResponseRecord | DeviceAlertRecord | DccAlertRecord | GbcsMessageRecord


def json_scalar(value: Scalar) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return str(value)
    return value
