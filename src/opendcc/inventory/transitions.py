"""Smart Metering Inventory status transitions: the table is the specification.

Everything that changes a Device's SMI status lives here. The table maps the current
status and an ``InventoryEvent`` to the next status; the code is a short look-up over it,
and a refusal names the row that is missing (status and event), as h11 does for HTTP
connection states. The events are the enrolment procedures of the SEC (Section H5, H6 and
the Inventory, Enrolment and Withdrawal Procedures) as DUIS carries them:

- 12.2 Device Pre-notification adds a Device as ``Pending``; SMKI/whitelisting moves it to
  ``Whitelisted`` (the DCC's own step);
- 8.14.1 / 8.14.2 (CH install) and 8.11 / 8.12 (HAN device logs) install Devices:
  ``InstalledNotCommissioned``;
- 8.1.1 Commission Device: ``Commissioned``;
- 8.3 Decommission Device: ``Decommissioned``; 8.14.3 / 8.14.4 (CH fault / no-fault return,
  ``RETURN``) likewise for the Communications Hub Function and its Gas Proxy Function, from
  any status short of withdrawal or recovery (a hub may be returned before it was installed);
- withdrawal (8.5 Service Opt Out, DCC only): ``Withdrawn``; 8.6 Service Opt In restores;
- suspension after a security failure (SMKI recovery): ``Suspended``, then ``Recovery``
  and ``Recovered``.

Type 2 devices (IHD, CAD) have no status: ``NotApplicable`` accepts no event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from opendcc.inventory.model import SmiStatus


class InventoryEvent(enum.StrEnum):
    PRE_NOTIFY = "pre_notify"
    WHITELIST = "whitelist"
    INSTALL = "install"
    COMMISSION = "commission"
    DECOMMISSION = "decommission"
    WITHDRAW = "withdraw"
    OPT_IN = "opt_in"
    SUSPEND = "suspend"
    START_RECOVERY = "start_recovery"
    RECOVER = "recover"
    RESTORE = "restore"
    """A recovered Device goes back into service (Commissioned)."""
    RETURN = "return"
    """A Communications Hub returned to the DCC (DUIS 8.14.3 / 8.14.4): out of service."""


S = SmiStatus
E = InventoryEvent

TRANSITIONS: Final[dict[tuple[SmiStatus, InventoryEvent], SmiStatus]] = {
    (S.PENDING, E.WHITELIST): S.WHITELISTED,
    (S.PENDING, E.INSTALL): S.INSTALLED_NOT_COMMISSIONED,
    (S.WHITELISTED, E.INSTALL): S.INSTALLED_NOT_COMMISSIONED,
    (S.WHITELISTED, E.COMMISSION): S.COMMISSIONED,
    (S.INSTALLED_NOT_COMMISSIONED, E.COMMISSION): S.COMMISSIONED,
    (S.INSTALLED_NOT_COMMISSIONED, E.DECOMMISSION): S.DECOMMISSIONED,
    (S.COMMISSIONED, E.DECOMMISSION): S.DECOMMISSIONED,
    (S.COMMISSIONED, E.WITHDRAW): S.WITHDRAWN,
    (S.INSTALLED_NOT_COMMISSIONED, E.WITHDRAW): S.WITHDRAWN,
    (S.WITHDRAWN, E.OPT_IN): S.COMMISSIONED,
    (S.WITHDRAWN, E.DECOMMISSION): S.DECOMMISSIONED,
    (S.COMMISSIONED, E.SUSPEND): S.SUSPENDED,
    (S.INSTALLED_NOT_COMMISSIONED, E.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.START_RECOVERY): S.RECOVERY,
    (S.SUSPENDED, E.DECOMMISSION): S.DECOMMISSIONED,
    (S.RECOVERY, E.RECOVER): S.RECOVERED,
    (S.RECOVERED, E.RESTORE): S.COMMISSIONED,
    (S.RECOVERED, E.DECOMMISSION): S.DECOMMISSIONED,
    (S.PENDING, E.RETURN): S.DECOMMISSIONED,
    (S.WHITELISTED, E.RETURN): S.DECOMMISSIONED,
    (S.INSTALLED_NOT_COMMISSIONED, E.RETURN): S.DECOMMISSIONED,
    (S.COMMISSIONED, E.RETURN): S.DECOMMISSIONED,
    (S.SUSPENDED, E.RETURN): S.DECOMMISSIONED,
    # A Device that was decommissioned or withdrawn can be pre-notified again (re-use of
    # a Device at another premises starts the enrolment procedure from the beginning).
    (S.DECOMMISSIONED, E.PRE_NOTIFY): S.PENDING,
}


@dataclass(frozen=True, slots=True)
class TransitionRefused:
    """No row of ``TRANSITIONS`` allows ``event`` from ``status``."""

    status: SmiStatus
    event: InventoryEvent

    def __str__(self) -> str:
        allowed = sorted(e.value for (s, e) in TRANSITIONS if s is self.status)
        return (
            f"SMI status {self.status.value} does not allow {self.event.value}"
            f" (allowed: {', '.join(allowed) or 'nothing'})"
        )


def next_status(status: SmiStatus, event: InventoryEvent) -> SmiStatus | TransitionRefused:
    """The status after ``event``, or the refusal naming the missing row."""
    found = TRANSITIONS.get((status, event))
    return found if found is not None else TransitionRefused(status, event)
