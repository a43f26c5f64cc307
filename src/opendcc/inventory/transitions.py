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
- ``Suspended`` is the Certified Products List status (SEC Section F; SEC modification
  MP105, "Sending SR11.2 to Devices in Suspended State", November 2021): the DCC suspends a
  Device (``SUSPEND``) whose Device Model / firmware version is no longer on the CPL. The
  way back is a firmware update: once the DCC learns a new firmware version for the Device
  (a successful 11.3 Activate Firmware, or an 11.2 Read Firmware Version Response, MP105),
  it "updates the firmware version in the SMI" and the Device returns to "the status it
  held immediately prior to its suspension" (``REINSTATE``, whose row names ``PRIOR``:
  the status is read from the Device's status history);
- the SMKI recovery chain (SEC Appendix L): ``Recovery`` and ``Recovered``, then
  ``RESTORE`` to ``Commissioned``.

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
    """The Device's Device Model / firmware left the Certified Products List (MP105)."""
    REINSTATE = "reinstate"
    """A Suspended Device runs certified firmware again (MP105): back to the status it
    held immediately before its suspension."""
    START_RECOVERY = "start_recovery"
    RECOVER = "recover"
    RESTORE = "restore"
    """A recovered Device goes back into service (Commissioned)."""
    RETURN = "return"
    """A Communications Hub returned to the DCC (DUIS 8.14.3 / 8.14.4): out of service."""


class Prior(enum.Enum):
    """A row's target that is not fixed: the status the Device held immediately before
    its current one (the ``old`` of its last status-history row)."""

    STATUS = "the status held before"


PRIOR: Final = Prior.STATUS

S = SmiStatus
E = InventoryEvent

TRANSITIONS: Final[dict[tuple[SmiStatus, InventoryEvent], SmiStatus | Prior]] = {
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
    # MP105: reinstated after a firmware update, to the status held before the suspension
    # (one of those ``SUSPEND`` leaves: ``next_status`` checks it).
    (S.SUSPENDED, E.REINSTATE): PRIOR,
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
    prior: SmiStatus | None = None
    """For a ``PRIOR`` row: the status held before, which the table does not lead back to
    (None: no status was held before, or the row is missing)."""

    def __str__(self) -> str:
        if (self.status, self.event) in TRANSITIONS:
            before = self.prior.value if self.prior is not None else "no status"
            return (
                f"SMI status {self.status.value} allows {self.event.value} back to the status"
                f" held before it, but that was {before}, which does not lead"
                f" to {self.status.value}"
            )
        allowed = sorted(e.value for (s, e) in TRANSITIONS if s is self.status)
        return (
            f"SMI status {self.status.value} does not allow {self.event.value}"
            f" (allowed: {', '.join(allowed) or 'nothing'})"
        )


def needs_prior(status: SmiStatus, event: InventoryEvent) -> bool:
    """Whether the row of ``status`` and ``event`` returns to the status held before."""
    return TRANSITIONS.get((status, event)) is PRIOR


def next_status(
    status: SmiStatus, event: InventoryEvent, prior: SmiStatus | None = None
) -> SmiStatus | TransitionRefused:
    """The status after ``event``, or the refusal naming the missing row.

    ``prior`` is the status held immediately before ``status`` (from the status history),
    for a ``PRIOR`` row: it is the answer when the table has a row from ``prior`` to
    ``status`` (a Device goes back only to a status it could have come from).
    """
    found = TRANSITIONS.get((status, event))
    if found is None:
        return TransitionRefused(status, event)
    if found is not PRIOR:
        assert isinstance(found, SmiStatus)
        return found
    if prior is not None and any(
        s is prior and target is status for (s, _), target in TRANSITIONS.items()
    ):
        return prior
    return TransitionRefused(status, event, prior)
