"""From a payload codec's named values to ``NamedValue`` rows, errors and log rows.

Each codec names values its own way (docs/gbcs-dlms.md, docs/gbcs-gbz.md, docs/gbcs-der.md):

- DLMS: a record of MMC names; figures are ``Quantity`` objects ``{value, scaler, unit,
  amount}``, refusals ``{error, code}``, profiles and logs lists of entries;
- GBZ: ``data`` holds the use case's values by MMC name (registers ``{Raw, Value, Unit}``),
  ``alert`` an Alert's, ``components`` the generic per-command view (used when there is no
  ``data``: Commands and use cases without a table), ``outcome`` the Device's refusals;
- DER: snake_case fields of the GBCS ASN.1 structures.

The walk gives one ``NamedValue`` per leaf, by path. A list of entries that carry a time
(``Timestamp``, ``timestamp`` and the other time columns of GBCS logs) is a profile or log:
each of its values also becomes a ``LogRow`` (the CSV form).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from .records import LogRow, NamedValue, ValueKind, json_scalar
from .units import (
    DEFAULT_CURRENCY,
    EVENT_CODE_NAMES,
    alert_name,
    quantity,
    register,
    scalar,
    utc,
)

TIME_COLUMNS: Final = ("Timestamp", "timestamp", "HANCommandTime", "BoostStart")
"""The entry field that dates a log or profile entry, first found wins."""
_MEANINGS: Final = frozenset({"LogMeaning", "Meaning"})
MAX_VALUES: Final = 100_000
"""A bound on the values one payload may yield (a hostile payload cannot exhaust memory)."""


@dataclass(slots=True)
class Extracted:
    values: list[NamedValue] = field(default_factory=list)
    errors: list[NamedValue] = field(default_factory=list)
    rows: list[LogRow] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY
    alert_code: str | None = None


def extract(payload_format: str, view: Any) -> Extracted:
    """The named values of a codec's ``values`` view."""
    out = Extracted()
    if not isinstance(view, dict):
        return out
    if payload_format == "gbz":
        data = view.get("data")
        label = data.get("CurrencyUnitsLabel") if isinstance(data, dict) else None
        if isinstance(label, str) and label:
            out.currency = label
        alert = view.get("alert")
        if isinstance(alert, dict):
            _walk(alert, "", out)
        if isinstance(data, dict):
            _walk(data, "", out)
        if isinstance(data, dict) or isinstance(alert, dict):
            _gbz_outcome(view.get("outcome"), out)
        else:
            _components(view.get("components"), out)
    else:
        _walk(view, "", out)
    for item in out.values:
        if item.kind is ValueKind.ALERT_CODE and out.alert_code is None:
            out.alert_code = str(item.value)
    return out


def _walk(node: Any, path: str, out: Extracted) -> None:
    if len(out.values) + len(out.errors) >= MAX_VALUES:
        return
    if isinstance(node, dict):
        if _is_quantity(node):
            out.values.append(quantity(path, node, out.currency))
            return
        if _is_register(node):
            out.values.append(register(path, node))
            return
        if _is_failure(node):
            out.errors.append(NamedValue(path, str(node.get("error")), None, ValueKind.ERROR, node))
            return
        for key, child in node.items():
            _walk(child, f"{path}/{key}" if path else str(key), out)
        return
    if isinstance(node, list):
        if _is_log(node):
            _log(node, path, out)
            return
        for index, child in enumerate(node):
            _walk(child, f"{path}[{index}]", out)
        return
    out.values.append(scalar(path, node, out.currency))


def _log(entries: list[Any], path: str, out: Extracted) -> None:
    """A profile or log: every value, and rows: one per register of a profile entry, one
    per event of an event log (the event code and its name, with what else it says)."""
    name = path or "log"
    for index, entry in enumerate(entries):
        start = len(out.values)
        _walk(entry, f"{path}[{index}]", out)
        stamp = _entry_time(entry)
        prefix = f"{path}[{index}]/"
        items = [
            (item.name.removeprefix(prefix), item)
            for item in out.values[start:]
            if item.name.removeprefix(prefix) not in TIME_COLUMNS
        ]
        code = next((i for n, i in items if n in EVENT_CODE_NAMES), None)
        if code is not None:
            meaning = next((i.value for n, i in items if n in _MEANINGS), None)
            event = f"{code.value} {meaning or alert_name(str(code.value)) or ''}".strip()
            rest = "; ".join(
                f"{n}={json_scalar(i.value)}"
                for n, i in items
                if i is not code and n not in _MEANINGS and i.value not in ("", None)
            )
            out.rows.append(LogRow(name, index, stamp, event, rest or None, None))
            continue
        for register_name, item in items:
            out.rows.append(LogRow(name, index, stamp, register_name, item.value, item.unit))


def _entry_time(entry: Any) -> datetime | None:
    if not isinstance(entry, dict):
        return None
    for column in TIME_COLUMNS:
        value = entry.get(column)
        if isinstance(value, str):
            moment = utc(value)
            if moment is not None:
                return moment
    return None


def _components(components: Any, out: Extracted) -> None:
    """The generic GBZ view: ``Cluster.Command/field`` per component."""
    if not isinstance(components, list):
        return
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        cluster = str(component.get("cluster", "component"))
        command = component.get("command")
        base = f"components[{index}]:{cluster}" + (f".{command}" if command else "")
        for part in ("attributes", "fields", "alert"):
            body = component.get(part)
            if isinstance(body, dict):
                _walk(body, base, out)
        status = component.get("status")
        if isinstance(status, str) and component.get("for_command"):
            # A ZCL Default Response: the outcome of the command it answers.
            name = f"components[{index}]:{cluster}.{component['for_command']}"
            if status == "SUCCESS":
                out.values.append(NamedValue(name, "success", None, ValueKind.RESULT, status))
            else:
                out.errors.append(NamedValue(name, status, None, ValueKind.ERROR, status))
        errors = component.get("errors")
        if isinstance(errors, dict):
            for key, status in errors.items():
                out.errors.append(
                    NamedValue(f"{base}/{key}", str(status), None, ValueKind.ERROR, status)
                )


def _gbz_outcome(outcome: Any, out: Extracted) -> None:
    if not isinstance(outcome, dict):
        return
    errors = outcome.get("errors")
    if not isinstance(errors, list):
        return
    known = {e.name for e in out.errors}
    for error in errors:
        if not isinstance(error, dict):
            continue
        what = error.get("attribute") or error.get("command") or "command"
        name = f"{error.get('cluster', 'component')}/{what}"
        if name in known:
            continue
        out.errors.append(
            NamedValue(name, str(error.get("status", "error")), None, ValueKind.ERROR, error)
        )


def _is_quantity(node: dict[str, Any]) -> bool:
    return "scaler" in node and "unit" in node and ("amount" in node or "value" in node)


def _is_register(node: dict[str, Any]) -> bool:
    return "Raw" in node and set(node) <= {"Raw", "Value", "Unit", "Index"}


def _is_failure(node: dict[str, Any]) -> bool:
    return "error" in node and set(node) <= {"error", "code"}


def _is_log(node: list[Any]) -> bool:
    return bool(node) and all(
        isinstance(entry, dict) and any(column in entry for column in TIME_COLUMNS)
        for entry in node
    )
