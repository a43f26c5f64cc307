"""All or nothing: a non-device request's change, written in one job with its journal entry.

The hub promises that bad input never leaves a half-applied change and that nothing
accepted is lost (SEC Section H3 and the DUIS response rules: a Service Request gets one
answer, and the DCC's records match the answer given). A non-device Service Request (DUIS
Command Variant 8) that changes the hub's database therefore does not write as it goes.
Its handler checks what it can from the read caches and returns a ``Change``:

- ``apply(conn)`` runs inside one write job (``store.database``): it checks everything
  again against the database itself, makes every write (the repositories' ``WriteStep``s,
  schedule rows...) and returns the DUIS answer;
- ``NonDeviceService`` runs ``apply`` inside a savepoint of the job that also inserts the
  request's journal entry and its events. When the answer is not a success (I0, or a W
  warning: done, with a remark), or ``apply`` raises, the savepoint is rolled back: the
  refusal is journalled with nothing of the change. A fault inside ``apply`` (an
  exception) is rolled back the same way and answered with the variant's "cannot be
  carried out" code; only the database itself failing fails the whole job, and then
  nothing at all is written and the request is not accepted (HTTP 503 with Retry-After);
- ``committed(answer)`` runs once the transaction has committed (read caches, waking the
  scheduler), only for an answer that was kept; ``discarded()`` runs instead when the
  change was not kept (a refusal, a fault, the job failing), for a handler that prepared
  something outside the database (11.1/11.4 change cached Device states before the job).

So the change, its journal entry and its events commit together or not at all; a crash
at any point leaves either everything or nothing, never a change the User got no answer
for. The handlers that use it: 5.1 Create Schedule (``hub.schedules``), 8.6 Service Opt
In (``hub.opt_in``), 8.13 Return Local Command Response (``hub.local_delivery``), 8.14.2
to 8.14.4 (``hub.ch_status``), 11.1 and 11.4 firmware distribution
(``hub.firmware_distribution``), and 8.3, 8.4, 8.14.1 and 12.2 (``hub.nondevice``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lxml import etree

from opendcc.duis.codes import ResponseCode
from opendcc.inventory.model import StatusChange
from opendcc.store.events import EventKind, append_events

if TYPE_CHECKING:
    from opendcc.hub.pipeline import RequestTrace

log = logging.getLogger("opendcc.hub.change")

Answer = tuple[ResponseCode, etree._Element | None, str]
"""A non-device handler's answer: the DUIS response code, the content, the reason."""


def kept(code: ResponseCode) -> bool:
    """Whether a change answered ``code`` stays: I0, or a warning (W: done, with a remark)."""
    return code.is_success or code.value.startswith("W")


@dataclass(slots=True)
class Change:
    """A change to apply in the request's own write job (see the module)."""

    apply: Callable[[sqlite3.Connection], Answer]
    committed: Callable[[Answer], None] = field(default=lambda answer: None)
    discarded: Callable[[], None] = field(default=lambda: None)


class WriteSteps:
    """The repositories' ``WriteStep``s a ``Change`` ran, to tell them of the commit."""

    def __init__(self) -> None:
        self._steps: list[Any] = []

    def run(self, step: Any, conn: sqlite3.Connection) -> Any:
        """Run ``step`` (a ``store.inventory.WriteStep``) in ``conn``; returns its result."""
        if all(step is not s for s in self._steps):  # ``apply`` may run again on a retry
            self._steps.append(step)
        return step.run(conn)

    def committed(self, answer: Answer | None = None) -> None:
        for step in self._steps:
            step.committed()


def inventory_recorder(
    trace: RequestTrace, now: datetime, what: str, *, name_device: bool = False
) -> Callable[[Any, Any], None]:
    """The ``record`` callback of an inventory ``WriteStep`` run in a ``Change``.

    It logs the request's ``inventory_changed`` event (``change``: ``what``, and for a
    status change its ``from`` and ``to``; with ``name_device`` the Device too, for a
    change that moves more than one) in the same job, so it commits with the change.
    """

    def record(conn: Any, result: Any) -> None:
        detail: dict[str, Any] = {"change": what}
        if isinstance(result, StatusChange):
            if name_device:
                detail["device"] = str(result.device_id)
            detail |= {"from": result.old.value if result.old else None, "to": result.new.value}
        append_events(conn, [trace.event(EventKind.INVENTORY_CHANGED, now, None, **detail)])

    return record


def savepoint_apply(conn: sqlite3.Connection, change: Change, fault: ResponseCode) -> Answer:
    """Run ``change.apply`` in a savepoint, kept only when its answer is (``kept``).

    A fault inside ``apply`` (an exception: a bug, an injected failure) rolls the change
    back and is answered ``fault`` (the variant's "cannot be carried out" code) with the
    reason; an SQLite error is the database failing and goes on, failing the whole job.
    """
    conn.execute("SAVEPOINT nondevice_change")
    try:
        answer = change.apply(conn)
    except sqlite3.Error:
        conn.execute("ROLLBACK TO nondevice_change")
        conn.execute("RELEASE nondevice_change")
        raise
    except Exception as exc:
        log.exception("a non-device change failed and was rolled back")
        answer = (fault, None, f"the change could not be applied and was not: {exc}")
    if not kept(answer[0]):
        conn.execute("ROLLBACK TO nondevice_change")
    conn.execute("RELEASE nondevice_change")
    return answer
