"""The CSV form of a parsed record: one row per value of each profile or log entry.

Columns: ``log`` (the profile or log's name), ``entry`` (its position), ``timestamp`` (UTC,
ISO 8601), ``register`` (the value's name within the entry, or the event), ``value``,
``unit``. A record without profile or log entries gives one row per named value, with
``log`` and ``timestamp`` empty, so every read can be loaded the same way.
"""

from __future__ import annotations

import csv
import io
from typing import Final

from .records import LogRow, Record, json_scalar

COLUMNS: Final = ("log", "entry", "timestamp", "register", "value", "unit")


def rows_of(record: Record) -> list[LogRow]:
    if record.rows:
        return list(record.rows)
    return [
        LogRow("", index, None, v.name, v.value, v.unit) for index, v in enumerate(record.values)
    ]


def to_csv(record: Record) -> str:
    """The record's rows as CSV text (with a header line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows_of(record):
        timestamp = json_scalar(row.timestamp)
        value = json_scalar(row.value)
        writer.writerow(
            (
                row.log,
                row.entry,
                timestamp if timestamp is not None else "",
                row.register,
                "" if value is None else value,
                row.unit or "",
            )
        )
    return out.getvalue()
